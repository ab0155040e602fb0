/**
 * Step pair rules: which valued prefixes of a problem become (chosen, rejected)
 * step-level pairs, per iteration of the paper's recipe.
 *
 * - Math: a prefix is positive when its value (completions that reached the label)
 *   is at least `threshold` — 2 of 3 in the first iteration, 1 later — and negative
 *   otherwise. Mode `"one"` (first iteration): one pair per problem, a random
 *   positive with a negative drawn from the `closest` (5) negatives nearest to it in
 *   steps. Mode `"each_positive"` (later iterations): every positive with one random
 *   negative.
 * - Code: a prefix may be chosen when its value (average tests passed by its
 *   completed programs) is at least `minPassFraction` (0.5) of the tests, and is
 *   paired with one random prefix whose value is lower by more than `margin` (4).
 *
 * Pairs are `level: "step"`: their texts are prefixes, trained without an
 * end-of-sequence token. Randomness comes from a generator seeded with the seed,
 * the problem and the rule, so the same seed gives the same pairs.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type SeededRandom, seededRandom } from "../feedback/random.ts";
import type { FeedbackSource } from "../model/feedback.ts";
import type { PairDraft, PrefixSide } from "../model/pair.ts";
import type { Prefix } from "./prefixes.ts";
import { type CompletionTally, stepPairConfidence } from "./step_confidence.ts";
import { codePrefixValue, type CodeValueReduction, mathPrefixValue } from "./values.ts";

/** A prefix with its per-completion values. */
export interface ValuedPrefix extends Prefix {
  /** One value per completion: math 1/0, code tests passed. */
  values: number[];
}

/** Options shared by the step pair rules. */
export interface StepPairOptions {
  /** The prompt the prefixes continue (the pairs' `prompt`). */
  prompt: string;
  /** The run the pairs belong to. */
  run: string;
  /** Where the label or the tests came from. */
  feedback: FeedbackSource;
  /** Completions asked for per prefix. */
  completions: number;
  /** Seed of the random choices. Default 0. */
  seed?: number | string;
  /**
   * P(the label or the tests the completions were checked against are right), the
   * first factor of each pair's `confidence` (see `stepPairConfidence`). Default 1
   * (gold, or a label taken as right).
   */
  labelConfidence?: number;
}

/** How math step positives are paired. */
export type StepPairMode = "one" | "each_positive";

/** Options for {@link mathStepPairs}. */
export interface MathStepPairOptions extends StepPairOptions {
  /** The label the completions were checked against. */
  label: string;
  /** Smallest value of a positive prefix. Default 2 (first iteration; later 1). */
  threshold?: number;
  /** `"one"` pair per problem (first iteration, default) or `"each_positive"`. */
  mode?: StepPairMode;
  /** Mode `"one"`: the rejected prefix is drawn from this many negatives nearest in steps. Default 5. */
  closest?: number;
}

/**
 * Math step pairs from a problem's valued prefixes.
 *
 * @example The first iteration's rule: one pair, value ≥ 2 of 3
 * ```ts
 * import { mathStepPairs } from "./step_pairs.ts";
 * import assert from "node:assert";
 * const prefix = (sample: number, steps: number, values: number[]) => ({
 *   problem_id: "p", sample, steps, of: 10, text: `prefix ${sample}/${steps}`, values,
 * });
 * const pairs = mathStepPairs([prefix(0, 2, [1, 1, 0]), prefix(1, 3, [1, 0, 0])], {
 *   prompt: "Q", run: "r", feedback: "frontier", completions: 3, label: "18",
 * });
 * assert.equal(pairs.length, 1);
 * assert.deepEqual([pairs[0].chosen, pairs[0].rejected], ["prefix 0/2", "prefix 1/3"]);
 * assert.equal(pairs[0].level, "step");
 * ```
 */
export function mathStepPairs(
  prefixes: readonly ValuedPrefix[],
  options: MathStepPairOptions,
): PairDraft[] {
  const threshold = options.threshold ?? 2;
  const mode = options.mode ?? "one";
  const closest = options.closest ?? 5;
  if (mode !== "one" && mode !== "each_positive") {
    throw new ConfigError(
      `Invalid step pair mode: must be "one" or "each_positive", got "${mode}"`,
    );
  }
  if (!(threshold >= 1)) {
    throw new ConfigError(`Invalid step threshold: must be at least 1, got ${threshold}`);
  }
  if (!(closest >= 1)) throw new ConfigError(`Invalid closest: must be at least 1, got ${closest}`);
  const positives = prefixes.filter((p) => mathPrefixValue(p.values) >= threshold);
  const negatives = prefixes.filter((p) => mathPrefixValue(p.values) < threshold);
  if (positives.length === 0 || negatives.length === 0) return [];
  const random = randomFor(options, prefixes, `math:${mode}:${threshold}:${closest}`);
  const pick = <T>(items: readonly T[]) => items[random.int(items.length)];
  const pairs: [ValuedPrefix, ValuedPrefix][] = mode === "one"
    ? (() => {
      const chosen = pick(positives);
      // A stable sort: ties keep the prefixes' order.
      const near = [...negatives]
        .sort((a, b) => Math.abs(a.steps - chosen.steps) - Math.abs(b.steps - chosen.steps))
        .slice(0, closest);
      return [[chosen, pick(near)]];
    })()
    : positives.map((chosen) => [chosen, pick(negatives)]);
  const tally = (p: ValuedPrefix) => ({
    successes: mathPrefixValue(p.values),
    trials: p.values.length,
  });
  return pairs.map(([chosen, rejected]) =>
    draft(chosen, rejected, { value: mathPrefixValue, tally }, options, { label: options.label })
  );
}

