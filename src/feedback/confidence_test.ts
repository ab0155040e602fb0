import assert from "node:assert/strict";
import { run } from "../../tests/support/results.ts";
import { CodeTrust, mathLabelConfidence } from "./confidence.ts";
import { CodeVote, scoreCodeSamples } from "./code.ts";
import { paperCodeVote } from "./paper_rules.ts";
import { codePairs } from "./pairs.ts";

/**
 * Squares of 1..4, known answer [1, 4, 9, 16]. Three right programs agree everywhere;
 * five wrong ones share the wrong output "0" on the last input (a wrong majority
 * there) but each errs differently elsewhere, so the biggest cluster is not theirs.
 */
const squares = [
  run("1", "4", "9", "16"),
  run("1", "4", "9", "16"),
  run("1", "4", "9", "16"),
  run("1", "4", "8", "0"),
  run("1", "5", "9", "0"),
  run("2", "4", "9", "0"),
  run("1", "3", "9", "0"),
  run("0", "4", "9", "0"),
];

Deno.test("CodeTrust trusts the cluster that agrees everywhere over a wrong per-input majority", () => {
  const vote = new CodeVote("p", { inputs: ["1", "2", "3", "4"] });
  squares.forEach((results, p) => vote.addProgram(p, results));
  vote.close();
  assert.equal(vote.expected()[3], "0"); // the per-input majority is wrong on the last input
  const trust = new CodeTrust(squares);
  assert.deepEqual(trust.trusted?.programs, [0, 1, 2]);
  assert.deepEqual(trust.labels(), ["1", "4", "9", "16"]);
  assert.equal(trust.maxScore, 4);
  assert.deepEqual(squares.map((_, p) => trust.score(p)), [4, 4, 4, 2, 2, 2, 2, 2]);
  assert.ok(trust.trust(0) > trust.trust(3));
});

Deno.test("CodeTrust.pairConfidence() is 0 for programs that behave alike and grows with the differences", () => {
  const trust = new CodeTrust([
    run("1", "4", "9", "16"),
    run("1", "4", "9", "16"),
    run("1", "4", "9", "16"),
    run("1", "4", "9", "0"),
    run("2", "5", "0", "0"),
    run(undefined, undefined, undefined, undefined),
  ]);
  assert.equal(trust.pairConfidence(0, 1), 0);
  const one = trust.pairConfidence(0, 3);
  const four = trust.pairConfidence(0, 4);
  assert.ok(one > 0 && four > one, `${one} < ${four}`);
  assert.ok(trust.pairConfidence(3, 0) < one); // chosen from a less trusted cluster
  assert.ok(trust.pairConfidence(0, 5) > 0); // a program that never ran differs everywhere
});

Deno.test("CodeTrust of programs without results trusts nothing", () => {
  const trust = new CodeTrust([undefined, run(undefined, undefined)]);
  assert.equal(trust.trusted, undefined);
  assert.deepEqual(trust.labels(), []);
  assert.equal(trust.score(1), 0);
  assert.equal(trust.pairConfidence(0, 1), 0);
});

Deno.test("codePairs() stamps each pair's confidence and drops those under the minimum", () => {
  const trust = new CodeTrust(squares);
  const samples = squares.map((_, index) => ({
    problem_id: "p",
    index,
    completion: `program ${index}`,
  }));
  const scored = scoreCodeSamples(samples, {
    score: (i) => trust.score(i),
    maxScore: trust.maxScore,
    feedback: "self_consistency",
  });
  const options = {
    prompt: "q",
    run: "r",
    margin: 1,
    confidence: (c: { index: number }, r: { index: number }) =>
      trust.pairConfidence(c.index, r.index),
  };
  const all = codePairs(scored, options);
  assert.equal(all.length, 15);
  assert.ok(all.every((p) => p.confidence! > 0 && p.confidence! < 1));
  const kept = codePairs(scored, { ...options, minConfidence: 0.99 });
  assert.deepEqual(kept, []);
  assert.throws(() => codePairs(scored, { ...options, minConfidence: 2 }), /minimum confidence/);
});

