/**
 * What the pipeline does when the policy server is down, serves another model,
 * refuses the key, or fails for a while: it says so before any work or at the end,
 * never records a failed problem as finished, exits non-zero, and a re-run after
 * the outage ends with exactly the pairs of an uninterrupted run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { main } from "../pipelines/main.ts";
import type { RunSummary } from "../pipelines/summary.ts";
import { startOpenAIServer } from "./fixtures/openai_server.ts";
import { POLICY_MODEL, startExampleServer } from "./support/example_server.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;

async function pipeline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1", OPENAI_API_KEY: "" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function finishedKeys(dir: string): string[] {
  const db = new DatabaseSync(join(dir, "run.db"), { readOnly: true });
  try {
    return db.prepare("SELECT problem_id FROM run_problems ORDER BY problem_id").all()
      .map((row) => String(row.problem_id));
  } finally {
    db.close();
  }
}

/** The example math problems (no sandbox: the test stays fast). */
async function problemsFile(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  const lines = (await Deno.readTextFile(`${EXAMPLES}problems.jsonl`)).split("\n");
  await Deno.writeTextFile(path, lines.filter((line) => line.includes('"math"')).join("\n"));
  return path;
}

const content = (p: Pair) =>
  JSON.stringify([p.id, p.problem_id, p.prompt, p.chosen, p.rejected, p.feedback]);

Deno.test("pipeline checks the policy server before any work and leaves no run directory", async () => {
  const server = startOpenAIServer({ models: ["served-a", "served-b"], apiKey: "secret" });
  const closed = startOpenAIServer();
  const closedURL = closed.baseURL;
  await closed.close();
  try {
    const parent = await Deno.makeTempDir();
    const live = (dir: string, ...extra: string[]) => [
      "--run",
      join(parent, dir),
      "--no-serve",
      "--recipe",
      "math-self-consistency",
      ...extra,
    ];

    const down = await pipeline(live("down", "--base-url", closedURL, "--model", "served-a"));
    assert.equal(down.code, 1);
    assert.match(down.stderr, /Cannot use the policy server at .*: it cannot be reached/);
    assert.match(down.stderr, /fix --base-url/);

    const key = await pipeline(live("key", "--base-url", server.baseURL, "--model", "served-a"));
    assert.equal(key.code, 1);
    assert.match(key.stderr, /refused the API key .*401.*Incorrect API key provided/);
    assert.match(key.stderr, /set --api-key or OPENAI_API_KEY/);

    const model = await pipeline(
      live("model", "--base-url", server.baseURL, "--model", "nope", "--api-key", "secret"),
    );
    assert.equal(model.code, 1);
    assert.match(model.stderr, /does not serve model "nope" \(it serves "served-a", "served-b"\)/);
    assert.match(model.stderr, /fix --model/);

    for (const dir of ["down", "key", "model"]) {
      assert.equal(await exists(join(parent, dir)), false, `${dir}: no run directory left`);
    }
    assert.equal(server.stats.ok, 0, "no completion was asked for");
  } finally {
    await server.close();
  }
});

Deno.test({
  name: "pipeline leaves problems whose requests failed unfinished, exits 1, and a re-run " +
    "after the outage writes exactly the pairs of an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const problems = await problemsFile();
    const server = await startExampleServer();
    try {
      const args = (dir: string) => [
        "--run",
        dir,
        "--no-serve",
        "--recipe",
        "math-self-consistency",
        "--problems",
        problems,
        "--base-url",
        server.baseURL,
        "--model",
        POLICY_MODEL,
        "--seed",
        "5",
        "--n",
        "6",
        "--window",
        "3",
        "--max-retries",
        "0",
      ];
      const reference = join(await Deno.makeTempDir(), "reference");
      assert.equal(await main(args(reference)), 0);
      const expected = (await Array.fromAsync(readJsonl<Pair>(join(reference, "pairs.jsonl"))))
        .map(content).sort();
      assert.ok(expected.length > 5);

      // The outage: every policy request for two problems fails.
      const down = ["Solve for $x$", "Simplify $\\sqrt{48}$"];
      server.setPlan((request) =>
        request.body.model === POLICY_MODEL && down.some((text) => request.prompt.includes(text))
          ? { fault: { kind: "status", status: 500, message: "CUDA out of memory" } }
          : undefined
      );
      const dir = join(await Deno.makeTempDir(), "outage");
      assert.equal(await main(args(dir)), 1, "a problem that could not be sampled fails the run");
      const finished = finishedKeys(dir);
      for (const id of ["demo-math/3", "demo-math/5"]) {
        assert.ok(!finished.some((key) => key.endsWith(`:${id}`)), `${id} is not finished`);
      }
      assert.ok(finished.some((key) => key.endsWith(":demo-math/1")));
      const summary: RunSummary = JSON.parse(
        await Deno.readTextFile(join(dir, "summary.json")),
      );
      assert.equal(summary.unsampled[0].reason, "server_error 500");
      assert.match(summary.unsampled[0].message, /CUDA out of memory/);
      assert.ok(summary.unsampled[0].problems >= 2);

      // The server is back: the same command finishes the run.
      server.setPlan(undefined);
      assert.equal(await main(args(dir)), 0);
      const pairs = await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
      assert.deepEqual(pairs.map(content).sort(), expected);
      assert.deepEqual(pairs.map((p) => p.seq), pairs.map((_, i) => i + 1));
    } finally {
      await server.close();
    }
  },
});

Deno.test("pipeline stops early when problem after problem fails for the same reason", async () => {
  const problems = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    problems,
    Array.from(
      { length: 16 },
      (_, i) =>
        JSON.stringify({
          id: `m/${i}`,
          kind: "math",
          prompt: `What is ${i} + 1?`,
          answer: `${i + 1}`,
        }),
    )
      .join("\n"),
  );
  const server = startOpenAIServer({
    plan: () => ({ fault: { kind: "status", status: 503, message: "Engine is dead" } }),
  });
  try {
    const dir = join(await Deno.makeTempDir(), "run");
    const result = await pipeline([
      ...["--run", dir, "--no-serve", "--recipe", "math-self-consistency"],
      ...["--problems", problems, "--base-url", server.baseURL, "--model", "test-model"],
      ...["--max-retries", "0", "--max-in-flight", "1", "--n", "2"],
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Sampling failed \(server_error 503\) for m\/0: .*Engine is dead/);
    assert.match(result.stderr, /Stopped: the last 5 problems could not be sampled/);
    assert.match(result.stderr, /run the same command again to retry them/);
    assert.ok(server.stats.requests < 16, `${server.stats.requests} requests`);
    assert.deepEqual(finishedKeys(dir), [], "nothing recorded as finished");
  } finally {
    await server.close();
  }
});