/** Options for {@link codeStepPairs}. */
export interface CodeStepPairOptions extends StepPairOptions {
  /** The pseudo tests the completed programs ran on. */
  tests: number;
  /** Share of the tests a chosen prefix's value must reach. Default 0.5. */
  minPassFraction?: number;
  /** A rejected prefix's value is lower than the chosen one's by more than this. Default 4. */
  margin?: number;
  /** How completion pass counts become a value. Default `"avg"`. */
  reduction?: CodeValueReduction;
}

/**
 * Code step pairs from a problem's valued prefixes.
 *
 * @example A chosen prefix with a rejected one more than 4 tests lower
 * ```ts
 * import { codeStepPairs } from "./step_pairs.ts";
 * import assert from "node:assert";
 * const prefix = (sample: number, values: number[]) => ({
 *   problem_id: "p", sample, steps: 3, of: 9, text: `prefix ${sample}`, values,
 * });
 * const prefixes = [prefix(0, [10, 8, 9]), prefix(1, [2, 3, 4]), prefix(2, [6, 5, 7])];
 * const pairs = codeStepPairs(prefixes, {
 *   prompt: "Q", run: "r", feedback: "self_consistency", completions: 3, tests: 10,
 * });
 * assert.deepEqual(pairs.map((p) => [p.chosen_score, p.rejected_score]), [[9, 3]]);
 * ```
 */
export function codeStepPairs(
  prefixes: readonly ValuedPrefix[],
  options: CodeStepPairOptions,
): PairDraft[] {
  const minPass = options.minPassFraction ?? 0.5;
  const margin = options.margin ?? 4;
  const reduction = options.reduction ?? "avg";
  if (!(minPass >= 0 && minPass <= 1)) {
    throw new ConfigError(`Invalid pass fraction: must be in [0, 1], got ${minPass}`);
  }
  if (!(margin >= 0)) {
    throw new ConfigError(`Invalid step margin: must be at least 0, got ${margin}`);
  }
  if (!(options.tests > 0)) return [];
  const value = (values: readonly number[]) => codePrefixValue(values, reduction);
  // A completion counts its share of the tests passed.
  const tally = (p: ValuedPrefix) => ({
    successes: p.values.reduce((sum, v) => sum + v, 0) / options.tests,
    trials: p.values.length,
  });
  const random = randomFor(options, prefixes, `code:${minPass}:${margin}:${reduction}`);
  const pairs: PairDraft[] = [];
  for (const chosen of prefixes) {
    const v = value(chosen.values);
    if (v / options.tests < minPass) continue;
    const rejectable = prefixes.filter((p) => value(p.values) < v - margin);
    if (rejectable.length === 0) continue;
    const rejected = rejectable[random.int(rejectable.length)];
    pairs.push(draft(chosen, rejected, { value, tally }, options, { tests: options.tests }));
  }
  return pairs;
}

function randomFor(
  options: StepPairOptions,
  prefixes: readonly ValuedPrefix[],
  rule: string,
): SeededRandom {
  return seededRandom(options.seed ?? 0, prefixes[0]?.problem_id ?? "", `step:${rule}`);
}

function side(prefix: ValuedPrefix): PrefixSide {
  return { sample: prefix.sample, steps: prefix.steps, of: prefix.of, values: [...prefix.values] };
}

function draft(
  chosen: ValuedPrefix,
  rejected: ValuedPrefix,
  measure: {
    value: (values: readonly number[]) => number;
    tally: (prefix: ValuedPrefix) => CompletionTally;
  },
  options: StepPairOptions,
  extra: { label?: string; tests?: number },
): PairDraft {
  const { value, tally } = measure;
  return {
    problem_id: chosen.problem_id,
    prompt: options.prompt,
    chosen: chosen.text,
    rejected: rejected.text,
    chosen_score: value(chosen.values),
    rejected_score: value(rejected.values),
    feedback: options.feedback,
    run: options.run,
    confidence: stepPairConfidence(tally(chosen), tally(rejected), options.labelConfidence),
    level: "step",
    step: {
      completions: options.completions,
      ...extra,
      chosen: side(chosen),
      rejected: side(rejected),
    },
  };
}