Deno.test("mathLabelConfidence() rises with the share and margin and falls with scatter", () => {
  const strong = mathLabelConfidence([7, 1], 0, 8);
  const tie = mathLabelConfidence([4, 4], 0, 8);
  const scattered = mathLabelConfidence([3, 1, 1, 1, 1, 1], 0, 8);
  assert.ok(strong > tie && tie > scattered);
  // Samples without an answer count: 3 of 8 with 5 unanswered is weaker than 3 of 4.
  assert.ok(mathLabelConfidence([3, 1], 0, 8) < mathLabelConfidence([3, 1], 0, 4));
  for (const p of [strong, tie, scattered]) assert.ok(p > 0 && p < 1);
});

Deno.test("CodeTrust.testsConfidence() trusts tests the trusted cluster passes and doubts a wrong majority's", () => {
  const trust = new CodeTrust(squares);
  const right = trust.testsConfidence(["1", "4", "9", "16"]);
  const majority = trust.testsConfidence(["1", "4", "9", "0"]); // the per-input majority
  assert.equal(right, trust.trust(0));
  assert.ok(majority < right, `${majority} ≥ ${right}`);
  assert.equal(trust.testsConfidence([undefined, "4", undefined, undefined]), trust.trust(0));
  assert.equal(trust.testsConfidence([]), 0);
});

/**
 * Squares of 1..5, known answer [1, 4, 9, 16, 25]. The biggest cluster (four
 * programs, 3–6) is wrong on the last three inputs; the right one (0–2) has three
 * programs; five more programs each err once, three of them with the wrong "0" on
 * the third input, so the per-input majority there is wrong too.
 */
const wrongBiggest = [
  ...Array.from({ length: 3 }, () => run("1", "4", "9", "16", "25")),
  ...Array.from({ length: 4 }, () => run("1", "4", "0", "0", "0")),
  run("1", "4", "0", "16", "25"),
  run("2", "4", "0", "16", "25"),
  run("1", "5", "0", "16", "25"),
  run("1", "3", "9", "16", "24"),
  run("0", "4", "9", "15", "25"),
];
const rightPrograms = new Set([0, 1, 2]);

Deno.test("every rule on a matrix whose biggest cluster and per-input majority are wrong", () => {
  const inputs = ["1", "2", "3", "4", "5"];
  const top = (scores: number[]) => scores.indexOf(Math.max(...scores));
  // The default and the paper's votes take the wrong "0" on input 3, and rank first
  // a wrong program that agrees with every majority.
  for (const options of [{}, paperCodeVote("apps"), paperCodeVote("oss")]) {
    const vote = new CodeVote("p", { inputs, ...options });
    wrongBiggest.forEach((results, p) => vote.addProgram(p, results));
    vote.close();
    assert.deepEqual(vote.expected(), ["1", "4", "0", "16", "25"]);
    assert.ok(!rightPrograms.has(top(wrongBiggest.map((_, p) => vote.score(p)))));
  }
  // CodeTrust trusts the right cluster, which is not the biggest.
  const trust = new CodeTrust(wrongBiggest);
  assert.deepEqual(trust.clusters.clusters[0].programs, [3, 4, 5, 6]);
  assert.deepEqual(trust.trusted?.programs, [0, 1, 2]);
  assert.deepEqual(trust.labels(), ["1", "4", "9", "16", "25"]);
  assert.ok(rightPrograms.has(top(wrongBiggest.map((_, p) => trust.score(p)))));
  // A pair chosen from the right cluster is more trusted than one from a wrong program.
  assert.ok(trust.pairConfidence(0, 3) > trust.pairConfidence(7, 0));
  // The majority's tests (wrong on input 3) are less sure than the right ones.
  assert.ok(
    trust.testsConfidence(["1", "4", "0", "16", "25"]) <
      trust.testsConfidence(["1", "4", "9", "16", "25"]),
  );
});
