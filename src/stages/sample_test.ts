import assert from "node:assert/strict";
import type { MathProblem } from "../model/problem.ts";
import type { ProblemSamples } from "../sampling/windows.ts";
import { pipe } from "../stream/stage.ts";
import { sampleStage } from "./sample.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const problem = (i: number): MathProblem => ({ id: `p${i}`, kind: "math", prompt: `${i}` });

/** A sampler that gives each problem two samples, the second failed for odd problems. */
const sampler = {
  grouped: async function* (problems: AsyncIterable<MathProblem>) {
    let i = 0;
    for await (const p of problems) {
      const failed = i++ % 2 === 1;
      const samples = [0, 1].map((index) => ({
        problem_id: p.id,
        index,
        completion: "\\boxed{1}",
        ...(failed && index === 1 ? { failure: "error" as const } : {}),
      }));
      yield { problem: p, samples, drawable: 2, stoppedEarly: false } as ProblemSamples<
        MathProblem
      >;
    }
  },
};

Deno.test("sampleStage() gives each problem's samples, without the groups accept refuses", async () => {
  const stage = sampleStage({ sampler, accept: (g) => g.samples.every((s) => !s.failure) });
  assert.equal(stage.name, "sample");
  const out = await Array.fromAsync(pipe([0, 1, 2].map(problem), stage));
  assert.deepEqual(out.map((g) => [g.problem.id, g.samples.length]), [["p0", 2], ["p2", 2]]);
});

Deno.test("sampleStage() stops reading when the consumer breaks", async () => {
  const first = await assertEarlyBreak(sampleStage({ sampler }), problem);
  assert.equal(first.problem.id, "p0");
});
