/**
 * The step pair stages: a problem's valued prefixes become (chosen, rejected) step
 * pairs by the paper's rules ({@link mathStepPairs}, {@link codeStepPairs}), as
 * pair drafts for the pair log (`drafts`, as the solution-level pair stage adds them).
 *
 * @module
 */
import type { StageMetrics } from "../metrics/metrics.ts";
import type { PairDraft } from "../model/pair.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import {
  type CodeStepPairOptions,
  codeStepPairs,
  type MathStepPairOptions,
  mathStepPairs,
  type ValuedPrefix,
} from "../steps/step_pairs.ts";
import type { Paired } from "./pair.ts";

/** What a step pair stage needs from an item: its valued prefixes. */
export interface ValuedPrefixes {
  /** Each prefix with its completions' values. */
  valued: readonly ValuedPrefix[];
}

/** Options for {@link mathStepPairStage} and {@link codeStepPairStage}. */
export interface StepPairStageOptions<T, R> {
  /** The pair rule's settings for an item (prompt, label or tests, seed, iteration's rule). */
  rule: (item: T) => R;
  /** Pairs whose `confidence` is lower are dropped (`--min-confidence`). Default 0: none. */
  minConfidence?: number;
  /** Cancels the stage: it ends with an `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The math step pair stage: adds `drafts`, the item's pairs by {@link mathStepPairs}.
 *
 * @example One pair from a positive and a negative prefix
 * ```ts
 * import { mathStepPairStage } from "./step_pairs.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const prefix = (sample: number, values: number[]) => ({
 *   problem_id: "m", sample, steps: 2, of: 9, text: `prefix ${sample}`, values,
 * });
 * const [out] = await Array.fromAsync(pipe(
 *   [{ valued: [prefix(0, [1, 1, 1]), prefix(1, [0, 0, 0])] }],
 *   mathStepPairStage({
 *     rule: () => ({ prompt: "Q", run: "r", feedback: "frontier", completions: 3, label: "18" }),
 *   }),
 * ));
 * assert.deepEqual(out.drafts.map((d) => [d.chosen, d.rejected]), [["prefix 0", "prefix 1"]]);
 * ```
 */
export function mathStepPairStage<T extends ValuedPrefixes>(
  options: StepPairStageOptions<T, MathStepPairOptions>,
): Stage<T, Paired<T>> {
  return pairStage(options, mathStepPairs);
}

/**
 * The code step pair stage: adds `drafts`, the item's pairs by {@link codeStepPairs}.
 *
 * @example A chosen prefix with one more than 4 tests lower
 * ```ts
 * import { codeStepPairStage } from "./step_pairs.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const prefix = (sample: number, values: number[]) => ({
 *   problem_id: "c", sample, steps: 2, of: 9, text: `prefix ${sample}`, values,
 * });
 * const [out] = await Array.fromAsync(pipe(
 *   [{ valued: [prefix(0, [9, 9, 9]), prefix(1, [2, 2, 2])] }],
 *   codeStepPairStage({
 *     rule: () => ({ prompt: "Q", run: "r", feedback: "frontier", completions: 3, tests: 10 }),
 *   }),
 * ));
 * assert.deepEqual(out.drafts.map((d) => [d.chosen_score, d.rejected_score]), [[9, 2]]);
 * ```
 */
export function codeStepPairStage<T extends ValuedPrefixes>(
  options: StepPairStageOptions<T, CodeStepPairOptions>,
): Stage<T, Paired<T>> {
  return pairStage(options, codeStepPairs);
}

function pairStage<T extends ValuedPrefixes, R>(
  options: StepPairStageOptions<T, R>,
  pairs: (valued: readonly ValuedPrefix[], rule: R) => PairDraft[],
): Stage<T, Paired<T>> {
  const minConfidence = options.minConfidence ?? 0;
  const kept = (draft: PairDraft) =>
    minConfidence === 0 || (draft.confidence ?? 0) >= minConfidence;
  return map((item: T) => ({
    ...item,
    drafts: pairs(item.valued, options.rule(item)).filter(kept),
  }), {
    name: "step-pairs",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
