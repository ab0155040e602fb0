import assert from "node:assert/strict";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import { scoreMathAnswers } from "../feedback/math.ts";
import { pipe } from "../stream/stage.ts";
import { scoreCode, scoreMath } from "./score.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const CODE: CodeProblem = { id: "c", kind: "code", language: "python", style: "stdio", prompt: "" };
const MATH: MathProblem = { id: "m", kind: "math", prompt: "1+1" };
const samples = (id: string, n: number) =>
  Array.from(
    { length: n },
    (_, index) => ({ problem_id: id, index, completion: `\\boxed{${index}}` }),
  );

Deno.test("scoreCode() scores each sample and records a problem without tests as no_tests", async () => {
  const stage = scoreCode({
    recipe: "r",
    feedback: "self_consistency",
    scoring: ({ problem }) => ({
      score: (i) => i,
      maxScore: problem.id === "empty" ? 0 : 3,
      detail: { inputs: 3 },
    }),
  });
  const items = ["c", "empty"].map((id) => ({
    problem: { ...CODE, id },
    samples: samples(id, 2),
    programs: ["a", undefined],
  }));
  const [done, empty] = await Array.fromAsync(pipe(items, stage));
  assert.deepEqual(done.scored.map((s) => [s.score, s.max_score, s.extracted]), [
    [0, 3, "a"],
    [1, 3, undefined],
  ]);
  assert.deepEqual(done.outcome, {
    status: "done",
    detail: { recipe: "r", samples: 2, programs: 1, tests: 3, inputs: 3 },
  });
  assert.equal(empty.outcome.status, "no_tests");
});

Deno.test("scoreMath() scores against the label, and a problem without one is no_label", async () => {
  type Item = { problem: MathProblem; samples: ReturnType<typeof samples> };
  const stage = scoreMath<Item>({
    recipe: "r",
    feedback: "frontier",
    scoring: ({ problem, samples }) =>
      problem.id === "m"
        ? scoreMathAnswers(samples, { problemId: "m", label: "1", feedback: "frontier" })
        : undefined,
    detail: (item) => ({ samples: item.samples.length }),
  });
  const [done, none] = await Array.fromAsync(pipe(
    ["m", "x"].map((id) => ({ problem: { ...MATH, id }, samples: samples(id, 2) })),
    stage,
  ));
  assert.deepEqual(done.scored.map((s) => s.score), [0, 1]);
  assert.equal(done.votes.length, 1);
  assert.deepEqual(done.outcome, {
    status: "done",
    detail: { recipe: "r", votes: 1, voters: 2, samples: 2 },
  });
  assert.deepEqual([none.outcome.status, none.scored, none.votes], ["no_label", [], []]);
});

Deno.test("the score stages stop reading when the consumer breaks", async () => {
  await assertEarlyBreak(
    scoreCode({ recipe: "r", feedback: "gold", scoring: () => ({ score: () => 1, maxScore: 1 }) }),
    (i) => ({ problem: { ...CODE, id: `c${i}` }, samples: samples(`c${i}`, 1), programs: ["a"] }),
  );
  await assertEarlyBreak(
    scoreMath({ recipe: "r", feedback: "gold", scoring: () => undefined }),
    (i) => ({ problem: { ...MATH, id: `m${i}` } }),
  );
});
