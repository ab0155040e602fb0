import assert from "node:assert/strict";
import {
  AbortedError,
  compose,
  executeStage,
  extractPrograms,
  inputRuns,
  map,
  pipe,
  type WithPrograms,
} from "../mod.ts";
import type { CodeProblem, MathProblem, Problem, ProblemSamples } from "../mod.ts";
import { forCodeProblems } from "./context.ts";
import { FakeExecutor } from "../tests/support/fake_executor.ts";
import { functionProblem } from "../tests/support/problems.ts";
import { delay, trackedSource } from "../tests/support/tracked_source.ts";

const MATH: MathProblem = { id: "m", kind: "math", prompt: "1+1" };

function samplesOf(problem: Problem): ProblemSamples {
  const samples = [{ problem_id: problem.id, index: 0, completion: "hang" }];
  return { problem, samples, drawable: 1, stoppedEarly: false };
}

const code = (id: string): ProblemSamples => samplesOf(functionProblem({ id }));

/** The code items' programs (their completions, which hang) run on input "1". */
function run(executor: FakeExecutor, signal?: AbortSignal) {
  const options = signal ? { signal } : {};
  return forCodeProblems(
    compose(
      extractPrograms<ProblemSamples<CodeProblem>>({
        program: (_, sample) => sample.completion,
        runs: ({ problem }) => inputRuns(problem, ["1"]),
        ...options,
      }),
      executeStage<WithPrograms<ProblemSamples<CodeProblem>>>({ executor, ...options }),
    ),
    signal,
  );
}

Deno.test("forCodeProblems() runs code problems' items through its stage and lets math ones by", async () => {
  const stage = forCodeProblems(
    map((item: ProblemSamples<CodeProblem>) => ({ ...item, ran: true })),
  );
  const out = await Array.fromAsync(pipe([code("c1"), samplesOf(MATH), code("c2")], stage));
  const seen = out.map((item) => `${item.problem.id}:${"ran" in item}`).sort();
  assert.deepEqual(seen, ["c1:true", "c2:true", "m:false"]);
  assert.equal(stage.name, "map");
});

Deno.test("forCodeProblems() ends with AbortedError and aborts the code items' jobs", async () => {
  const executor = new FakeExecutor();
  const controller = new AbortController();
  const reading = Array.fromAsync(
    pipe([code("c1"), samplesOf(MATH)], run(executor, controller.signal)),
  );
  await delay(5);
  controller.abort(new Error("stop"));
  await assert.rejects(reading, AbortedError);
  assert.deepEqual(executor.aborted, ["hang"]);
});

Deno.test("forCodeProblems() releases its source and its code items' jobs after an early break", async () => {
  const executor = new FakeExecutor();
  const items = Array.from({ length: 100 }, (_, i) => i === 2 ? samplesOf(MATH) : code(`c${i}`));
  const source = trackedSource(items, { delayMs: 5 });
  for await (const item of run(executor)(source)) {
    assert.equal(item.problem.id, "m");
    break;
  }
  await delay(20); // a read in flight ends before the source's return() can run
  assert.ok(source.closed, "source closed");
  assert.ok(source.pulled < items.length, `read ${source.pulled} of ${items.length}`);
  assert.deepEqual(executor.jobs.map((job) => job.code), ["hang", "hang"]);
  assert.deepEqual(executor.aborted, ["hang", "hang"]);
});
