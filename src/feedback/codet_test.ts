import assert from "node:assert/strict";
import { run } from "../../tests/support/results.ts";
import { outputOf } from "./code.ts";
import { dualAgreement, trustedDualAgreement } from "./codet.ts";
import { CodeTrust } from "./confidence.ts";

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

Deno.test("trustedDualAgreement() picks the trusted cluster when CodeT's biggest set is wrong", () => {
  // Squares of 1..4. Four programs print the right value on two inputs and crash on the
  // other two; three print all four right; four more err once each. The model-written
  // asserts are wrong on inputs 3 and 4, so the right programs pass only two of them.
  const results = [
    run("1", "4", undefined, undefined),
    run("1", "4", undefined, undefined),
    run("1", "4", undefined, undefined),
    run("1", "4", undefined, undefined),
    run("1", "4", "9", "16"),
    run("1", "4", "9", "16"),
    run("1", "4", "9", "16"),
    run("1", "5", "9", "16"),
    run("2", "4", "9", "16"),
    run("1", "4", "9", "17"),
    run("1", "4", "0", "16"),
  ];
  const asserted = ["1", "4", "8", "15"];
  const passes = results.map((row) => row.map((r, i) => outputOf(r) === asserted[i]));
  const right = (p: number) => p >= 4 && p <= 6;
  const top = (scores: number[]) => scores.indexOf(Math.max(...scores));
  assert.ok(!right(top(dualAgreement(passes)))); // 4 programs × 2 tests beat 3 × 2
  const trust = new CodeTrust(results);
  assert.notDeepEqual(trust.clusters.clusters[0].programs, [4, 5, 6]); // not the biggest
  const scores = trustedDualAgreement(passes, results.map((_, p) => trust.trust(p)));
  assert.ok(right(top(scores)), `${scores}`);
});

Deno.test("trustedDualAgreement() falls back to the trust where no test passes", () => {
  const scores = trustedDualAgreement([[false], [false], undefined], [0.2, 0.7, 0.9]);
  assert.deepEqual(scores, [0.2, 0.7, 0]);
});
