import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { FRONTIER_MODEL, startExampleServer } from "../tests/support/example_server.ts";
import { main } from "./main.ts";
import {
  iterationArgs,
  iterationRecipes,
  loadSchedule,
  ScheduleError,
  ScheduleOrderError,
} from "./schedule.ts";

const EXAMPLES = new URL("./examples/", import.meta.url).pathname;

async function write(value: unknown): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(path, JSON.stringify(value));
  return path;
}

Deno.test("loadSchedule() names the file and the field at fault", async () => {
  const iteration = {
    policy: { base_url: "http://localhost:8000/v1", model: "sft" },
    problems: "p.jsonl",
    kind: "math",
    labels: "self_consistency",
  };
  const cases: [unknown, RegExp][] = [
    [{ name: "s", runs: "r", iterations: [] }, /field "iterations" must be a non-empty array/],
    [
      { name: "s", runs: "r", iterations: [{ ...iteration, policy: { base_url: "u" } }] },
      /field "iterations\[0\]\.policy\.model" is missing/,
    ],
    [
      { name: "s", runs: "r", iterations: [iteration, { ...iteration, labels: "llm" }] },
      /field "iterations\[1\]\.labels" must be one of frontier, self_consistency/,
    ],
    [
      { name: "s", runs: "r", iterations: [{ ...iteration, settings: { "step-treshold": 1 } }] },
      /field "iterations\[0\]\.settings\.step-treshold" is not a pipeline setting/,
    ],
    [
      { name: "s", runs: "r", iterations: [{ ...iteration, labels: "frontier" }] },
      /iterations\[0\]\.frontier" is missing/,
    ],
    [
      { name: "s", runs: "r", iterations: [{ ...iteration, replay_ratio: 2 }] },
      /replay_ratio" must be a number from 0 to 1/,
    ],
  ];
  for (const [value, message] of cases) {
    const path = await write(value);
    await assert.rejects(loadSchedule(path), (error) => {
      assert.ok(error instanceof ScheduleError);
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("the shipped schedules are valid and name the paper's settings", async () => {
  for (const name of ["mathstral-math.json", "deepseek-coder-code.json"]) {
    const schedule = await loadSchedule(join(EXAMPLES, "schedules", name));
    assert.ok(schedule.iterations.length >= 3, name);
    assert.equal(schedule.iterations[0].labels, "frontier");
    assert.ok(schedule.iterations.slice(1).every((it) => it.labels === "self_consistency"));
  }
  const math = await loadSchedule(join(EXAMPLES, "schedules", "mathstral-math.json"));
  assert.deepEqual(iterationRecipes(math.iterations[0]), ["math-frontier", "math-step-frontier"]);
  assert.equal(math.iterations[0].settings?.["step-threshold"], 2);
  assert.equal(math.iterations[1].settings?.["step-threshold"], 1);
  assert.equal(math.iterations[1].settings?.["min-share"], 0.5);
  assert.equal(math.iterations[2].settings?.["min-share"], 0);
  const code = await loadSchedule(join(EXAMPLES, "schedules", "deepseek-coder-code.json"));
  assert.deepEqual(iterationRecipes(code.iterations[1]), [
    "code-self-consistency",
    "code-step-self-consistency",
  ]);
  assert.equal(code.iterations[0].settings?.["step-completions"], 5);
  assert.equal(code.iterations.at(-1)?.replay_ratio, 0.5);
});

Deno.test({
  name: "a schedule runs iteration K only after K−1 finished, each in its own run directory",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startExampleServer();
    try {
      const problems = await Deno.makeTempFile({ suffix: ".jsonl" });
      const lines = (await Deno.readTextFile(join(EXAMPLES, "problems.jsonl"))).split("\n");
      await Deno.writeTextFile(problems, lines.filter((l) => l.includes('"math"')).join("\n"));
      const runs = await Deno.makeTempDir();
      const policy = { base_url: server.baseURL, model: "policy", api: "chat" };
      const path = await write({
        name: "demo",
        runs,
        iterations: [
          {
            policy,
            frontier: { base_url: server.baseURL, model: FRONTIER_MODEL },
            problems,
            kind: "math",
            labels: "frontier",
            replay_ratio: 1,
            settings: { n: 8, "step-threshold": 2, "step-pair-mode": "one" },
          },
          {
            policy,
            problems,
            kind: "math",
            labels: "self_consistency",
            settings: {
              n: 8,
              "min-share": 0.5,
              "pair-mode": "each_positive",
              "step-threshold": 1,
              "step-pair-mode": "each_positive",
            },
          },
        ],
      });
      const run = (k: number) => main(["--schedule", path, "--iteration", String(k), "--no-serve"]);
      await assert.rejects(run(1), (error) => {
        assert.ok(error instanceof ScheduleOrderError);
        assert.match(
          error.message,
          /iteration 0 has not finished .*run it first with --iteration 0/,
        );
        return true;
      });
      await assert.rejects(run(2), /it has iterations 0 to 1/);
      assert.equal(await run(0), 0);
      const pairs0 = await Array.fromAsync(readJsonl<Pair>(join(runs, "iter-0", "pairs.jsonl")));
      assert.ok(
        pairs0.some((p) => p.level === "step") && pairs0.some((p) => p.level === "solution"),
      );
      assert.ok(pairs0.every((p) => p.feedback === "frontier"));
      const schedule = await loadSchedule(path);
      assert.ok(iterationArgs(schedule, 1).includes(join(runs, "iter-1")));
      assert.equal(await run(1), 0);
      const pairs1 = await Array.fromAsync(readJsonl<Pair>(join(runs, "iter-1", "pairs.jsonl")));
      assert.ok(pairs1.some((p) => p.level === "step"));
      assert.ok(pairs1.every((p) => p.feedback === "self_consistency"));
      const again = await Array.fromAsync(readJsonl<Pair>(join(runs, "iter-0", "pairs.jsonl")));
      assert.deepEqual(again, pairs0, "earlier iterations keep their pairs");
    } finally {
      await server.close();
    }
  },
});
