/**
 * The unbiased pass@k estimator (Chen et al., 2021).
 *
 * @module
 */

/**
 * The probability that at least one of `k` samples drawn without replacement from
 * `n` samples, `c` of them correct, is correct: 1 − C(n−c, k) / C(n, k), computed
 * as a stable product.
 *
 * @example pass@1 is the share of correct samples
 * ```ts
 * import { passAtK } from "./pass_at_k.ts";
 * import assert from "node:assert";
 * assert.equal(passAtK(10, 3, 1).toFixed(12), "0.300000000000");
 * assert.equal(passAtK(10, 8, 5), 1);
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k))) {
    throw new RangeError(
      `Cannot compute pass@k: n, c and k must be integers, got ${n}, ${c}, ${k}`,
    );
  }
  if (c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`Cannot compute pass@${k} with n = ${n} and c = ${c}`);
  }
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}
