/**
 * The judge: compares what programs produced, in the parent (expected outputs
 * never enter the sandbox). Outputs are compared the way competitive-programming
 * judges do (exactly, line by line ignoring trailing whitespace, or token by token
 * with an optional float tolerance); return values by canonical value. The same
 * comparators decide whether two programs' results agree, which is what voting
 * groups by.
 *
 * @module
 */
import type { ExecutionResult, ExecutionStatus } from "../src/model/execution.ts";
import { parsePythonLiteral } from "../src/code/python_literal.ts";
import { canonicalJson } from "./canonical.ts";

/**
 * How outputs must match: `exact` byte for byte; `lines` line by line, ignoring
 * trailing whitespace on each line and trailing blank lines; `tokens` as
 * whitespace-separated tokens.
 */
export type OutputMatch = "exact" | "lines" | "tokens";

/** Options for the comparators. */
export interface CompareOptions {
  /** How stdout must match. Default `lines`. */
  match?: OutputMatch;
  /**
   * Numbers are equal when they differ by at most this much, absolutely or
   * relatively. Applies to return values and, with `match: "tokens"`, to numeric
   * tokens. Default 0 (exact).
   */
  floatTolerance?: number;
}

/** What a test expects: a stdout, a canonical return value, or both. */
export interface Expected {
  /** The expected stdout (compared as the judge's options say). */
  output?: string;
  /** Canonical JSON (see {@link canonicalJson} and {@link canonicalFromPython}). */
  return_value?: string;
}

/** A test's verdict: `pass`, `fail` (ran but wrong), or the status that stopped the run. */
export type Verdict = "pass" | "fail" | Exclude<ExecutionStatus, "ok">;

/** Verdicts for a program over a list of tests. */
export interface TestReport {
  /** Each test's verdict, in the tests' order. */
  verdicts: Verdict[];
  /** Tests passed. */
  passed: number;
  /** Tests run. */
  total: number;
}

function lines(text: string): string[] {
  const result = text.split("\n").map((line) => line.trimEnd());
  while (result.length > 0 && result[result.length - 1] === "") result.pop();
  return result;
}

function tokens(text: string): string[] {
  return text.split(/\s+/).filter((token) => token !== "");
}

function closeNumbers(a: number, b: number, tolerance: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.isNaN(a) && Number.isNaN(b);
  const diff = Math.abs(a - b);
  return diff <= tolerance || diff <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function sameToken(a: string, b: string, tolerance: number): boolean {
  if (a === b) return true;
  if (tolerance <= 0 || !NUMBER.test(a) || !NUMBER.test(b)) return false;
  return closeNumbers(Number(a), Number(b), tolerance);
}

/**
 * Whether two outputs agree under `options.match`.
 *
 * @example Line and token matching
 * ```ts
 * import { sameOutput } from "./judge.ts";
 * import assert from "node:assert";
 * assert.ok(sameOutput("1 2  \n3\n\n", "1 2\n3"));
 * assert.ok(!sameOutput("1 2\n3", "1\n2 3"));
 * assert.ok(sameOutput("1 2\n3", "1\n2 3", { match: "tokens" }));
 * assert.ok(sameOutput("0.3333333", "0.33333334", { match: "tokens", floatTolerance: 1e-6 }));
 * ```
 */
export function sameOutput(
  actual: string,
  expected: string,
  options: CompareOptions = {},
): boolean {
  const match = options.match ?? "lines";
  if (match === "exact") return actual === expected;
  if (match === "lines") {
    const a = lines(actual.replaceAll("\r\n", "\n"));
    const b = lines(expected.replaceAll("\r\n", "\n"));
    return a.length === b.length && a.every((line, i) => line === b[i]);
  }
  const a = tokens(actual);
  const b = tokens(expected);
  const tolerance = options.floatTolerance ?? 0;
  return a.length === b.length && a.every((token, i) => sameToken(token, b[i], tolerance));
}

type Value = null | boolean | number | bigint | string | Value[] | { [key: string]: Value };

/** Parses canonical JSON keeping every digit of integers (as `bigint` when not safe). */
function parseCanonical(text: string): Value {
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      const source = context?.source;
      if (source !== undefined && /^-?\d+$/.test(source)) return BigInt(source);
    }
    return value;
  });
}

function sameNumber(a: number | bigint, b: number | bigint, tolerance: number): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") {
    if (typeof a === "bigint" && typeof b === "bigint") return a === b;
    const other = (typeof a === "bigint" ? b : a) as number;
    if (Number.isInteger(other)) return BigInt(other) === (typeof a === "bigint" ? a : b);
    return closeNumbers(Number(a), Number(b), tolerance);
  }
  return closeNumbers(a, b, tolerance);
}

