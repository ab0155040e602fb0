import assert from "node:assert/strict";
import type { ExecutionResult } from "../model/execution.ts";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import { MathSelfConsistency } from "../feedback/math.ts";
import { pipe } from "../stream/stage.ts";
import { voteAnswers, voteOutputs } from "./vote.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";
import { functionProblem } from "../../tests/support/problems.ts";

const ok = (value: string): ExecutionResult => ({
  status: "ok",
  stdout: "",
  stderr: "",
  duration_ms: 1,
  return_value: value,
});
const CODE: CodeProblem = functionProblem({ test_inputs: ["1", "2"] });

Deno.test("voteOutputs() takes each input's majority value and skips samples without a program", async () => {
  const item = {
    problem: CODE,
    programs: ["a", undefined, "b", "c"],
    results: [[ok("1"), ok("4")], [], [ok("1.0"), ok("4")], [ok("2"), ok("5")]],
  };
  const [out] = await Array.fromAsync(pipe([item], voteOutputs({ vote: { minRuns: 2 } })));
  assert.deepEqual(out.vote.expected(), ["1", "4"], "1 and 1.0 are the same value");
  assert.deepEqual([0, 2, 3].map((p) => out.vote.score(p)), [2, 2, 0]);
});

const MATH: MathProblem = { id: "m", kind: "math", prompt: "1+1" };
const answers = (values: string[]) =>
  values.map((v, index) => ({ problem_id: "m", index, completion: `\\boxed{${v}}` }));

Deno.test("voteAnswers() labels a problem with its majority answer", async () => {
  const keeper = new MathSelfConsistency();
  const [out] = await Array.fromAsync(pipe(
    [{ problem: MATH, samples: answers(["2", "3", "2"]) }],
    voteAnswers({ vote: (id, samples) => keeper.finish(id, samples) }),
  ));
  assert.equal(out.scoring.vote.label, "2");
  assert.deepEqual(out.scoring.scored.map((s) => s.score), [1, 0, 1]);
});

Deno.test("the vote stages stop reading when the consumer breaks", async () => {
  await assertEarlyBreak(
    voteOutputs(),
    () => ({ problem: CODE, programs: ["a"], results: [[ok("1"), ok("2")]] }),
  );
  const keeper = new MathSelfConsistency();
  await assertEarlyBreak(
    voteAnswers({ vote: (id, samples) => keeper.finish(id, samples) }),
    (i) => ({ problem: { ...MATH, id: `m${i}` }, samples: answers(["2"]) }),
  );
});
