import assert from "node:assert/strict";
import { dualAgreement } from "./codet.ts";

Deno.test("dualAgreement() scores consensus sets by programs × tests passed", () => {
  const scores = dualAgreement([
    [true, true, false],
    [true, true, false],
    [true, false, false],
    undefined,
    [false, false, false],
  ]);
  assert.deepEqual(scores, [4, 4, 1, 0, 0]);
});

Deno.test("dualAgreement() prefers a small set passing many tests to a big set passing few", () => {
  const right = [true, true, true, true];
  const wrong = [true, false, false, false];
  const scores = dualAgreement([right, right, wrong, wrong, wrong]);
  assert.ok(scores[0] > scores[2]);
});
