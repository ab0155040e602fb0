/**
 * Cheap checks run before an answer reaches the compute engine, for inputs whose
 * exact arithmetic would run longer than the engine's time limit can interrupt
 * (big-integer powers and factorials are computed in one uninterruptible step).
 *
 * @module
 */

import { braceGroup } from "./latex_scan.ts";

/** Most decimal digits an exact power or factorial in an answer may have. */
export const MAX_RESULT_DIGITS = 20_000;

/** Deepest nesting of `{`, `(` and `[` in `text`. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const c of text) {
    if (c === "{" || c === "(" || c === "[") max = Math.max(max, ++depth);
    else if (c === "}" || c === ")" || c === "]") depth--;
  }
  return max;
}

/**
 * The exponent starting at `index` (a brace group, a digit run or one character)
 * and the index after it.
 */
function argumentAt(text: string, index: number): { content: string; end: number } {
  if (text[index] === "{") return braceGroup(text, index) ?? { content: "", end: text.length };
  const content = /^\d+/.exec(text.slice(index))?.[0] ?? text[index] ?? "";
  return { content, end: index + content.length };
}

/**
 * A rough value of a numeric exponent: digits, or a tower of digit powers
 * (`9^{9}`); `NaN` when it has anything else (a variable, an operation), which is
 * the engine's to handle symbolically.
 */
function estimate(text: string): number {
  const inner = text.trim();
  if (/^\d+$/.test(inner)) return Number(inner);
  const power = /^(\d+)\^/.exec(inner);
  if (!power) return NaN;
  const exponent = argumentAt(inner, power[0].length);
  if (exponent.end < inner.length) return NaN;
  return Number(power[1]) ** estimate(exponent.content);
}

/**
 * Whether `text` holds an exact power or factorial too large to compute within a
 * time limit: a power `b^{e}` with more than {@link MAX_RESULT_DIGITS} digits (a
 * tower like `9^{9^{9}}` included), or `n!` with `n` over 5,000.
 *
 * @example
 * ```ts
 * import { hasHugeNumber } from "./guards.ts";
 * import assert from "node:assert";
 * assert.equal(hasHugeNumber("9^{9^{9}}+1"), true);
 * assert.equal(hasHugeNumber("2^{2023}"), false);
 * assert.equal(hasHugeNumber("x^{100000}"), false);
 * ```
 */
export function hasHugeNumber(text: string): boolean {
  for (const match of text.matchAll(/(\d*)\s*\^/g)) {
    const exponent = estimate(argumentAt(text, match.index + match[0].length).content);
    const base = match[1] === "" ? 10 : Math.max(2, Number(match[1]));
    if (match[1] === "" && !/[\d)}\]]\s*$/.test(text.slice(0, match.index))) continue;
    if (exponent * Math.log10(base) > MAX_RESULT_DIGITS) return true;
  }
  for (const match of text.matchAll(/(\d+)\s*!|\{(\d+)\}\s*!/g)) {
    if (Number(match[1] ?? match[2]) > 5_000) return true;
  }
  return false;
}
