/**
 * What a math vote tells about its label beyond who leads: the leading group's
 * share of all samples, its margin over the runner-up and how scattered the other
 * answers are. These features, through a model calibrated on data with gold
 * answers, give the probability that the label is right.
 *
 * @module
 */

/** The features of an answer group, each in [0, 1] whatever the number of samples. */
export interface AnswerGroupFeatures {
  /** The group's votes over all samples drawn (samples without an answer count). */
  share: number;
  /** Its votes minus the biggest other group's, over all samples drawn (0 when behind). */
  margin: number;
  /** Distinct answers beyond the first, over the samples drawn beyond the first. */
  scatter: number;
}

/** The names of {@link AnswerGroupFeatures}, in the order models use them. */
export const ANSWER_GROUP_FEATURES = ["share", "margin", "scatter"] as const;

/**
 * The features of group `group` of a vote with `counts` votes per group over
 * `samples` samples drawn.
 *
 * @example A 5-of-8 leader over a runner-up with 2
 * ```ts
 * import { answerGroupFeatures } from "./answer_groups.ts";
 * import assert from "node:assert";
 * const f = answerGroupFeatures([5, 2, 1], 0, 8);
 * assert.deepEqual(f, { share: 0.625, margin: 0.375, scatter: 2 / 7 });
 * ```
 */
export function answerGroupFeatures(
  counts: readonly number[],
  group: number,
  samples: number,
): AnswerGroupFeatures {
  const votes = counts[group] ?? 0;
  const other = Math.max(0, ...counts.filter((_, i) => i !== group));
  const drawn = Math.max(samples, counts.reduce((a, b) => a + b, 0), 1);
  return {
    share: votes / drawn,
    margin: Math.max(0, votes - other) / drawn,
    scatter: drawn > 1 ? Math.max(0, counts.length - 1) / (drawn - 1) : 0,
  };
}
