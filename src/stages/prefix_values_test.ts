import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import { Metrics } from "../metrics/metrics.ts";
import type { CodeProblem, Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { pipe } from "../stream/stage.ts";
import type { Prefix } from "../steps/prefixes.ts";
import { codePrefixValueStage, mathPrefixValueStage } from "./prefix_values.ts";
import { FakeExecutor } from "../../tests/support/fake_executor.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";
import { functionProblem } from "../../tests/support/problems.ts";
import { delay, trackedSource } from "../../tests/support/tracked_source.ts";

const CODE: CodeProblem = functionProblem();
const prefix = (problemId: string, sample: number, text: string): Prefix => ({
  problem_id: problemId,
  sample,
  steps: 1,
  of: 5,
  text,
});
const samples = (problemId: string, completions: string[]): Sample[] =>
  completions.map((completion, index) => ({ problem_id: problemId, index, completion }));

/** A code item whose prefix `i` is "P{i}:" and whose completions are given. */
const codeItem = (id: string, completions: string[][]) => ({
  problem: { ...CODE, id },
  prefixes: completions.map((_, i) => prefix(id, i, `P${i}:`)),
  completions: completions.map((texts, i) => samples(`${id}#${i}:1`, texts)),
});
/** Each completed program as the fake executor sees it: the completion alone. */
const completionOnly = (_: CodeProblem, completed: Sample) =>
  completed.completion.replace(/^P\d+:/, "") || undefined;

Deno.test("mathPrefixValueStage() values each completion against the item's label", async () => {
  const problem: Problem = { id: "m", kind: "math", prompt: "Q" };
  const [out] = await Array.fromAsync(pipe(
    [{
      problem,
      label: "18",
      prefixes: [prefix("m", 0, "6 × 3 = 18."), prefix("m", 1, "6 × 4 = 24.")],
      completions: [
        samples("m#0:1", [" \\boxed{18}", " \\boxed{24}", ""]),
        samples("m#1:1", [" \\boxed{24}"]),
      ],
    }],
    mathPrefixValueStage({ label: (item) => item.label }),
  ));
  assert.deepEqual(out.valued.map((v) => [v.text, v.values]), [
    ["6 × 3 = 18.", [1, 0, 0]],
    ["6 × 4 = 24.", [0]],
  ]);
});

Deno.test("codePrefixValueStage() runs every completed program through the executor and counts passes", async () => {
  const executor = new FakeExecutor();
  const metrics = new Metrics();
  // The fake answers `code:args`: program "a" passes the test of input 1 only.
  const [out] = await Array.fromAsync(pipe(
    [codeItem("c", [["a", "b"], ["", "a"]])],
    codePrefixValueStage({
      executor,
      tests: () => [{ input: "1", output: "a:1" }, { input: "2", output: "a:1" }],
      program: completionOnly,
      metrics: (stage) => metrics.stage(stage),
    }),
  ));
  assert.deepEqual(out.valued.map((v) => v.values), [[1, 0], [0, 1]]);
  assert.deepEqual(
    executor.jobs.map((job) => job.code),
    ["a", "b", "a"],
    "no job without a program",
  );
  assert.deepEqual(executor.jobs[0].inputs, [
    { call: { entry_point: "f", args: "1" } },
    { call: { entry_point: "f", args: "2" } },
  ]);
  const figures = Object.fromEntries(
    (await metrics.stageFigures()).map((f) => [f.stage, f.items_out]),
  );
  assert.deepEqual(figures, { extract: 1, execute: 1, value: 1 });
});

Deno.test("codePrefixValueStage() aborts jobs in flight and closes its source after an early break", async () => {
  const executor = new FakeExecutor();
  const source = trackedSource([
    codeItem("c1", [["a"]]),
    codeItem("c2", [["hang"]]),
    codeItem("c3", [["hang"]]),
  ]);
  const stage = codePrefixValueStage({
    executor,
    tests: () => [{ input: "1", output: "a:1" }],
    program: completionOnly,
    concurrency: 3,
  });
  for await (const out of stage(source)) {
    assert.equal(out.problem.id, "c1");
    break;
  }
  await delay(0);
  assert.ok(source.closed, "source closed");
  assert.deepEqual(executor.aborted, ["hang", "hang"]);
});

Deno.test("codePrefixValueStage() passes its signal to the executor and ends with AbortedError", async () => {
  const executor = new FakeExecutor();
  const controller = new AbortController();
  const reading = Array.fromAsync(pipe(
    [codeItem("c", [["hang", "hang"]])],
    codePrefixValueStage({
      executor,
      tests: () => [{ input: "1", output: "a:1" }],
      program: completionOnly,
      signal: controller.signal,
    }),
  ));
  await delay(5);
  controller.abort(new Error("stop"));
  await assert.rejects(reading, AbortedError);
  assert.deepEqual(executor.aborted, ["hang", "hang"]);
});

const mathItem = {
  problem: { id: "m", kind: "math", prompt: "Q" } as Problem,
  prefixes: [prefix("m", 0, "a")],
  completions: [samples("m#0:1", [" \\boxed{1}"])],
};

Deno.test("mathPrefixValueStage() stops reading its source after an early break", async () => {
  const first = await assertEarlyBreak(mathPrefixValueStage({ label: () => "1" }), () => mathItem);
  assert.deepEqual(first.valued[0].values, [1]);
});

Deno.test("mathPrefixValueStage() ends with AbortedError when its signal aborts", async () => {
  const controller = new AbortController();
  const item = mathItem;
  const source = trackedSource([item, item, item], { delayMs: 5 });
  await assert.rejects(async () => {
    for await (
      const _ of mathPrefixValueStage({ label: () => "1", signal: controller.signal })(source)
    ) {
      controller.abort(new Error("stop"));
    }
  }, AbortedError);
  assert.ok(source.closed, "source closed");
});
