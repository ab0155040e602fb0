/**
 * Sandbox jobs: one program run on one input, in the shape `deno task exec` reads.
 *
 * @module
 */
import { FieldError } from "../src/errors.ts";
import { CODE_LANGUAGES, type CodeLanguage, FUNCTION_NAME } from "../src/model/problem.ts";
import { parsePythonArgs } from "../src/code/python_literal.ts";
import type { RunMode, WireInput, WireProgram } from "./protocol.ts";

/** A function call: `entry_point` called with a Python literal argument list. */
export interface SandboxCall {
  /** Name of the function the program defines. */
  entry_point: string;
  /** Arguments as a Python literal argument list, e.g. `[1, 2], 3`. */
  args: string;
}

/**
 * One execution: a program and how to drive it. With `call`, the function is
 * called and its return value reported; with `test_code` (e.g. a
 * `def check(candidate)` block), the test code runs after the program and, when
 * `entry_point` is given, `check(<entry_point>)` is called; passing means it ran to
 * the end. Otherwise the program reads `stdin` and its stdout is captured.
 */
export interface SandboxJob {
  /** The program's language. */
  language: CodeLanguage;
  /** The program's source. */
  code: string;
  /** Standard input. Default empty. */
  stdin?: string;
  /** Call this function with these arguments and report its return value. */
  call?: SandboxCall;
  /** Gold test code appended to the program. */
  test_code?: string;
  /** For `test_code`: the function passed to `check`. */
  entry_point?: string;
  /** Wall-clock limit; the pool's default when absent. */
  timeout_ms?: number;
  /** Memory limit; the pool's default when absent. */
  memory_mb?: number;
}

/** Limits a pool applies to jobs that do not set their own. */
export interface SandboxLimits {
  /** Wall-clock limit per execution. Default 5000 ms. */
  timeoutMs?: number;
  /** Memory per execution (WebAssembly heap for Python, JS heap for JavaScript). Default 512 MiB. */
  memoryMb?: number;
  /** Cap on stdout and on stderr, each. Default 1 MiB. */
  maxOutputBytes?: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  timeoutMs: 5000,
  memoryMb: 512,
  maxOutputBytes: 1 << 20,
};

const MAX_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_MEMORY_MB = 3072;

function optionalString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new FieldError(field, "must be a string");
  return value;
}

function optionalLimit(
  record: Record<string, unknown>,
  field: string,
  max: number,
): number | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new FieldError(field, `must be a positive number of at most ${max}`);
  }
  return value;
}

function identifier(value: string, field: string): string {
  if (!FUNCTION_NAME.test(value)) throw new FieldError(field, "must be an identifier");
  return value;
}

/**
 * Validates a parsed JSON value as a {@link SandboxJob}, throwing a
 * {@link FieldError} that names the field at fault. Call arguments are checked to
 * be a Python literal argument list.
 *
 * @example Validate a function-call job
 * ```ts
 * import { parseSandboxJob } from "./job.ts";
 * import assert from "node:assert";
 * const job = parseSandboxJob({ language: "python", code: "def f(x): return x", call: { entry_point: "f", args: "[1]" } });
 * assert.equal(job.call?.entry_point, "f");
 * assert.throws(() => parseSandboxJob({ language: "cobol", code: "" }), /language/);
 * ```
 */
export function parseSandboxJob(value: unknown): SandboxJob {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError("job", "must be an object");
  }
  const record = value as Record<string, unknown>;
  const language = record.language;
  if (typeof language !== "string" || !(CODE_LANGUAGES as readonly string[]).includes(language)) {
    throw new FieldError("language", `must be one of ${CODE_LANGUAGES.join(", ")}`);
  }
  const code = optionalString(record, "code");
  if (code === undefined) throw new FieldError("code", "is missing");
  const job: SandboxJob = { language: language as CodeLanguage, code };
  const stdin = optionalString(record, "stdin");
  if (stdin !== undefined) job.stdin = stdin;
  if (record.call !== undefined && record.call !== null) {
    const call = record.call as Record<string, unknown>;
    if (typeof call !== "object" || Array.isArray(call)) {
      throw new FieldError("call", "must be an object");
    }
    const entry = optionalString(call, "entry_point");
    if (entry === undefined) throw new FieldError("call.entry_point", "is missing");
    const args = optionalString(call, "args") ?? "";
    try {
      parsePythonArgs(args);
    } catch (error) {
      throw new FieldError(
        "call.args",
        `is not a Python argument list: ${(error as Error).message}`,
      );
    }
    job.call = { entry_point: identifier(entry, "call.entry_point"), args };
  }
  const testCode = optionalString(record, "test_code");
  if (testCode !== undefined) job.test_code = testCode;
  const entryPoint = optionalString(record, "entry_point");
  if (entryPoint !== undefined) job.entry_point = identifier(entryPoint, "entry_point");
  const timeout = optionalLimit(record, "timeout_ms", MAX_TIMEOUT_MS);
  if (timeout !== undefined) job.timeout_ms = timeout;
  const memory = optionalLimit(record, "memory_mb", MAX_MEMORY_MB);
  if (memory !== undefined) job.memory_mb = memory;
  return job;
}

/** What groups inputs into one program: everything but the input itself. */
export type WireProgramBase = Omit<WireProgram, "id" | "inputs">;

/**
 * One execution split into the program it runs (every limit resolved) and its input,
 * as the sandbox process receives them.
 */
export function toWire(
  job: SandboxJob,
  limits: Required<SandboxLimits>,
): { program: WireProgramBase; input: WireInput } {
  let mode: RunMode = "stdio";
  let entryPoint = "";
  if (job.call) {
    mode = "call";
    entryPoint = job.call.entry_point;
  } else if (job.test_code !== undefined) {
    mode = "test";
    entryPoint = job.entry_point ?? "";
  }
  return {
    program: {
      language: job.language,
      mode,
      code: job.code,
      test_code: job.test_code ?? "",
      entry_point: entryPoint,
      timeout_ms: job.timeout_ms ?? limits.timeoutMs,
      memory_mb: job.memory_mb ?? limits.memoryMb,
      max_output_bytes: limits.maxOutputBytes,
    },
    input: { stdin: job.stdin ?? "", args: job.call?.args ?? "" },
  };
}
