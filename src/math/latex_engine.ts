/**
 * The symbolic part: `@cortex-js/compute-engine` parses an expression's LaTeX to
 * canonical MathJSON and evaluates it numerically at fixed sample points of its free
 * variables. Two expressions whose values agree at every sample point are equal
 * after simplification (the chance of a coincidence at three irrational-looking
 * points is negligible for answers). Every call runs under the engine's time limit.
 *
 * @module
 */

import { CancellationError, ComputeEngine, isNumber } from "@cortex-js/compute-engine";

/** A complex value; real answers have `im` 0. */
export interface Complex {
  re: number;
  im: number;
}

/** What the engine made of an expression. */
export type Evaluation =
  /** Values at the sample points, and the canonical MathJSON as text. */
  | { status: "values"; values: Complex[]; variables: readonly string[]; structure: string }
  /** Parsed, but with no finite numeric value (unknown functions, huge powers). */
  | { status: "symbolic"; structure: string }
  /** Not valid LaTeX for the engine. */
  | { status: "invalid" }
  /** The time limit ran out. */
  | { status: "timeout" }
  /** The engine failed while evaluating (e.g. a number too large for it). */
  | { status: "failed" };

/** Number of sample points for expressions with free variables. */
export const SAMPLE_POINTS = 3;

let engine: ComputeEngine | undefined;

/**
 * Starts the engine if it has not started (its first parse loads its dictionaries:
 * up to a second on a loaded machine) and returns how long that took, in
 * milliseconds, so that callers can keep start-up out of their time limits.
 */
export function startEngine(): number {
  if (engine) return 0;
  const start = performance.now();
  engine = new ComputeEngine();
  engine.parse("\\frac{x+1}{2}<\\sqrt{2}").N();
  return performance.now() - start;
}

function getEngine(): ComputeEngine {
  startEngine();
  return engine!;
}

/** A value in [0.6, 2.6) for `variable` at sample point `point`, the same every run. */
function sampleValue(variable: string, point: number): number {
  let hash = 2166136261 ^ point;
  for (let i = 0; i < variable.length; i++) {
    hash = Math.imul(hash ^ variable.charCodeAt(i), 16777619);
  }
  return 0.6 + ((hash >>> 0) % 100_003) / 50_001.5 + 0.0001 * point;
}

function isFiniteComplex(value: Complex): boolean {
  return Number.isFinite(value.re) && Number.isFinite(value.im);
}

/**
 * Parses `latex` with the compute engine and evaluates it at the sample points,
 * within `timeLimitMs` milliseconds. Never throws.
 *
 * @example Equal after simplification
 * ```ts
 * import { evaluateLatex } from "./latex_engine.ts";
 * import assert from "node:assert";
 * const a = evaluateLatex("\\frac{x+1}{2}", { timeLimitMs: 1000 });
 * const b = evaluateLatex("0.5x+0.5", { timeLimitMs: 1000 });
 * assert(a.status === "values" && b.status === "values");
 * assert(Math.abs(a.values[2].re - b.values[2].re) < 1e-12);
 * ```
 */
export function evaluateLatex(latex: string, options: { timeLimitMs: number }): Evaluation {
  const ce = getEngine();
  try {
    return ce.withTimeLimit({ ms: options.timeLimitMs, label: "pfpo-math" }, () => {
      const expr = ce.parse(latex);
      if (!expr.isValid) return { status: "invalid" } as const;
      const structure = JSON.stringify(expr.json);
      const variables = expr.unknowns;
      const values: Complex[] = [];
      for (let point = 0; point < SAMPLE_POINTS; point++) {
        if (variables.length === 0 && point > 0) {
          values.push(values[0]);
          continue;
        }
        const substitution: Record<string, number> = {};
        for (const variable of variables) substitution[variable] = sampleValue(variable, point);
        const value = (variables.length === 0 ? expr : expr.subs(substitution)).N();
        const complex = { re: value.re, im: value.im };
        if (!isFiniteComplex(complex)) return { status: "symbolic", structure } as const;
        values.push(complex);
      }
      return { status: "values", values, variables, structure } as const;
    });
  } catch (error) {
    return { status: error instanceof CancellationError ? "timeout" : "failed" };
  }
}

/**
 * Whether `a - b` evaluates exactly to zero, for constants too large for doubles to
 * tell apart (`2^{100}` vs its digits, `\lfloor 10^{100}\pi\rfloor` vs that plus
 * one): `true`, `false`, or `undefined` when the engine cannot say within
 * `timeLimitMs`. Never throws.
 *
 * @example
 * ```ts
 * import { exactlyEqual } from "./latex_engine.ts";
 * import assert from "node:assert";
 * assert.equal(exactlyEqual("2^{100}", "1267650600228229401496703205376", { timeLimitMs: 1000 }), true);
 * assert.equal(exactlyEqual("2^{100}", "1267650600228229401496703205377", { timeLimitMs: 1000 }), false);
 * ```
 */
export function exactlyEqual(
  a: string,
  b: string,
  options: { timeLimitMs: number },
): boolean | undefined {
  const ce = getEngine();
  try {
    return ce.withTimeLimit({ ms: options.timeLimitMs, label: "pfpo-math" }, () => {
      const difference = ce.box(["Subtract", ce.parse(a).json, ce.parse(b).json]).evaluate();
      if (difference.is(0)) return true;
      return isNumber(difference) && difference.isFinite === true ? false : undefined;
    });
  } catch {
    return undefined;
  }
}
