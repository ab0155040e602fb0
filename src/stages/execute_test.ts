import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import type { CodeProblem } from "../model/problem.ts";
import { pipe } from "../stream/stage.ts";
import { checkRuns, executeAll, executeStage, inputRuns, SandboxFailureError } from "./execute.ts";
import { delay } from "../../tests/support/tracked_source.ts";
import { FakeExecutor } from "../../tests/support/fake_executor.ts";
import { functionProblem } from "../../tests/support/problems.ts";

const PROBLEM: CodeProblem = functionProblem({
  id: "p",
  test_code: "def check(candidate): pass",
});

Deno.test("executeStage() runs every program on every input, one job per program", async () => {
  const executor = new FakeExecutor();
  const seen: string[] = [];
  const [out] = await Array.fromAsync(pipe(
    [{ problem: PROBLEM, programs: ["a", undefined, "b"], runs: inputRuns(PROBLEM, ["1", "2"]) }],
    executeStage({ executor, onExecuted: (item) => seen.push(item.problem.id) }),
  ));
  assert.deepEqual(out.results.map((row) => row.map((r) => r?.stdout)), [
    ["a:1", "a:2"],
    [undefined, undefined],
    ["b:1", "b:2"],
  ]);
  assert.equal(executor.jobs.length, 2);
  assert.deepEqual(executor.jobs[0].inputs, [
    { call: { entry_point: "f", args: "1" } },
    { call: { entry_point: "f", args: "2" } },
  ]);
  assert.deepEqual(seen, ["p"]);
});

Deno.test("executeStage() runs every program with the problem's check(candidate) as its one run", async () => {
  const executor = new FakeExecutor();
  const [out] = await Array.fromAsync(pipe(
    [{ problem: PROBLEM, programs: [undefined, "a"], runs: checkRuns(PROBLEM) }],
    executeStage({ executor }),
  ));
  assert.deepEqual(out.results.map((row) => row.map((r) => r?.stdout)), [[undefined], ["a:?"]]);
  assert.deepEqual(executor.jobs, [{
    language: "python",
    code: "a",
    inputs: [{ test_code: "def check(candidate): pass", entry_point: "f" }],
  }]);
});

Deno.test("checkRuns() gives the gold check as the one run, or none", () => {
  assert.deepEqual(checkRuns(PROBLEM), [{
    test_code: "def check(candidate): pass",
    entry_point: "f",
  }]);
  assert.deepEqual(checkRuns({ ...PROBLEM, test_code: undefined }), []);
});

Deno.test("executeAll() stops an item's other jobs when one of them fails", async () => {
  const executor = new FakeExecutor();
  const item = { problem: PROBLEM, programs: ["hang", "fail"], runs: inputRuns(PROBLEM, ["1"]) };
  await assert.rejects(executeAll(executor, item), /worker died/);
  assert.deepEqual(executor.aborted, ["hang"]);
});

Deno.test("a sandbox_error is no result: the item goes to onFailed, or the stage fails", async () => {
  const items = () =>
    [["a"], ["unrunnable", "hang"], ["b"]].map((programs, i) => ({
      problem: { ...PROBLEM, id: `p${i}` },
      programs,
      runs: inputRuns(PROBLEM, ["1"]),
    }));
  const executor = new FakeExecutor();
  const failed: [string, Error][] = [];
  const out = await Array.fromAsync(pipe(
    items(),
    executeStage({
      executor,
      concurrency: 1,
      onFailed: ({ item, error }) => void failed.push([item.problem.id, error]),
    }),
  ));
  assert.deepEqual(out.map((item) => item.problem.id), ["p0", "p2"]);
  assert.deepEqual(failed.map(([id]) => id), ["p1"]);
  assert.ok(failed[0][1] instanceof SandboxFailureError);
  assert.match(failed[0][1].message, /could not run a program of p1: The interpreter failed/);
  assert.deepEqual(executor.aborted, ["hang"], "the item's other job is stopped");
  await assert.rejects(
    Array.fromAsync(pipe(items(), executeStage({ executor: new FakeExecutor() }))),
    SandboxFailureError,
  );
});

Deno.test("executeStage() passes its signal to the executor and ends with AbortedError", async () => {
  const executor = new FakeExecutor();
  const controller = new AbortController();
  const reading = Array.fromAsync(pipe(
    [{ problem: PROBLEM, programs: ["hang", "hang"], runs: inputRuns(PROBLEM, ["1"]) }],
    executeStage({ executor, signal: controller.signal }),
  ));
  await delay(5);
  controller.abort(new Error("stop"));
  await assert.rejects(reading, AbortedError);
  assert.deepEqual(executor.aborted, ["hang", "hang"]);
});

Deno.test("executeStage() aborts jobs in flight and releases its source after an early break", async () => {
  const executor = new FakeExecutor();
  let closed = false;
  const source = (async function* () {
    try {
      yield { problem: PROBLEM, programs: ["a"], runs: inputRuns(PROBLEM, ["1"]) };
      yield { problem: PROBLEM, programs: ["hang"], runs: inputRuns(PROBLEM, ["1"]) };
      yield { problem: PROBLEM, programs: ["hang"], runs: inputRuns(PROBLEM, ["1"]) };
    } finally {
      closed = true;
    }
  })();
  for await (const out of executeStage({ executor, concurrency: 3 })(source)) {
    assert.equal(out.results[0][0]?.stdout, "a:1");
    break;
  }
  await delay(0);
  assert.ok(closed, "source closed");
  assert.deepEqual(executor.aborted, ["hang", "hang"]);
});
