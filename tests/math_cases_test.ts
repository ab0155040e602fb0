/**
 * `verifyAnswer` on the table of answer forms in `tests/math_cases.ts`: each case
 * gets its expected verdict, and every kind has cases of both verdicts.
 */
import assert from "node:assert/strict";
import { AnswerComparer } from "../mod.ts";
import { CASE_KINDS, MATH_CASES } from "./math_cases.ts";

Deno.test("verifyAnswer() gives the expected verdict on every case of the answer-form table", () => {
  const comparers = new Map<string, AnswerComparer>();
  const wrong: string[] = [];
  for (const { kind, gold, prediction, expected, why, options = {} } of MATH_CASES) {
    const key = JSON.stringify(options);
    if (!comparers.has(key)) comparers.set(key, new AnswerComparer(options));
    const verdict = comparers.get(key)!.verify(gold, prediction);
    if (verdict.equivalent !== expected) {
      wrong.push(
        `${kind}: ${JSON.stringify(prediction)} vs ${JSON.stringify(gold)} (${why}): ` +
          JSON.stringify(verdict),
      );
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("the answer-form table has accepting and refusing cases of every kind", () => {
  for (const kind of CASE_KINDS) {
    const cases = MATH_CASES.filter((c) => c.kind === kind);
    assert.ok(cases.some((c) => c.expected), `${kind} has no accepted case`);
    assert.ok(cases.some((c) => !c.expected), `${kind} has no refused case`);
  }
});
