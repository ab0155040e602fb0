/**
 * End-to-end tests of `deno task pipeline`: the built-in default on recorded
 * completions, resume, the live path against a local OpenAI-compatible server
 * (policy and frontier), and bad command lines.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { main } from "../pipelines/main.ts";
import type { RunSummary } from "../pipelines/summary.ts";
import { FRONTIER_MODEL, startExampleServer } from "./support/example_server.ts";
import { EXAMPLE_STEP_RUN, stepRecord } from "./support/step_reference.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
/** Short limits keep the examples' endless-loop sample cheap. */
const FAST = ["--timeout-ms", "1500", "--pool-size", "2"];

async function pipeline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function pairsOf(dir: string): Promise<Pair[]> {
  return await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
}

async function summaryOf(dir: string): Promise<RunSummary> {
  return JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
}

Deno.test({
  name: "pipeline runs every recipe on the examples, serves while it runs, and resumes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = join(await Deno.makeTempDir(), "run");
    const first = await pipeline(["--run", dir, "--port", "0", ...FAST]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    const summary = await summaryOf(dir);
    assert.deepEqual(Object.keys(summary.recipes).sort(), [
      "code-frontier",
      "code-self-consistency",
      "code-step-frontier",
      "code-step-self-consistency",
      "eval",
      "gold",
      "math-frontier",
      "math-self-consistency",
      "math-step-frontier",
      "math-step-self-consistency",
    ]);
    assert.deepEqual(Object.keys(summary.pairs.by_feedback).sort(), [
      "frontier",
      "gold",
      "self_consistency",
    ]);
    const pairs = await pairsOf(dir);
    assert.equal(pairs.length, summary.pairs.total);
    const recipes = Object.values(summary.recipes);
    assert.equal(recipes.reduce((sum, t) => sum + t.new_pairs, 0), summary.pairs.total);
    assert.ok(recipes.some((t) => t.pairs > t.new_pairs), "a duplicate is credited once");
    const steps = pairs.filter((p) => p.level === "step");
    assert.ok(steps.length > 0, "the default run makes step pairs from the recorded prefixes");
    for (const kind of ["demo-math/", "demo-code/"]) {
      assert.ok(steps.some((p) => p.problem_id.startsWith(kind)), `step pairs for ${kind}`);
    }
    assert.equal(steps.length, summary.pairs.by_level.step);
    for (const pair of steps) {
      assert.ok(pair.step && pair.step.completions === 3, JSON.stringify(pair));
      assert.ok(!pair.chosen.includes("\\boxed"), "a prefix is not a finished answer");
    }
    assert.deepEqual(
      await stepRecord(dir),
      JSON.parse(await Deno.readTextFile(EXAMPLE_STEP_RUN)),
      "the step recipes give the recorded reference's pairs and outcomes",
    );
    assert.deepEqual(pairs.map((p) => p.seq), pairs.map((_, i) => i + 1));
    for (const pair of pairs) {
      assert.match(pair.id, /^sha256-[0-9a-f]{64}$/);
      assert.equal(pair.run, "run");
      assert.ok(pair.chosen_score > pair.rejected_score, JSON.stringify(pair));
    }
    assert.ok((summary.executions.ok ?? 0) > 0);
    assert.ok((summary.executions.timeout ?? 0) > 0, "the endless loop times out");
    assert.ok(summary.recipes.eval.figures?.accuracy !== undefined);
    assert.equal(summary.recipes["math-self-consistency"].label_accuracy?.rate, 1);
    const text = await Deno.readTextFile(join(dir, "summary.txt"));
    assert.match(text, /math-self-consistency/);
    assert.match(text, /a pair another recipe wrote first is written once, for that recipe/);
    const config = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
    assert.equal(config.seed, 0);

    const second = await pipeline(["--run", dir, "--no-serve", ...FAST]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Resuming run/);
    assert.deepEqual(await pairsOf(dir), pairs, "no pair written twice or lost");
    const resumed = await summaryOf(dir);
    assert.deepEqual(resumed.recipes, summary.recipes);
    assert.ok(resumed.reports.every((r) => r.finished === 0 && r.resumed > 0));
  },
});

Deno.test({
  name:
    "pipeline runs every recipe against a live policy and frontier server and caches the samples",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startExampleServer();
    try {
      const dir = join(await Deno.makeTempDir(), "live");
      const live =
        `--base-url ${server.baseURL} --model policy --frontier-base-url ${server.baseURL}`
          .split(" ").concat(["--frontier-model", FRONTIER_MODEL, ...FAST]);
      const args = ["--run", dir, "--no-serve", "--n", "8", "--window", "4", ...live];
      assert.equal(await main(args), 0);
      const summary = await summaryOf(dir);
      assert.equal(Object.keys(summary.recipes).length, 10);
      assert.ok(summary.pairs.by_level.step > 0, "prefixes continued through the live server");
      assert.ok(summary.pairs.by_feedback.frontier > 0);
      assert.ok(summary.pairs.by_feedback.self_consistency > 0);
      const requests = server.stats.requests;
      assert.ok(requests > 0);
      assert.equal(await main(args), 0);
      assert.equal(server.stats.requests, requests, "a re-run requests nothing it has");

      const solutions = join(await Deno.makeTempDir(), "solutions");
      const recipe = ["--recipe", "code-frontier", "--frontier-tests", "solutions"];
      assert.equal(await main(["--run", solutions, "--no-serve", ...recipe, ...live]), 0);
      const frontier = await summaryOf(solutions);
      assert.equal(frontier.recipes["code-frontier"].problems, 4);
    } finally {
      await server.close();
    }
  },
});

Deno.test("pipeline names an unknown flag, a bad value and a missing model", async () => {
  const unknown = await pipeline(["--sampels", "3"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown flag --sampels: did you mean --samples\?/);
  const bad = await pipeline(["--recipe", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid value for --recipe: "nope" is not one of/);
  const model = await pipeline([
    "--base-url",
    "http://127.0.0.1:9/v1",
    "--no-serve",
    "--run",
    await Deno.makeTempDir(),
  ]);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /Missing --model/);
  const help = await pipeline(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--frontier-base-url/);
});

Deno.test("pipeline refuses to resume a run directory with another seed or sampling setting", async () => {
  const dir = await Deno.makeTempDir();
  const problems = new URL("../pipelines/examples/problems.jsonl", import.meta.url).pathname;
  await Deno.writeTextFile(
    join(dir, "config.json"),
    JSON.stringify({
      seed: 7,
      problems,
      recipe: "all",
      api: "chat",
      n: 10,
      temperature: 1,
      "max-tokens": 2048,
      stop: [],
    }),
  );
  const result = await pipeline(["--run", dir, "--no-serve", "--problems", problems]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Cannot resume the run in .*: its seed was 7, now 0/);
  const common = ["--run", dir, "--no-serve", "--problems", problems, "--seed", "7"];
  const n = await pipeline([...common, "--n", "4"]);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /its n was 10, now 4/);
  const temperature = await pipeline([...common, "--temperature", "0.7"]);
  assert.match(temperature.stderr, /its temperature was 1, now 0.7/);
});
