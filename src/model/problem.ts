/**
 * Problems: the unit of work that flows into a pipeline (DESIGN.md data contract).
 *
 * @module
 */
import { FieldError } from "../errors.ts";
import {
  asRecord,
  optionalString,
  optionalStringArray,
  requireOneOf,
  requireString,
} from "./fields.ts";

/**
 * What a dataset says about a problem besides its content (source, difficulty,
 * release date, …): scalar values by the dataset's own names. The `eval` recipe
 * reports figures by `difficulty`.
 */
export type ProblemMeta = Record<string, string | number | boolean>;

/** A math problem; `answer` is the gold final answer when known. */
export interface MathProblem {
  /** The problem's id, unique in its dataset (`gsm8k/12`). */
  id: string;
  /** A math problem. */
  kind: "math";
  /** The question, as the policy model is asked it. */
  prompt: string;
  /** The gold final answer, when known. */
  answer?: string;
  /** What the dataset says about the problem besides its content. */
  meta?: ProblemMeta;
}

/** Languages a code problem may ask for. */
export const CODE_LANGUAGES = ["python", "javascript", "typescript"] as const;
/** A language the sandbox runs. */
export type CodeLanguage = typeof CODE_LANGUAGES[number];

/** A test case with an expected output (gold or frontier-written). */
export interface TestCase {
  /** Stdin text, or a call's arguments as a Python literal (function style). */
  input: string;
  /** The expected stdout, or the call's expected return value as a Python literal. */
  output: string;
}

/** What code problems of both test styles have. */
export interface CodeProblemBase {
  /** The problem's id, unique in its dataset (`humaneval/12`). */
  id: string;
  /** A code problem. */
  kind: "code";
  /** The language the program is written in. */
  language: CodeLanguage;
  /** The task, as the policy model is asked it (a base model continues it). */
  prompt: string;
  /** Test cases with expected outputs. */
  tests?: TestCase[];
  /** Test inputs without outputs (e.g. LLM-generated, for self-consistency). */
  test_inputs?: string[];
  /** Gold test code defining `check(candidate)`. */
  test_code?: string;
  /** What the dataset says about the problem besides its content. */
  meta?: ProblemMeta;
}

/** A code problem whose program reads stdin and writes stdout. */
export interface StdioCodeProblem extends CodeProblemBase {
  /** The program reads stdin and writes stdout. */
  style: "stdio";
}

/**
 * A code problem whose program defines `entry_point`; an input is the argument
 * list as a Python literal (what sits between the call's parentheses).
 */
export interface FunctionCodeProblem extends CodeProblemBase {
  /** The program defines a function that each test calls. */
  style: "function";
  /** The name of the function each test calls. */
  entry_point: string;
}

/** A code problem in either test style. */
export type CodeProblem = StdioCodeProblem | FunctionCodeProblem;

/** Any problem. */
export type Problem = MathProblem | CodeProblem;

/**
 * Validates a parsed JSON value as a {@link Problem}, throwing a {@link FieldError}
 * that names the field at fault.
 *
 * @example Parse a math problem
 * ```ts
 * import { parseProblem } from "./problem.ts";
 * import assert from "node:assert";
 * const p = parseProblem({ id: "gsm8k/1", kind: "math", prompt: "1+1?", answer: "2" });
 * assert.equal(p.kind, "math");
 * ```
 */
export function parseProblem(value: unknown): Problem {
  const record = asRecord(value);
  const id = requireString(record, "id");
  const kind = requireOneOf(record, "kind", ["math", "code"] as const);
  const prompt = requireString(record, "prompt");
  const meta = parseMeta(record.meta);
  if (kind === "math") {
    const answer = optionalString(record, "answer");
    return {
      id,
      kind,
      prompt,
      ...(answer !== undefined ? { answer } : {}),
      ...(meta ? { meta } : {}),
    };
  }
  const language = requireOneOf(record, "language", CODE_LANGUAGES);
  const style = requireOneOf(record, "style", ["stdio", "function"] as const);
  const base = { id, kind, language, prompt } as const;
  const extras: Partial<CodeProblemBase> = {};
  const tests = parseTests(record.tests);
  if (tests) extras.tests = tests;
  const testInputs = optionalStringArray(record, "test_inputs");
  if (testInputs) extras.test_inputs = testInputs;
  const testCode = optionalString(record, "test_code");
  if (testCode !== undefined) extras.test_code = testCode;
  if (meta) extras.meta = meta;
  if (style === "function") {
    return {
      ...base,
      style,
      entry_point: entryPointName(requireString(record, "entry_point"), "entry_point"),
      ...extras,
    };
  }
  return { ...base, style, ...extras };
}

/** A function name as Python and JavaScript write one. */
export const FUNCTION_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A dataset's function name for a problem, without the spaces some datasets leave around
 * it (MBPP's task 6 has `"is_Power_Of_Two "`, which no program defines).
 *
 * @throws {FieldError} naming `field` when `text` is not a function name.
 *
 * @example Trim a dataset's function name
 * ```ts
 * import { entryPointName } from "./problem.ts";
 * import assert from "node:assert";
 * assert.equal(entryPointName("is_Power_Of_Two ", "entry_point"), "is_Power_Of_Two");
 * assert.throws(() => entryPointName("f(x)", "entry_point"), /entry_point/);
 * ```
 */
export function entryPointName(text: string, field: string): string {
  const name = text.trim();
  if (!FUNCTION_NAME.test(name)) {
    throw new FieldError(field, `must be a function name, got ${JSON.stringify(text)}`);
  }
  return name;
}

function parseMeta(value: unknown): ProblemMeta | undefined {
  if (value === undefined || value === null) return undefined;
  const meta = asRecord(value, "meta");
  for (const [key, item] of Object.entries(meta)) {
    if (!["string", "number", "boolean"].includes(typeof item)) {
      throw new FieldError(`meta.${key}`, "must be a string, number or boolean");
    }
  }
  return meta as ProblemMeta;
}

function parseTests(value: unknown): TestCase[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new FieldError("tests", "must be an array");
  return value.map((item, i) => {
    const test = asRecord(item, `tests[${i}]`);
    for (const key of ["input", "output"] as const) {
      if (typeof test[key] !== "string") {
        throw new FieldError(`tests[${i}].${key}`, "must be a string");
      }
    }
    return { input: test.input as string, output: test.output as string };
  });
}
