/**
 * The confidence of a step pair: the probability that its chosen prefix leads to a
 * right answer more often than its rejected one does, given the label (or the tests)
 * the completions were checked against is right, times the probability that it is.
 *
 * A prefix's success rate θ has a uniform prior, updated by its completions: a math
 * completion succeeds when it reaches the label; a code completion counts its share
 * of the tests passed, and the prefix's successes are those shares summed and
 * rounded. P(θ chosen > θ rejected) is then exact for the two Beta posteriors.
 *
 * @module
 */

/** A prefix's completions: how many succeeded of how many. */
export interface CompletionTally {
  /** Completions that succeeded. */
  successes: number;
  /** Completions drawn. */
  trials: number;
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** log Γ(n) for an integer n ≥ 1. */
function logGamma(n: number): number {
  let sum = 0;
  for (let k = 2; k < n; k++) sum += Math.log(k);
  return sum;
}

/**
 * P(X > Y) for independent X ~ Beta(a1, b1) and Y ~ Beta(a2, b2), integer
 * parameters ≥ 1: Σ_{i<a1} B(a2 + i, b1 + b2) / ((b1 + i) B(1 + i, b1) B(a2, b2)).
 *
 * @example Two uniform rates: one half
 * ```ts
 * import { betaGreater } from "./step_confidence.ts";
 * import assert from "node:assert";
 * assert.ok(Math.abs(betaGreater(1, 1, 1, 1) - 0.5) < 1e-12);
 * assert.ok(betaGreater(4, 1, 1, 4) > 0.95);
 * ```
 */
export function betaGreater(a1: number, b1: number, a2: number, b2: number): number {
  let sum = 0;
  for (let i = 0; i < a1; i++) {
    sum += Math.exp(
      logBeta(a2 + i, b1 + b2) - Math.log(b1 + i) - logBeta(1 + i, b1) - logBeta(a2, b2),
    );
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * A step pair's confidence: `labelConfidence` (P(the label or tests are right);
 * 1 for gold) × P(the chosen prefix's success rate exceeds the rejected one's).
 *
 * @example Three of three completions against none of three
 * ```ts
 * import { stepPairConfidence } from "./step_confidence.ts";
 * import assert from "node:assert";
 * const strong = stepPairConfidence({ successes: 3, trials: 3 }, { successes: 0, trials: 3 });
 * const weak = stepPairConfidence({ successes: 2, trials: 3 }, { successes: 1, trials: 3 });
 * assert.ok(strong > 0.95 && weak < strong);
 * assert.equal(stepPairConfidence({ successes: 3, trials: 3 }, { successes: 0, trials: 3 }, 0.5), strong / 2);
 * ```
 */
export function stepPairConfidence(
  chosen: CompletionTally,
  rejected: CompletionTally,
  labelConfidence = 1,
): number {
  const beta = (t: CompletionTally) => {
    const successes = Math.min(Math.max(Math.round(t.successes), 0), t.trials);
    return [successes + 1, t.trials - successes + 1] as const;
  };
  const [a1, b1] = beta(chosen);
  const [a2, b2] = beta(rejected);
  return labelConfidence * betaGreater(a1, b1, a2, b2);
}
