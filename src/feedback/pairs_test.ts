import assert from "node:assert";
import { ConfigError } from "../errors.ts";
import { Metrics } from "../metrics/metrics.ts";
import type { FeedbackSource, ScoredSample } from "../model/feedback.ts";
import { openRunDatabase } from "../store/database.ts";
import { PairLog } from "../store/pair_log.ts";
import { appendPairs, codePairs, mathPairs } from "./pairs.ts";

const scoredMath = (scores: number[], problemId = "p"): ScoredSample[] =>
  scores.map((score, index) => ({
    problem_id: problemId,
    index,
    completion: `solution ${index}`,
    score,
    max_score: 1,
    feedback: "self_consistency",
  }));

const scoredCode = (
  scores: number[],
  maxScore: number,
  feedback: FeedbackSource = "self_consistency",
): ScoredSample[] =>
  scores.map((score, index) => ({
    problem_id: "p",
    index,
    completion: `program ${index}`,
    score,
    max_score: maxScore,
    feedback,
  }));

const options = { prompt: "Q", run: "r" };

Deno.test("mathPairs() in one mode gives one positive-negative pair per problem", () => {
  const pairs = mathPairs(scoredMath([1, 0, 1, 0, 1]), { ...options, seed: 3 });
  assert.equal(pairs.length, 1);
  const [pair] = pairs;
  assert.ok(["solution 0", "solution 2", "solution 4"].includes(pair.chosen));
  assert.ok(["solution 1", "solution 3"].includes(pair.rejected));
  assert.deepEqual([pair.chosen_score, pair.rejected_score], [1, 0]);
  assert.deepEqual([pair.problem_id, pair.prompt, pair.run, pair.feedback], [
    "p",
    "Q",
    "r",
    "self_consistency",
  ]);
});

Deno.test("mathPairs() in each_positive mode pairs every positive with a negative", () => {
  const pairs = mathPairs(scoredMath([1, 0, 1, 0, 1]), { ...options, mode: "each_positive" });
  assert.deepEqual(pairs.map((p) => p.chosen), ["solution 0", "solution 2", "solution 4"]);
  assert.ok(pairs.every((p) => ["solution 1", "solution 3"].includes(p.rejected)));
});

Deno.test("mathPairs() gives no pairs when all samples agree or none is right", () => {
  assert.deepEqual(mathPairs(scoredMath([1, 1, 1]), options), []);
  assert.deepEqual(mathPairs(scoredMath([0, 0, 0]), { ...options, mode: "each_positive" }), []);
  assert.deepEqual(mathPairs([], options), []);
});

Deno.test("mathPairs() leaves out empty completions", () => {
  const scored = scoredMath([1, 0]);
  scored[1].completion = "  ";
  assert.deepEqual(mathPairs(scored, options), []);
});

Deno.test("mathPairs() is deterministic under a fixed seed and varies with the seed", () => {
  const scored = scoredMath([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  const run = (seed: number) =>
    mathPairs(scored, { ...options, seed, mode: "each_positive" }).map((p) => p.rejected);
  assert.deepEqual(run(7), run(7));
  const seen = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => run(s).join()));
  assert.ok(seen.size > 1);
});

Deno.test("mathPairs() does not depend on the other problems processed", () => {
  const a = mathPairs(scoredMath([1, 0, 1, 0], "a"), { ...options, seed: 1 });
  mathPairs(scoredMath([1, 0, 1, 0], "b"), { ...options, seed: 1 });
  const again = mathPairs(scoredMath([1, 0, 1, 0], "a"), { ...options, seed: 1 });
  assert.deepEqual(a, again);
});

Deno.test("mathPairs() drops exact duplicate pairs", () => {
  const scored = scoredMath([1, 1, 0]);
  scored[1].completion = scored[0].completion; // two identical right answers
  const pairs = mathPairs(scored, { ...options, mode: "each_positive" });
  assert.equal(pairs.length, 1);
});

Deno.test("mathPairs() rejects an unknown mode", () => {
  assert.throws(
    () => mathPairs(scoredMath([1, 0]), { ...options, mode: "all" as "one" }),
    ConfigError,
  );
});

Deno.test("codePairs() pairs samples passing half the tests with those 6 lower", () => {
  const pairs = codePairs(scoredCode([10, 4, 9, 3, 6, 0], 10), options);
  assert.deepEqual(pairs.map((p) => [p.chosen, p.rejected]), [
    ["program 0", "program 1"],
    ["program 0", "program 3"],
    ["program 0", "program 5"],
    ["program 2", "program 3"],
    ["program 2", "program 5"],
    ["program 4", "program 5"],
  ]);
  assert.ok(pairs.every((p) => p.chosen_score - p.rejected_score >= 6));
});

