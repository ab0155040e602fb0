/**
 * Reading test inputs and test cases that an LLM wrote: JSON (bare, fenced or
 * embedded in prose), or `assert f(...) == ...` lines. Every input is checked
 * against the problem's style — a stdio input must be a string, a function input
 * must be a Python literal argument list — and what fails is dropped and counted by
 * reason.
 *
 * @module
 */
import { codeBlocks } from "../code/program.ts";
import {
  parsePythonArgs,
  parsePythonLiteral,
  scanPythonArgs,
  scanPythonLiteral,
} from "../code/python_literal.ts";
import type { CodeProblem, TestCase } from "../model/problem.ts";

/** Why a generated input or test was dropped. */
export type DropReason =
  /** An input or output that is not a string. */
  | "not_a_string"
  /** A function-style input that is not a Python literal argument list. */
  | "not_python_args"
  /** A function-style expected output that is not a Python literal. */
  | "not_python_literal"
  /** An input seen before in the same answer. */
  | "duplicate"
  /** An `assert` line that is not `f(...) == literal` (or cut off). */
  | "unparsable_assert";

/** Inputs or tests kept, and how many were dropped for each reason. */
export interface Validated<T> {
  /** What passed validation, in the order written, without duplicates. */
  kept: T[];
  /** Dropped items by reason. */
  dropped: Partial<Record<DropReason, number>>;
}

/**
 * Finds the JSON value in a model's answer: the whole text, else the last fenced
 * block that parses, else the first balanced `{…}` or `[…]` that parses.
 *
 * @example JSON inside prose and a fence
 * ```ts
 * import { findJson } from "./test_cases.ts";
 * import assert from "node:assert";
 * const fence = "`".repeat(3);
 * assert.deepEqual(findJson(`Sure:\n${fence}json\n{"inputs": ["1"]}\n${fence}`), { inputs: ["1"] });
 * assert.deepEqual(findJson('The list is [1, 2] as requested.'), [1, 2]);
 * assert.equal(findJson("no json here"), undefined);
 * ```
 */
export function findJson(text: string): unknown {
  const whole = tryJson(text.trim());
  if (whole !== undefined) return whole;
  for (const block of codeBlocks(text).reverse()) {
    const value = tryJson(block.code.trim());
    if (value !== undefined) return value;
  }
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "{" && text[i] !== "[") continue;
    const end = balancedEnd(text, i);
    if (end === undefined) continue;
    const value = tryJson(text.slice(i, end));
    if (value !== undefined) return value;
  }
  return undefined;
}

function tryJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The offset just past the bracket group opening at `start`, respecting JSON strings. */
function balancedEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** The list under the first of `keys`, a bare list, or an object's only list. */
function listIn(value: unknown, keys: readonly string[]): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of keys) if (Array.isArray(record[key])) return record[key] as unknown[];
  const lists = Object.values(record).filter(Array.isArray);
  return lists.length === 1 ? lists[0] : undefined;
}

/** Gathers kept items (one per input) and dropped counts. */
class Collector<T> {
  readonly result: Validated<T> = { kept: [], dropped: {} };
  readonly #seen = new Set<string>();

  drop(reason: DropReason): void {
    this.result.dropped[reason] = (this.result.dropped[reason] ?? 0) + 1;
  }

