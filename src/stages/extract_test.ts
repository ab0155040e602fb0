import assert from "node:assert/strict";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import { pipe } from "../stream/stage.ts";
import { extractAnswers, extractPrograms } from "./extract.ts";
import { checkRuns, inputRuns } from "./execute.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";
import { functionProblem } from "../../tests/support/problems.ts";

const CODE: CodeProblem = functionProblem({ test_inputs: ["1", "2"] });
const MATH: MathProblem = { id: "m", kind: "math", prompt: "1+1" };

Deno.test("extractPrograms() gives programs by sample index and a run per input", async () => {
  const samples = [2, 0].map((index) => ({ problem_id: "c", index, completion: `p${index}` }));
  const [out] = await Array.fromAsync(pipe(
    [{ problem: CODE, samples }],
    extractPrograms({ program: (_, s) => (s.index === 2 ? undefined : s.completion) }),
  ));
  assert.deepEqual(out.programs, ["p0", undefined, undefined]);
  assert.deepEqual(out.runs, [
    { call: { entry_point: "f", args: "1" } },
    { call: { entry_point: "f", args: "2" } },
  ]);
});

Deno.test("extractPrograms() takes the runs it is given instead of the problem's inputs", async () => {
  const [inputs, check] = await Array.fromAsync(pipe(
    [{ problem: CODE, samples: [] }, {
      problem: { ...CODE, test_code: "def check(c): pass" },
      samples: [],
    }],
    extractPrograms({
      program: () => "x",
      runs: ({ problem }) => problem.test_code ? checkRuns(problem) : inputRuns(problem, ["9"]),
    }),
  ));
  assert.deepEqual(inputs.runs, [{ call: { entry_point: "f", args: "9" } }]);
  assert.deepEqual(check.runs, [{ test_code: "def check(c): pass", entry_point: "f" }]);
});

Deno.test("extractAnswers() gives each sample's final answer", async () => {
  const samples = ["\\boxed{2}", "I give up"].map((completion, index) => ({
    problem_id: "m",
    index,
    completion,
  }));
  const [out] = await Array.fromAsync(pipe([{ problem: MATH, samples }], extractAnswers()));
  assert.deepEqual(out.answers, ["2", undefined]);
});

Deno.test("the extract stages stop reading when the consumer breaks", async () => {
  await assertEarlyBreak(
    extractPrograms({ program: () => "x" }),
    () => ({ problem: CODE, samples: [] }),
  );
  await assertEarlyBreak(extractAnswers(), () => ({ problem: MATH, samples: [] }));
});
