/**
 * Fixtures for comparing the sandbox with native CPython on real model-written
 * programs (`../shared/data`): HumanEval samples and canonical solutions run with
 * their `check()` (the human-eval harness pattern: one `python3` subprocess per
 * program), and APPS programs judged the way the APPS harness does. Shared by
 * `tests/sandbox_fidelity_test.ts` (a subset) and `bench/sandbox.ts` (everything).
 *
 * @module
 */
import { cutAtStops, DEFAULT_CONTINUATION_STOPS } from "../src/code/program.ts";
import { readJsonl } from "../src/io/jsonl.ts";
import { entryPointName } from "../src/model/problem.ts";
import type { ExecutionResult } from "../src/model/execution.ts";
import {
  canonicalJson,
  sameOutput,
  sameValue,
  type SandboxJob,
  type SandboxPool,
} from "../sandbox/mod.ts";

/** The shared data folder (read in place, never copied). */
export const DATA_DIR = new URL("../../shared/data/", import.meta.url);

/** Whether `../shared/data` is present (tests skip without it). */
export function hasData(): boolean {
  try {
    return Deno.statSync(new URL("humaneval/HumanEval.jsonl", DATA_DIR)).isFile;
  } catch {
    return false;
  }
}

/** Wall-clock limit per HumanEval program, as in the human-eval harness. */
export const HUMANEVAL_TIMEOUT_MS = 3000;

/** One HumanEval program with its gold test code. */
export interface HumanEvalProgram {
  task_id: string;
  /** Sample index, or -1 for the canonical solution. */
  sample: number;
  code: string;
  test_code: string;
  entry_point: string;
}