Deno.test("codePairs() uses a margin of 6 for frontier tests, as for self-consistency", () => {
  const pairs = codePairs(scoredCode([7, 1, 2, 0], 8, "frontier"), options);
  assert.deepEqual(pairs.map((p) => [p.chosen_score, p.rejected_score]), [[7, 1], [7, 0]]);
});

Deno.test("codePairs() requires half the tests passed to be chosen", () => {
  // 4 of 10 tests: under half, even though 4 - 0 >= margin 2.
  assert.deepEqual(codePairs(scoredCode([4, 0], 10), { ...options, margin: 2 }), []);
  assert.equal(codePairs(scoredCode([5, 0], 10), { ...options, margin: 2 }).length, 1);
  assert.equal(
    codePairs(scoredCode([4, 0], 10), { ...options, margin: 2, minPassFraction: 0.4 }).length,
    1,
  );
});

Deno.test("codePairs() for gold tests pairs passing-all with failing samples", () => {
  assert.deepEqual(
    codePairs(scoredCode([1, 0, 1, 0], 1, "gold"), options).map((p) => [p.chosen, p.rejected]),
    [
      ["program 0", "program 1"],
      ["program 0", "program 3"],
      ["program 2", "program 1"],
      ["program 2", "program 3"],
    ],
  );
  assert.deepEqual(codePairs(scoredCode([3, 2], 3, "gold"), options).length, 1);
  assert.deepEqual(codePairs(scoredCode([2, 1], 3, "gold"), options).length, 0);
});

Deno.test("codePairs() gives no pairs when all agree, all fail or no tests were kept", () => {
  assert.deepEqual(codePairs(scoredCode([10, 10, 10], 10), options), []);
  assert.deepEqual(codePairs(scoredCode([0, 0, 0], 10), options), []);
  assert.deepEqual(codePairs(scoredCode([0, 0], 0), { ...options, margin: 1 }), []);
  assert.deepEqual(codePairs(scoredCode([7], 10), options), []);
});

Deno.test("codePairs() caps pairs per problem at random, deterministically", () => {
  const scored = scoredCode([10, 10, 10, 10, 0, 0, 0, 0], 10);
  const all = codePairs(scored, { ...options, cap: Infinity });
  assert.equal(all.length, 16);
  const capped = codePairs(scored, { ...options, cap: 5, seed: 9 });
  assert.equal(capped.length, 5);
  assert.deepEqual(codePairs(scored, { ...options, cap: 5, seed: 9 }), capped);
  // The capped pairs are a subset of all pairs, in the same order.
  const order = all.map((p) => `${p.chosen}|${p.rejected}`);
  const positions = capped.map((p) => order.indexOf(`${p.chosen}|${p.rejected}`));
  assert.ok(positions.every((pos, i) => pos >= 0 && (i === 0 || pos > positions[i - 1])));
  assert.deepEqual(codePairs(scored, { ...options, cap: 0 }), []);
});

Deno.test("codePairs() drops duplicate and self pairs", () => {
  const scored = scoredCode([10, 10, 0, 0], 10);
  scored[1].completion = scored[0].completion;
  scored[3].completion = scored[2].completion;
  assert.equal(codePairs(scored, options).length, 1);
});

Deno.test("codePairs() rejects bad settings", () => {
  assert.throws(() => codePairs(scoredCode([1, 0], 1), { ...options, margin: 0 }), /margin/);
  assert.throws(
    () => codePairs(scoredCode([1, 0], 1), { ...options, minPassFraction: 2 }),
    /pass fraction/,
  );
  assert.throws(() => codePairs(scoredCode([9, 0], 9), { ...options, cap: -1 }), /cap/);
});

Deno.test("appendPairs() writes to the pair log and counts written and duplicate pairs", async () => {
  const db = openRunDatabase(":memory:");
  try {
    const log = new PairLog(db);
    const metrics = new Metrics();
    const drafts = codePairs(scoredCode([10, 0, 0], 10), options);
    assert.equal(appendPairs(log, drafts, { metrics }).length, 2);
    assert.equal(appendPairs(log, drafts, { metrics }).length, 0);
    assert.deepEqual(log.after(0).map((p) => p.seq), [1, 2]);
    const text = await metrics.registry.metrics();
    assert.match(text, /pfpo_pairs_written_total\{feedback="self_consistency"\} 2/);
    assert.match(text, /pfpo_pairs_duplicate_total\{feedback="self_consistency"\} 2/);
  } finally {
    db.close();
  }
});
