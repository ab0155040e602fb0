import assert from "node:assert/strict";
import { codeStepPairs, mathStepPairs, type ValuedPrefix } from "./step_pairs.ts";

const prefix = (sample: number, steps: number, values: number[]): ValuedPrefix => ({
  problem_id: "p/1",
  sample,
  steps,
  of: 20,
  text: `s${sample} up to step ${steps}`,
  values,
});
const common = {
  prompt: "Q",
  run: "r",
  feedback: "frontier" as const,
  completions: 3,
  label: "18",
};

Deno.test("mathStepPairs() first iteration: value ≥ 2 of 3, one pair, negative among the 5 nearest in steps", () => {
  const positive = prefix(0, 10, [1, 1, 0]);
  const negatives = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => prefix(i, 10 + i, [1, 0, 0]));
  const far = prefix(9, 40, [0, 0, 0]);
  const prefixes = [positive, far, ...negatives];
  const rejected = new Set<string>();
  for (let seed = 0; seed < 60; seed++) {
    const pairs = mathStepPairs(prefixes, { ...common, seed });
    assert.equal(pairs.length, 1, "one pair per problem");
    assert.equal(pairs[0].chosen, positive.text, "value 2 of 3 is positive");
    rejected.add(pairs[0].rejected);
    assert.equal(pairs[0].chosen_score, 2);
    assert.equal(pairs[0].rejected_score, pairs[0].rejected === far.text ? 0 : 1);
    assert.deepEqual(pairs[0].step?.chosen, { sample: 0, steps: 10, of: 20, values: [1, 1, 0] });
    assert.equal(pairs[0].step?.label, "18");
  }
  assert.deepEqual(
    [...rejected].sort(),
    negatives.slice(0, 5).map((p) => p.text).sort(),
    "the rejected prefix is one of the 5 nearest in steps, each drawn",
  );
  assert.deepEqual(
    mathStepPairs(prefixes, { ...common, seed: 4 }),
    mathStepPairs(prefixes, { ...common, seed: 4 }),
  );
});

Deno.test("mathStepPairs() later iterations: value ≥ 1, each positive with one random negative", () => {
  const prefixes = [
    prefix(0, 3, [1, 0, 0]),
    prefix(1, 4, [1, 1, 1]),
    prefix(2, 5, [0, 0, 0]),
    prefix(3, 6, [0, 0, 0]),
  ];
  const pairs = mathStepPairs(prefixes, { ...common, threshold: 1, mode: "each_positive" });
  assert.deepEqual(pairs.map((p) => p.chosen), [prefixes[0].text, prefixes[1].text]);
  assert.ok(pairs.every((p) => p.rejected === prefixes[2].text || p.rejected === prefixes[3].text));
  // The first iteration's threshold makes value 1 a negative.
  const first = mathStepPairs(prefixes, { ...common });
  assert.equal(first[0].chosen, prefixes[1].text);
  assert.equal(mathStepPairs([prefix(0, 3, [1, 1, 1])], common).length, 0, "no negative");
  assert.equal(mathStepPairs([prefix(0, 3, [0, 0, 1])], common).length, 0, "no positive");
  assert.throws(() => mathStepPairs(prefixes, { ...common, mode: "all" as "one" }), /mode/);
});

Deno.test("mathStepPairs() gives the same pairs from early-stopped values of the same class", () => {
  const full = [
    prefix(0, 3, [1, 1, 0]),
    prefix(1, 4, [0, 0, 1]),
    prefix(2, 5, [1, 1, 1]),
    prefix(3, 6, [0, 0, 0]),
  ];
  const early = [
    prefix(0, 3, [1, 1]),
    prefix(1, 4, [0, 0]),
    prefix(2, 5, [1, 1]),
    prefix(3, 6, [0, 0]),
  ];
  for (const mode of ["one", "each_positive"] as const) {
    const texts = (pairs: { chosen: string; rejected: string }[]) =>
      pairs.map((p) => [p.chosen, p.rejected]);
    assert.deepEqual(
      texts(mathStepPairs(early, { ...common, mode, seed: 9 })),
      texts(mathStepPairs(full, { ...common, mode, seed: 9 })),
    );
  }
});

Deno.test("codeStepPairs() chosen at half the tests, rejected lower by more than the margin", () => {
  const prefixes = [
    prefix(0, 3, [10, 10, 10]), // 10 of 10
    prefix(1, 4, [7, 6, 5]), // 6: chosen, and exactly 4 under 10, so not rejected by it
    prefix(2, 5, [4, 4, 4]), // 4: under half the tests, never chosen
    prefix(3, 6, [0, 1, 2]), // 1
  ];
  const pairs = codeStepPairs(prefixes, { ...common, feedback: "self_consistency", tests: 10 });
  const scores = (list: typeof pairs) => list.map((p) => [p.chosen_score, p.rejected_score]);
  assert.deepEqual(scores(pairs).slice(1), [[6, 1]]);
  assert.equal(pairs[0].chosen_score, 10);
  assert.ok([4, 1].includes(pairs[0].rejected_score), "4 and 1 are more than 4 under 10");
  assert.ok(pairs.every((p) => p.level === "step" && p.step?.tests === 10));
  const max = codeStepPairs(prefixes, {
    ...common,
    feedback: "self_consistency",
    tests: 10,
    reduction: "max",
    minPassFraction: 0.8,
  });
  assert.equal(max.length, 1);
  assert.equal(max[0].chosen_score, 10);
  assert.ok([4, 2].includes(max[0].rejected_score));
  assert.equal(codeStepPairs(prefixes, { ...common, tests: 0 }).length, 0);
});

Deno.test("mathStepPairs() and codeStepPairs() give each pair a confidence from its completions and the label's", () => {
  const math = (sample: number, values: number[]) => ({
    problem_id: "p",
    sample,
    steps: 2,
    of: 4,
    text: `prefix ${sample}`,
    values,
  });
  const options = { prompt: "Q", run: "r", feedback: "self_consistency" as const, completions: 3 };
  const [sure] = mathStepPairs([math(0, [1, 1, 1]), math(1, [0, 0, 0])], {
    ...options,
    label: "1",
  });
  const [unsure] = mathStepPairs([math(0, [1, 1, 0]), math(1, [1, 0, 0])], {
    ...options,
    label: "1",
  });
  assert.ok(sure.confidence! > 0.9 && unsure.confidence! < sure.confidence!);
  const [halved] = mathStepPairs([math(0, [1, 1, 1]), math(1, [0, 0, 0])], {
    ...options,
    label: "1",
    labelConfidence: 0.5,
  });
  assert.equal(halved.confidence, sure.confidence! / 2);
  // Code: 10 tests; completions passing 10, 10, 9 against 0, 1, 2.
  const [code] = codeStepPairs([math(0, [10, 10, 9]), math(1, [0, 1, 2])], {
    ...options,
    tests: 10,
  });
  assert.ok(code.confidence! > 0.9, `${code.confidence}`);
});