function sameParsed(a: Value, b: Value, tolerance: number): boolean {
  const numeric = (v: Value) => typeof v === "number" || typeof v === "bigint";
  if (numeric(a) && numeric(b)) {
    return sameNumber(a as number | bigint, b as number | bigint, tolerance);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((item, i) => sameParsed(item, b[i], tolerance));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length &&
    keys.every((key) => key in b && sameParsed(a[key], b[key], tolerance));
}

/**
 * Whether two canonical return values denote the same value (`1` and `1.0` are
 * equal; numbers within `options.floatTolerance` are equal).
 *
 * @example Canonical values
 * ```ts
 * import { sameValue } from "./judge.ts";
 * import assert from "node:assert";
 * assert.ok(sameValue("[1,2.0]", "[1.0,2]"));
 * assert.ok(!sameValue("12345678901234567890", "12345678901234567891"));
 * assert.ok(sameValue("0.30000000000000004", "0.3", { floatTolerance: 1e-9 }));
 * ```
 */
export function sameValue(actual: string, expected: string, options: CompareOptions = {}): boolean {
  if (actual === expected) return true;
  try {
    return sameParsed(
      parseCanonical(actual),
      parseCanonical(expected),
      options.floatTolerance ?? 0,
    );
  } catch {
    return false;
  }
}

/**
 * Whether two executions (e.g. of different programs on the same input) agree:
 * both ended `ok` and returned the same value, or (without return values)
 * printed the same output. This is the grouping key of self-consistency votes.
 *
 * @example Two programs that agree
 * ```ts
 * import { sameResult } from "./judge.ts";
 * import assert from "node:assert";
 * const a = { status: "ok" as const, stdout: "6\n", stderr: "", duration_ms: 3 };
 * const b = { status: "ok" as const, stdout: "6", stderr: "", duration_ms: 5 };
 * assert.ok(sameResult(a, b));
 * assert.ok(!sameResult(a, { ...b, status: "runtime_error" }));
 * ```
 */
export function sameResult(
  a: ExecutionResult,
  b: ExecutionResult,
  options: CompareOptions = {},
): boolean {
  if (a.status !== "ok" || b.status !== "ok") return false;
  if (a.return_value !== undefined || b.return_value !== undefined) {
    return a.return_value !== undefined && b.return_value !== undefined &&
      sameValue(a.return_value, b.return_value, options);
  }
  return sameOutput(a.stdout, b.stdout, options);
}

/**
 * The verdict of one execution against what its test expects. With neither an
 * output nor a return value expected (gold test code), passing means the program
 * ran to the end.
 *
 * @example Judge a run against an expected output
 * ```ts
 * import { judge } from "./judge.ts";
 * import assert from "node:assert";
 * const result = { status: "ok" as const, stdout: "42\n", stderr: "", duration_ms: 2 };
 * assert.equal(judge(result, { output: "42" }), "pass");
 * assert.equal(judge(result, { output: "41" }), "fail");
 * assert.equal(judge({ ...result, status: "timeout" }, { output: "42" }), "timeout");
 * ```
 */
export function judge(
  result: ExecutionResult,
  expected: Expected,
  options: CompareOptions = {},
): Verdict {
  if (result.status !== "ok") return result.status;
  if (expected.return_value !== undefined) {
    return result.return_value !== undefined &&
        sameValue(result.return_value, expected.return_value, options)
      ? "pass"
      : "fail";
  }
  if (expected.output !== undefined) {
    return sameOutput(result.stdout, expected.output, options) ? "pass" : "fail";
  }
  return "pass";
}

/**
 * Per-test verdicts of one program over its tests (`results[i]` is the run on test `i`).
 *
 * @example Count passed tests
 * ```ts
 * import { judgeTests } from "./judge.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const report = judgeTests([ok("1"), ok("3")], [{ output: "1" }, { output: "2" }]);
 * assert.deepEqual(report, { verdicts: ["pass", "fail"], passed: 1, total: 2 });
 * ```
 */
export function judgeTests(
  results: readonly ExecutionResult[],
  expected: readonly Expected[],
  options: CompareOptions = {},
): TestReport {
  if (results.length !== expected.length) {
    throw new RangeError(`Cannot judge ${results.length} results against ${expected.length} tests`);
  }
  const verdicts = results.map((result, i) => judge(result, expected[i], options));
  return { verdicts, passed: verdicts.filter((v) => v === "pass").length, total: verdicts.length };
}

/**
 * The canonical return value of a Python literal (e.g. an expected value written
 * as `(1, [2, 3])` or `{'a': 1}`), comparable with what function-style
 * executions report.
 *
 * @example A tuple and a list are the same canonical value
 * ```ts
 * import { canonicalFromPython } from "./judge.ts";
 * import assert from "node:assert";
 * assert.equal(canonicalFromPython("(1, [2, 3])"), "[1,[2,3]]");
 * assert.equal(canonicalFromPython("{3, 1}"), '{"$set":[1,3]}');
 * ```
 *
 * @throws {import("../src/code/python_literal.ts").PythonLiteralError} when `text` is not a literal.
 */
export function canonicalFromPython(text: string): string {
  return canonicalJson(parsePythonLiteral(text));
}