interface HumanEvalTask {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

/** The tasks of a file in HumanEval's format (HumanEval, MBPP sanitized), by id. */
async function functionTasks(
  file = "humaneval/HumanEval.jsonl",
): Promise<Map<string, HumanEvalTask>> {
  const tasks = new Map<string, HumanEvalTask>();
  for await (const task of readJsonl<HumanEvalTask>(new URL(file, DATA_DIR).pathname)) {
    tasks.set(task.task_id, task);
  }
  return tasks;
}

/**
 * The reference solutions of a file in HumanEval's format with their tests, the entry
 * point trimmed as the dataset reader trims it.
 */
async function canonical(file?: string): Promise<HumanEvalProgram[]> {
  return [...(await functionTasks(file)).values()].map((task) => ({
    task_id: task.task_id,
    sample: -1,
    code: task.prompt + task.canonical_solution,
    test_code: task.test,
    entry_point: entryPointName(task.entry_point, "entry_point"),
  }));
}

/** The 164 canonical solutions with their tests. */
export function humanEvalCanonical(): Promise<HumanEvalProgram[]> {
  return canonical();
}

/** MBPP sanitized: the 427 reference solutions with their tests. */
export function mbppCanonical(): Promise<HumanEvalProgram[]> {
  return canonical("mbpp/mbpp_sanitized.jsonl");
}

/** Options for {@link humanEvalSamples}. */
export interface HumanEvalSampleOptions {
  /** Samples per task, from the first. Default 20. */
  perTask?: number;
  /** Most tasks, from the first. Default all 82. */
  tasks?: number;
}

/** Model samples, each cut at the first stop sequence as the data README says. */
export async function humanEvalSamples(
  options: HumanEvalSampleOptions = {},
): Promise<HumanEvalProgram[]> {
  const tasks = await functionTasks();
  const programs: HumanEvalProgram[] = [];
  const path = new URL("humaneval_samples/solutions_dev.jsonl", DATA_DIR).pathname;
  let taskCount = 0;
  for await (const row of readJsonl<{ task_id: string; prompt: string; samples: string[] }>(path)) {
    if (taskCount++ >= (options.tasks ?? Infinity)) break;
    const task = tasks.get(row.task_id)!;
    for (const [sample, completion] of row.samples.slice(0, options.perTask ?? 20).entries()) {
      programs.push({
        task_id: row.task_id,
        sample,
        code: row.prompt + cutAtStops(completion, DEFAULT_CONTINUATION_STOPS),
        test_code: task.test,
        entry_point: task.entry_point,
      });
    }
  }
  return programs;
}

/** The sandbox job for a HumanEval program. */
export function humanEvalJob(
  program: HumanEvalProgram,
  timeoutMs: number = HUMANEVAL_TIMEOUT_MS,
): SandboxJob {
  return {
    language: "python",
    code: program.code,
    test_code: program.test_code,
    entry_point: program.entry_point,
    timeout_ms: timeoutMs,
  };
}

/** How a native run ended. */
export interface NativeOutcome {
  passed: boolean;
  timedOut: boolean;
  stderr: string;
}

/**
 * Runs a HumanEval program the way the human-eval / LiveCodeBench harnesses do:
 * a fresh `python3` subprocess per program (program + test + `check(entry_point)`),
 * killed at the time limit; passing means exit status 0.
 */
export async function runNative(
  program: HumanEvalProgram,
  timeoutMs: number = HUMANEVAL_TIMEOUT_MS,
): Promise<NativeOutcome> {
  const source = `${program.code}\n\n${program.test_code}\n\ncheck(${program.entry_point})\n`;
  const child = new Deno.Command("python3", {
    args: ["-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source)).catch(() => {});
  await writer.close().catch(() => {});
  const output = await child.output().catch(() => undefined);
  clearTimeout(timer);
  const stderr = output ? new TextDecoder().decode(output.stderr) : "";
  return { passed: !timedOut && output?.success === true, timedOut, stderr };
}

/** Runs `fn` over `items` with at most `concurrency` at a time; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await fn(items[at]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** APPS's upstream verdict codes: pass, fail, runtime error, compile error. */
export type AppsVerdict = true | false | -1 | -2;

/** One model-written APPS program with its upstream verdict. */
export interface AppsProgram {
  problem: string;
  index: number;
  code: string;
  upstream: AppsVerdict;
  upstream_error: string;
}

export interface AppsTests {
  inputs: unknown[];
  outputs: unknown[];
  fn_name?: string;
}

/** APPS's per-test time limit (its harness's `timeout = 4`). */
export const APPS_TIMEOUT_MS = 4000;

/** The five APPS problems in the shared data. */
export const APPS_PROBLEMS = ["0001", "0111", "2287", "2404", "4184"];

/** Imports the APPS harness puts before call-based programs (minus numpy, which is not bundled). */
const APPS_CALL_PRELUDE = [
  "import sys, time, itertools, collections, math, fractions, random, heapq",
  "from itertools import accumulate, product, permutations, combinations",
  "from collections import Counter, OrderedDict, deque, defaultdict, ChainMap",
  "from functools import lru_cache",
  "from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2",
  "from typing import List, Tuple",
  "from heapq import *",
  "",
].join("\n");

/** A JSON value written as a Python literal. */
function pythonLiteral(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number" || typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(", ")}}`;
}

/** Reads one APPS problem's tests and model programs. */
export async function appsProblem(
  problem: string,
): Promise<{ tests: AppsTests; programs: AppsProgram[] }> {
  const dir = new URL(`apps_samples/${problem}/`, DATA_DIR);
  const tests: AppsTests = JSON.parse(await Deno.readTextFile(new URL("input_output.json", dir)));
  const generated: { code: string; result: AppsVerdict; error_type: string }[] = JSON.parse(
    await Deno.readTextFile(new URL("gen_solutions.json", dir)),
  );
  return {
    tests,
    programs: generated.map((g, index) => ({
      problem,
      index,
      code: g.code,
      upstream: g.result,
      upstream_error: g.error_type,
    })),
  };
}

/** A program's module body failed before the call (APPS counts that as a compile error). */
function failedAtLoad(result: ExecutionResult): boolean {
  const frame = /File "<program>", line \d+, in (\S+)/.exec(result.stderr);
  return frame?.[1] === "<module>";
}

/**
 * An APPS stdio program as the APPS harness runs it: import lines stay at the top,
 * every other line moves into `def code():`, which is then called.
 */
function appsStdioProgram(code: string): string {
  let program = APPS_CALL_PRELUDE;
  let started = false;
  for (const line of code.split("\n")) {
    const isImport = line.startsWith("from ") || line.startsWith("import ");
    if (!isImport && !started) {
      program += "stdin = sys.stdin\nstdout = sys.stdout\ndef code():\n";
      started = true;
    }
    program += isImport && !started ? `${line}\n` : `\t${line}\n`;
  }
  return started ? `${program}code()\n` : program;
}

/**
 * The sandbox job that runs an APPS program on one test input as the APPS harness
 * does: call-based problems call `fn_name` (through `Solution()` when the program
 * defines that class); stdio programs are wrapped in a function.
 */
export function appsJob(tests: AppsTests, program: AppsProgram, input: unknown): SandboxJob {
  if (tests.fn_name) {
    const method = /^\s*class Solution\b/m.test(program.code);
    const code = `${APPS_CALL_PRELUDE}${program.code}\n\ndef __apps_entry(*args):\n    return ${
      method ? `Solution().${tests.fn_name}` : tests.fn_name
    }(*args)\n`;
    const args = (input as unknown[]).map(pythonLiteral).join(", ");
    return {
      language: "python",
      code,
      call: { entry_point: "__apps_entry", args },
      timeout_ms: APPS_TIMEOUT_MS,
    };
  }
  return {
    language: "python",
    code: appsStdioProgram(program.code),
    stdin: String(input),
    timeout_ms: APPS_TIMEOUT_MS,
  };
}

const SEVERITY: AppsVerdict[] = [true, false, -1, -2];

/**
 * Judges one APPS program the way the APPS harness does: every test is run (here
 * each in a fresh execution) and the verdict is the worst one (compile error, then
 * runtime error or timeout, then wrong answer). Call-based problems call `fn_name`
 * (through `Solution()` when the program defines that class) and compare the
 * return value with the expected one or with its first element; stdio programs are
 * wrapped in a function as the harness does and their output lines compared
 * ignoring surrounding whitespace. A runtime error in a call-based program's module
 * body counts as a compile error, as upstream.
 */
export async function judgeApps(
  pool: SandboxPool,
  tests: AppsTests,
  program: AppsProgram,
): Promise<{
  verdict: AppsVerdict;
  detail: string;
}> {
  let worst: { verdict: AppsVerdict; detail: string } = { verdict: true, detail: "" };
  const record = (verdict: AppsVerdict, detail: string) => {
    if (SEVERITY.indexOf(verdict) > SEVERITY.indexOf(worst.verdict)) worst = { verdict, detail };
  };
  for (const [i, input] of tests.inputs.entries()) {
    const result = await pool.run(appsJob(tests, program, input));
    if (result.status === "compile_error") return { verdict: -2, detail: result.stderr };
    if (result.status !== "ok") {
      const atLoad = tests.fn_name && result.status === "runtime_error" && failedAtLoad(result);
      record(atLoad ? -2 : -1, `test ${i}: ${result.status}: ${result.stderr.slice(-300)}`);
      continue;
    }
    const expected = tests.outputs[i];
    const passed = tests.fn_name
      ? sameValue(result.return_value ?? "", canonicalJson(expected)) ||
        (Array.isArray(expected) && expected.length > 0 &&
          sameValue(result.return_value ?? "", canonicalJson(expected[0])))
      : sameOutput(result.stdout.trim(), String(expected).trim(), { match: "lines" });
    if (!passed) record(false, `test ${i}: got ${result.return_value ?? result.stdout}`);
  }
  return worst;
}
