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
