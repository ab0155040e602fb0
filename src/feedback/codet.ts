/**
 * CodeT's dual agreement (Chen et al., 2022): given model-written test cases with
 * expected outputs, programs that pass exactly the same tests form a consensus set,
 * scored by the number of its programs times the number of tests they pass; each
 * program takes its set's score.
 *
 * @module
 */

/**
 * Each program's dual-agreement score. `passes[p][t]` says whether program `p`
 * passes test `t`; a program without results (`undefined`) scores 0.
 *
 * @example A wrong majority on one test loses to a smaller set passing more
 * ```ts
 * import { dualAgreement } from "./codet.ts";
 * import assert from "node:assert";
 * const scores = dualAgreement([
 *   [true, true, true], [true, true, true],          // 2 programs × 3 tests = 6
 *   [true, false, false], [true, false, false], [true, false, false], // 3 × 1 = 3
 * ]);
 * assert.deepEqual(scores, [6, 6, 3, 3, 3]);
 * ```
 */
export function dualAgreement(passes: readonly (readonly boolean[] | undefined)[]): number[] {
  const sets = new Map<string, number>();
  const keys = passes.map((row) => row?.map((p) => p ? "1" : "0").join(""));
  for (const key of keys) if (key !== undefined) sets.set(key, (sets.get(key) ?? 0) + 1);
  return keys.map((key) =>
    key === undefined ? 0 : sets.get(key)! * [...key].filter((c) => c === "1").length
  );
}

/**
 * Dual agreement with the clusters' trust in place of their size: each program
 * scores its cluster's probability of being right (`trust[p]`, from
 * `CodeTrust.trust`, which reads the outputs on every input, not only the tests)
 * times one plus the model-written tests it passes. Where no test is passed or
 * none parses, the ranking is the trust's; where the tests agree with a small
 * cluster that the other programs back input by input, that cluster wins over a
 * bigger one. A program without results (`undefined`) scores 0.
 *
 * @example A smaller trusted set beats a bigger one passing as many tests
 * ```ts
 * import { dualAgreement, trustedDualAgreement } from "./codet.ts";
 * import assert from "node:assert";
 * const passes = [[true, true], [true, true], [true, true], [true, false], [true, false]];
 * // Three programs agree with two wrong tests; CodeT ranks them first.
 * assert.deepEqual(dualAgreement(passes), [6, 6, 6, 2, 2]);
 * const scores = trustedDualAgreement(passes, [0.1, 0.1, 0.1, 0.9, 0.9]);
 * assert.ok(scores[3] > scores[0]);
 * ```
 */
export function trustedDualAgreement(
  passes: readonly (readonly boolean[] | undefined)[],
  trust: readonly number[],
): number[] {
  return passes.map((row, p) =>
    row === undefined ? 0 : (trust[p] ?? 0) * (1 + row.filter(Boolean).length)
  );
}
