/**
 * Answer extraction and equivalence against upstream graders on the real data of
 * `../shared/data` (skipped, with a message, when that folder is absent). Every
 * disagreement is listed here and explained in the README section "Math answers".
 */
import assert from "node:assert/strict";
import { compareAnswers, verifyAnswer } from "../src/math/equivalence.ts";
import {
  gsm8kAgreement,
  math500Agreement,
  mathSamplesAgreement,
  verifyAgreement,
} from "../src/math/agreement.ts";

const DATA = new URL("../../shared/data", import.meta.url).pathname;
const absent = await Deno.stat(DATA).then(() => false, () => true);
if (absent) console.log(`math real-data tests skipped: ${DATA} is absent`);

Deno.test({
  name: "extractAnswer() and compareAnswers() reproduce GSM8K is_correct on all 5,276 solutions",
  ignore: absent,
  fn: async () => {
    const report = await gsm8kAgreement(DATA, compareAnswers);
    assert.equal(report.solutions, 5276);
    assert.deepEqual(report.disagreements, []);
    assert.equal(report.agree, 5276);
  },
});

Deno.test({
  name: "compareAnswers() matches the math_samples score except where the upstream grader is wrong",
  ignore: absent,
  fn: async () => {
    const report = await mathSamplesAgreement(DATA, compareAnswers);
    assert.equal(report.responses, 400);
    assert.equal(report.extractedNormalized, 400);
    assert.equal(report.extractedIdentical, 382);
    // The upstream grader fails to parse `10{,}000` and scores the right answer 10000 false.
    assert.deepEqual(report.disagreements, [
      { idx: 72, pred: "10000", gt: "10{,}000", upstream: false, rule: "string" },
    ]);
    assert.equal(report.scoreAgree, 399);
    assert.equal(report.extractedScoreAgree, 399);
  },
});

Deno.test({
  name: "compareAnswers() keeps MATH-500 golds equal to their rewrites and apart from other golds",
  ignore: absent,
  fn: async () => {
    const report = await math500Agreement(DATA, compareAnswers);
    assert.equal(report.answers, 500);
    assert.equal(report.solutionsAgree, 500);
    assert.deepEqual(report.rewriteFailures, []);
    assert.equal(report.rewritesEquivalent, report.rewrites);
    const distinct = new Set(report.crossEquivalent.map(({ a, b }) => [a, b].sort().join(" ≡ ")));
    // Each of these is the same answer in another spelling (degrees, units, `x=`, `\$`,
    // `\frac14`, `10,\!080`, spacing, list order), or a lenient reading explained in
    // the README: `40_9` vs `40` (digits without the base), `(-2,1)` vs `-2,1`.
    assert.deepEqual([...distinct].sort(), [
      "(-2,1) ≡ -2,1",
      "-2,1 ≡ 1,-2",
      "10,\\!080 ≡ 10080",
      "120 ≡ 120^\\circ",
      "15 ≡ 15\\mbox{ cm}^2",
      "2 \\sqrt{5} ≡ 2\\sqrt{5}",
      "30 ≡ 30^\\circ",
      "36 ≡ 36^\\circ",
      "36 ≡ \\$36",
      "36^\\circ ≡ \\$36",
      "40 ≡ 40_9",
      "5 ≡ x=5",
      "90 ≡ 90^\\circ",
      "\\frac14 ≡ \\frac{1}{4}",
    ]);
  },
});

Deno.test({
  name: "verifyAnswer() on full solutions reproduces the upstream verdicts, boxed or not",
  ignore: absent,
  fn: async () => {
    const report = await verifyAgreement(DATA, verifyAnswer);
    assert.deepEqual(report.forms, {
      "GSM8K solution": [5276, 5276],
      "math_samples boxed": [399, 400],
      "math_samples unboxed": [399, 400],
      "math_samples late final answer": [400, 400],
    });
    // The upstream grader scores the right 10000 false against `10{,}000` (see above).
    assert.deepEqual(report.disagreements.map(({ form, id }) => `${form} ${id}`), [
      "math_samples boxed 72/7",
      "math_samples unboxed 72/7",
    ]);
  },
});
