import assert from "node:assert/strict";
import type { MathProblem, Problem } from "../model/problem.ts";
import { pipe } from "../stream/stage.ts";
import { problemSource } from "./problems.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const isMath = (p: Problem): p is MathProblem => p.kind === "math";
const math = (i: number): Problem => ({ id: `m${i}`, kind: "math", prompt: `${i}` });

Deno.test("problemSource() keeps accepted unfinished problems and counts the finished", async () => {
  const resumed: string[] = [];
  const problems: Problem[] = [
    math(0),
    { id: "c", kind: "code", language: "python", style: "stdio", prompt: "" },
    math(1),
    math(2),
  ];
  const source = problemSource({
    accept: isMath,
    isFinished: (p) => p.id === "m1",
    onResumed: (p) => resumed.push(p.id),
  });
  assert.equal(source.name, "problems");
  const ids = (await Array.fromAsync(pipe(problems, source))).map((p) => p.id);
  assert.deepEqual(ids, ["m0", "m2"]);
  assert.deepEqual(resumed, ["m1"]);
});

Deno.test("problemSource() stops reading when the consumer breaks", async () => {
  const first = await assertEarlyBreak(problemSource({ accept: isMath }), math);
  assert.equal(first.id, "m0");
});
