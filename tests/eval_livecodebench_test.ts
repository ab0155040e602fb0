/**
 * End to end: `deno task pipeline --recipe eval` on LiveCodeBench problems stored as
 * Parquet (hub schema, compressed private tests), recorded completions run in the
 * sandbox, pass@1 overall and by difficulty, then the same run scored again for a
 * release window without sampling anew; and the selection flags on a sharded run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../pipelines/main.ts";
import type { RunSummary } from "../pipelines/summary.ts";
import { liveCodeBenchRecord, textSchema, writeHubParquet } from "./support/hub_records.ts";

const fence = (code: string) => "```python\n" + code + "\n```";
const SUM = fence("n = int(input())\nprint(sum(map(int, input().split())))");
const ZERO = fence("print(0)");
const MAX = fence("n = int(input())\nprint(max(map(int, input().split())))");
const ADD_ALL = fence(
  "class Solution:\n    def addAll(self, nums, k):\n        return sum(nums) + k",
);
/** Passes any `==` check that trusts the result's own `__eq__`. */
const ADD_ALL_CHEAT = fence(
  "class Anything:\n    def __eq__(self, other):\n        return True\n\n" +
    "class Solution:\n    def addAll(self, nums, k):\n        return Anything()",
);
const ADD_ALL_WRONG = fence(
  "class Solution:\n    def addAll(self, nums, k):\n        return sum(nums)",
);

async function fixtures(): Promise<{ problems: string; samples: string }> {
  const dir = await Deno.makeTempDir();
  const records = [
    liveCodeBenchRecord("abc300_a", { functional: false, contestDate: "2023-05-10T00:00:00" }),
    liveCodeBenchRecord("3001", {
      functional: true,
      difficulty: "medium",
      contestDate: "2024-09-01T00:00:00",
    }),
    liveCodeBenchRecord("abc370_f", {
      functional: false,
      max: true,
      difficulty: "hard",
      contestDate: "2024-10-01T00:00:00",
    }),
  ];
  const problems = join(dir, "test-00000-of-00001.parquet");
  await writeHubParquet(problems, records, textSchema(Object.keys(records[0])), 2);
  const samples = join(dir, "samples.jsonl");
  await Deno.writeTextFile(
    samples,
    [
      { problem_id: "livecodebench/abc300_a", completions: [SUM, SUM, SUM, ZERO] },
      {
        problem_id: "livecodebench/3001",
        completions: [ADD_ALL, ADD_ALL_WRONG, ADD_ALL_CHEAT, ADD_ALL_WRONG],
      },
      // The max problem's samples print the sum: right on the public test only.
      {
        problem_id: "livecodebench/abc370_f",
        completions: [SUM, SUM, ZERO, MAX.replace("max", "sum")],
      },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  return { problems, samples };
}

async function summaryOf(dir: string): Promise<RunSummary> {
  return JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
}

Deno.test({
  name:
    "eval scores LiveCodeBench Parquet by difficulty and by release window, like its leaderboard",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { problems, samples } = await fixtures();
    const dir = join(await Deno.makeTempDir(), "lcb");
    const args = [
      "--recipe",
      "eval",
      "--problems",
      problems,
      "--samples",
      samples,
      "--n",
      "4",
      "--run",
      dir,
      "--no-serve",
      "--pool-size",
      "2",
    ];
    assert.equal(await main(args), 0);
    const first = (await summaryOf(dir)).recipes.eval;
    const figures = first.figures as Record<string, number>;
    assert.equal(figures.problems, 3);
    assert.equal(figures["pass@1"], (0.75 + 0.25 + 0) / 3);
    assert.deepEqual(
      [figures["pass@1 easy"], figures["pass@1 medium"], figures["pass@1 hard"]],
      [0.75, 0.25, 0],
    );
    assert.deepEqual(
      [figures["problems easy"], figures["problems medium"], figures["problems hard"]],
      [1, 1, 1],
    );

    assert.equal(await main([...args, "--where", "contest_date>=2024-08-01"]), 0);
    const summary = await summaryOf(dir);
    const window = summary.recipes.eval.figures as Record<string, number>;
    assert.equal(window.problems, 2);
    assert.equal(window["pass@1"], 0.125);
    assert.equal(window["pass@1 easy"], undefined);
    assert.deepEqual(
      [summary.recipes.eval.problems, summary.recipes.eval.samples],
      [first.problems, first.samples],
    );
  },
});
