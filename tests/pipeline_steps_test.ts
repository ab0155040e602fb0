/**
 * Step-level recipes end to end against the example server: failed prefix
 * completions leave their problems unfinished (a re-run completes them to the pairs
 * of an uninterrupted run), a server that cannot continue a message stops the run
 * with a clear error, and early stopping gives the same pairs with fewer completions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { main } from "../pipelines/main.ts";
import type { RunSummary } from "../pipelines/summary.ts";
import { startExampleServer } from "./support/example_server.ts";
import type { ServerRequest } from "./fixtures/openai_server.ts";

const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;

async function mathProblems(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  const lines = (await Deno.readTextFile(join(EXAMPLES, "problems.jsonl"))).split("\n");
  await Deno.writeTextFile(path, lines.filter((line) => line.includes('"math"')).join("\n"));
  return path;
}

const continues = (request: ServerRequest) =>
  Array.isArray(request.body.messages) &&
  (request.body.messages as { role: string }[]).some((m) => m.role === "assistant");

async function stepPairs(dir: string): Promise<string[]> {
  const pairs = await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
  return pairs.map((p) => JSON.stringify([p.problem_id, p.chosen, p.rejected, p.level])).sort();
}

Deno.test({
  name:
    "step recipes leave problems with failed prefix completions unfinished; a re-run completes them",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const problems = await mathProblems();
    let failing = true;
    // One prefix of demo-math/2 cannot be completed while `failing` holds.
    const server = await startExampleServer({
      plan: (request) =>
        failing && continues(request) && request.prompt.endsWith("1/2 + 1/3 = 1/5.")
          ? { fault: { kind: "status", status: 400, message: "Injected refusal" } }
          : undefined,
    });
    const args = (dir: string, ...extra: string[]) => [
      "--run",
      dir,
      "--no-serve",
      "--problems",
      problems,
      "--recipe",
      "math-step-self-consistency",
      "--base-url",
      server.baseURL,
      "--model",
      "policy",
      "--n",
      "8",
      ...extra,
    ];
    try {
      failing = false;
      const reference = join(await Deno.makeTempDir(), "run");
      assert.equal(await main(args(reference)), 0);
      const expected = await stepPairs(reference);
      assert.ok(expected.length > 0);
      for await (const pair of readJsonl<Pair>(join(reference, "pairs.jsonl"))) {
        assert.ok(pair.confidence! > 0 && pair.confidence! <= 1, `step pair ${pair.seq}`);
      }

      failing = true;
      const dir = join(await Deno.makeTempDir(), "run");
      const code = await main(args(dir));
      assert.notEqual(code, 0, "a run with failed prefix completions does not end as a success");
      const summary: RunSummary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
      assert.equal(summary.recipes["math-step-self-consistency"].problems, 5, "demo-math/2 waits");
      failing = false;
      assert.equal(await main(args(dir)), 0);
      assert.deepEqual(await stepPairs(dir), expected);

      // Early stopping: the same pairs from fewer completions.
      const early = join(await Deno.makeTempDir(), "run");
      assert.equal(await main(args(early, "--step-early-stop")), 0);
      assert.deepEqual(await stepPairs(early), expected);
      const saved: RunSummary = JSON.parse(await Deno.readTextFile(join(early, "summary.json")));
      assert.ok(saved.recipes["math-step-self-consistency"].early_stop_saved > 0);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a chat step run against a server that cannot continue a message stops with a clear error",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const problems = await mathProblems();
    const server = await startExampleServer({
      plan: (request) =>
        continues(request)
          ? {
            fault: {
              kind: "status",
              status: 400,
              message: "Unrecognized request argument supplied: continue_final_message",
            },
          }
          : undefined,
    });
    try {
      const dir = join(await Deno.makeTempDir(), "run");
      await assert.rejects(
        main([
          ...["--run", dir, "--no-serve", "--problems", problems],
          ...["--recipe", "math-step-frontier", "--base-url", server.baseURL, "--model", "policy"],
          ...["--frontier-samples", join(EXAMPLES, "frontier.jsonl")],
        ]),
        /cannot continue|--step-api completions/i,
      );
    } finally {
      await server.close();
    }
  },
});