  /** Keeps `item` unless its `input` was kept before (then it is a duplicate). */
  keep(input: string, item: T): void {
    if (this.#seen.has(input)) return this.drop("duplicate");
    this.#seen.add(input);
    this.result.kept.push(item);
  }
}

/**
 * Checks one input against the problem's style: a stdio input must be a string; a
 * function input must be a string holding a Python literal argument list.
 */
export function checkInput(problem: CodeProblem, input: unknown): DropReason | undefined {
  if (typeof input !== "string") return "not_a_string";
  if (problem.style === "function") {
    try {
      parsePythonArgs(input);
    } catch {
      return "not_python_args";
    }
  }
  return undefined;
}

/**
 * Reads generated test inputs from a model's answer (`{"inputs": [...]}`, a bare
 * list, or JSON inside prose) and keeps those valid for the problem's style.
 * Returns `undefined` when the answer holds no list of inputs at all.
 *
 * @example Keep the inputs that parse as argument lists
 * ```ts
 * import { parseGeneratedInputs } from "./test_cases.ts";
 * import assert from "node:assert";
 * const problem = {
 *   id: "f", kind: "code" as const, language: "python" as const, style: "function" as const,
 *   entry_point: "f", prompt: "",
 * };
 * const result = parseGeneratedInputs('{"inputs": ["[1, 2], 3", "[1, 2], 3", "oops(", 5]}', problem);
 * assert.deepEqual(result?.kept, ["[1, 2], 3"]);
 * assert.deepEqual(result?.dropped, { duplicate: 1, not_python_args: 1, not_a_string: 1 });
 * ```
 */
export function parseGeneratedInputs(
  text: string,
  problem: CodeProblem,
): Validated<string> | undefined {
  const list = listIn(findJson(text), ["inputs", "test_inputs", "tests"]);
  if (!list) return undefined;
  const collector = new Collector<string>();
  for (const item of list) {
    const input = typeof item === "object" && item !== null && "input" in item
      ? (item as { input: unknown }).input
      : item;
    const reason = checkInput(problem, input);
    if (reason) collector.drop(reason);
    else collector.keep(input as string, input as string);
  }
  return collector.result;
}

/**
 * Reads generated test cases (`{"tests": [{"input", "output"}]}` or a bare list) and
 * keeps the valid ones: inputs checked as in {@link checkInput}; a stdio output must
 * be a string, a function output a Python literal (given as a string). For a
 * function-style problem whose answer holds no JSON, `assert` lines are read with
 * {@link parseAssertTests}. Returns `undefined` when the answer holds neither.
 */
export function parseGeneratedTests(
  text: string,
  problem: CodeProblem,
): Validated<TestCase> | undefined {
  const list = listIn(findJson(text), ["tests", "test_cases", "cases"]);
  if (!list) {
    if (problem.style !== "function") return undefined;
    const code = codeBlocks(text).map((block) => block.code).join("\n");
    return parseAssertTests(code || text, { entryPoint: problem.entry_point });
  }
  const collector = new Collector<TestCase>();
  for (const item of list) {
    const record = typeof item === "object" && item !== null ? item as Record<string, unknown> : {};
    const input = record.input;
    const output = record.output ?? record.expected_output ?? record.expected;
    const reason = checkInput(problem, input) ?? checkOutput(problem, output);
    if (reason) collector.drop(reason);
    else collector.keep(input as string, { input: input as string, output: output as string });
  }
  return collector.result;
}

function checkOutput(problem: CodeProblem, output: unknown): DropReason | undefined {
  if (typeof output !== "string") return "not_a_string";
  if (problem.style === "function") {
    try {
      parsePythonLiteral(output);
    } catch {
      return "not_python_literal";
    }
  }
  return undefined;
}

/** Options for {@link parseAssertTests}. */
export interface ParseAssertOptions {
  /** The function under test. `candidate` is always accepted too. */
  entryPoint: string;
}

/**
 * Reads `assert f(args) == expected` statements (also `expected == f(args)` and
 * `f(args) is True/False/None`, with an optional message after a comma) into test
 * cases whose input is the argument list's source text and whose output is the
 * expected value's source text. Statements start at `assert` at the start of a line
 * (or of the text) and may continue on the next lines, as in model-written tests
 * that continue a prompt ending in `assert `. Statements that are cut off, use
 * placeholders or other expressions are dropped as `unparsable_assert`; repeated
 * inputs as `duplicate`; bare `assert` lines are ignored.
 *
 * @example Two tests, one placeholder dropped
 * ```ts
 * import { parseAssertTests } from "./test_cases.ts";
 * import assert from "node:assert";
 * const text = "assert f([1, 2]) == 3, 'sum'\nassert ____ == f([])\nassert f([]) == 0\n";
 * const result = parseAssertTests(text, { entryPoint: "f" });
 * assert.deepEqual(result.kept, [{ input: "[1, 2]", output: "3" }, { input: "[]", output: "0" }]);
 * assert.deepEqual(result.dropped, { unparsable_assert: 1 });
 * ```
 */
export function parseAssertTests(text: string, options: ParseAssertOptions): Validated<TestCase> {
  const collector = new Collector<TestCase>();
  const starts = [...text.matchAll(/(?:^|\n)[ \t]*assert\b/g)].map((m) => m.index + m[0].length);
  starts.forEach((start, i) => {
    const end = i + 1 < starts.length ? text.lastIndexOf("assert", starts[i + 1] - 1) : text.length;
    const statement = text.slice(start, end);
    if (statement.trim() === "") return; // a bare `assert` line holds no test
    const test = parseAssert(statement, options.entryPoint);
    if (test) collector.keep(test.input, test);
    else collector.drop("unparsable_assert");
  });
  return collector.result;
}

const SPACE = /\s*/y;

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

/** Reads `name(args)` at `at`; returns the args' source and the offset past `)`. */
function readCall(
  text: string,
  at: number,
  names: string[],
): { input: string; end: number } | undefined {
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
  if (!match || !names.includes(match[0])) return undefined;
  let open = skipSpace(text, at + match[0].length);
  if (text[open] !== "(") return undefined;
  open++;
  const scan = scanPythonArgs(text, open);
  return { input: text.slice(open, scan.end).trim(), end: scan.end + 1 };
}

function readLiteral(text: string, at: number): { output: string; end: number } {
  const scan = scanPythonLiteral(text, at);
  return { output: text.slice(at, scan.end).trim(), end: scan.end };
}

/** True when the statement's line ends at `at`, or a `, message` or a comment follows. */
function endsStatement(text: string, at: number): boolean {
  const next = /^[ \t]*(.?)/.exec(text.slice(at))![1];
  return next === "" || next === "\n" || next === "\r" || next === "," || next === "#";
}

function parseAssert(statement: string, entryPoint: string): TestCase | undefined {
  const names = [entryPoint, "candidate"];
  try {
    const start = skipSpace(statement, 0);
    const call = readCall(statement, start, names);
    if (call) {
      const op = skipSpace(statement, call.end);
      if (statement.startsWith("==", op)) {
        const expected = readLiteral(statement, skipSpace(statement, op + 2));
        return endsStatement(statement, expected.end)
          ? { input: call.input, output: expected.output }
          : undefined;
      }
      const is = /^is\s+(True|False|None)\b/.exec(statement.slice(op));
      if (is && endsStatement(statement, op + is[0].length)) {
        return { input: call.input, output: is[1] };
      }
      return undefined;
    }
    const expected = readLiteral(statement, start);
    const op = skipSpace(statement, expected.end);
    if (!statement.startsWith("==", op)) return undefined;
    const reversed = readCall(statement, skipSpace(statement, op + 2), names);
    return reversed && endsStatement(statement, reversed.end)
      ? { input: reversed.input, output: expected.output }
      : undefined;
  } catch {
    return undefined;
  }
}
