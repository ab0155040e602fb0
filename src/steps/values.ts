/**
 * The value of a prefix: how well the policy does when it continues from it.
 *
 * - Math: one value per completion, 1 when the answer of prefix + completion is
 *   equivalent to the label (the frontier model's answer, or the self-consistency
 *   label of the problem's whole-solution vote), else 0; the prefix's value is their
 *   sum (0–3 with the paper's 3 completions).
 * - Code: one value per completion, the pseudo tests the completed program passes;
 *   the prefix's value is their average (or, as in the paper's first code iteration,
 *   their maximum).
 *
 * Early stopping: a math prefix's class (positive when its value reaches the
 * threshold) is often decided before its last completion; {@link prefixClass} says
 * when, and {@link firstDraw} how many completions to ask for first.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Equivalence } from "../feedback/answer_vote.ts";
import { extractAnswer, isEquivalent } from "../math/mod.ts";

/** Options for {@link mathCompletionValue}. */
export interface MathValueOptions {
  /** The pseudo label. */
  label: string;
  /** Compares an answer with the label. Default `isEquivalent`. */
  equivalent?: Equivalence;
  /** Final answer of a text. Default `extractAnswer`. */
  extract?: (text: string) => string | undefined;
}

/**
 * 1 when the policy, continuing `prefix` with `completion`, reaches the label; else
 * 0 (also for an empty completion, which reaches nothing).
 *
 * @example A completion that reaches the label
 * ```ts
 * import { mathCompletionValue } from "./values.ts";
 * import assert from "node:assert";
 * const prefix = "24 muffins make 24 / 4 = 6 boxes.";
 * assert.equal(mathCompletionValue(prefix, "\n6 × 3 = 18, so \\boxed{18}.", { label: "18" }), 1);
 * assert.equal(mathCompletionValue(prefix, "\n6 × 4 = 24, so \\boxed{24}.", { label: "18" }), 0);
 * ```
 */
export function mathCompletionValue(
  prefix: string,
  completion: string,
  options: MathValueOptions,
): 0 | 1 {
  if (completion.trim() === "") return 0;
  const answer = (options.extract ?? extractAnswer)(prefix + completion);
  if (answer === undefined) return 0;
  return (options.equivalent ?? isEquivalent)(answer, options.label) ? 1 : 0;
}

/** How a code prefix's per-completion pass counts become its value. */
export type CodeValueReduction = "avg" | "max";

/**
 * A code prefix's value from its completions' pass counts.
 *
 * @example Average and maximum
 * ```ts
 * import { codePrefixValue } from "./values.ts";
 * import assert from "node:assert";
 * assert.equal(codePrefixValue([10, 4, 1], "avg"), 5);
 * assert.equal(codePrefixValue([10, 4, 1], "max"), 10);
 * ```
 */
export function codePrefixValue(passes: readonly number[], reduction: CodeValueReduction): number {
  if (passes.length === 0) return 0;
  if (reduction === "max") return Math.max(...passes);
  if (reduction !== "avg") {
    throw new ConfigError(`Invalid value reduction: must be "avg" or "max", got "${reduction}"`);
  }
  return passes.reduce((sum, v) => sum + v, 0) / passes.length;
}

/** Sum of a math prefix's completion values. */
export function mathPrefixValue(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0);
}

/** The class of a math prefix: positive when its value reaches the threshold. */
export type PrefixClass = "positive" | "negative";

/**
 * The class of a math prefix once it is decided by the completions so far, else
 * `undefined`: positive as soon as `threshold` completions reached the label,
 * negative as soon as the ones left cannot get it there.
 *
 * @example Two of three decide the paper's first-iteration class
 * ```ts
 * import { prefixClass } from "./values.ts";
 * import assert from "node:assert";
 * const rule = { completions: 3, threshold: 2 };
 * assert.equal(prefixClass([1, 1], rule), "positive");
 * assert.equal(prefixClass([0, 0], rule), "negative");
 * assert.equal(prefixClass([1, 0], rule), undefined); // the third decides
 * ```
 */
export function prefixClass(
  values: readonly number[],
  rule: { completions: number; threshold: number },
): PrefixClass | undefined {
  const reached = mathPrefixValue(values);
  if (reached >= rule.threshold) return "positive";
  if (reached + (rule.completions - values.length) < rule.threshold) return "negative";
  return undefined;
}

/**
 * How many completions to ask for first when stopping early: the fewest that can
 * decide the class either way (`min(threshold, completions − threshold + 1)`).
 *
 * @example
 * ```ts
 * import { firstDraw } from "./values.ts";
 * import assert from "node:assert";
 * assert.equal(firstDraw({ completions: 3, threshold: 2 }), 2);
 * assert.equal(firstDraw({ completions: 3, threshold: 1 }), 1);
 * ```
 */
export function firstDraw(rule: { completions: number; threshold: number }): number {
  const need = Math.min(rule.threshold, rule.completions - rule.threshold + 1);
  return Math.max(1, Math.min(rule.completions, need));
}
