/**
 * The real-data sets of the feedback benchmark, loaded into one shape: per code task
 * the matrix of execution results (program × test input) with each program's gold
 * verdict, per math problem its samples with the gold answer. Executions go through
 * the sandbox pool with a persistent execution cache (`/tmp/pfpo-bench-feedback.db`
 * by default), so a second run re-labels without running any program again.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import {
  type ExecutionResult,
  extractAnswer,
  extractProgram,
  isEquivalent,
  parseAssertTests,
  readJsonl,
  type Sample,
  type SandboxJob,
  type TestCase,
} from "../../mod.ts";
import { APPS_PROBLEMS, appsJob, appsProblem } from "../../tests/sandbox_fidelity.ts";

/** Where the shared data sits. */
export const DATA = new URL("../../../shared/data/", import.meta.url).pathname;

/** Runs one sandbox job (the pool's `run`, through its cache). */
export type Run = (job: SandboxJob) => Promise<ExecutionResult>;

/**
 * A {@link Run} through the benchmark's own result table (`bench_results`, keyed
 * by the job itself), so that changes to the sandbox's cache keys do not make the
 * benchmark run every program again.
 */
export function cachedRun(db: DatabaseSync, run: Run): Run {
  db.exec("CREATE TABLE IF NOT EXISTS bench_results (key TEXT PRIMARY KEY, result TEXT NOT NULL)");
  const select = db.prepare("SELECT result FROM bench_results WHERE key = ?");
  const insert = db.prepare("INSERT OR REPLACE INTO bench_results (key, result) VALUES (?, ?)");
  return async (job) => {
    const key = createHash("sha256").update(JSON.stringify(job)).digest("hex");
    const row = select.get(key);
    if (row) return JSON.parse(String(row.result)) as ExecutionResult;
    const result = await run(job);
    if (result.status !== "sandbox_error") insert.run(key, JSON.stringify(result));
    return result;
  };
}

/** One code task: its programs run on its test inputs, with gold verdicts. */
export interface CodeTask {
  id: string;
  prompt: string;
  /** The samples (completions) the programs came from, by index. */
  samples: Sample[];
  /** The test inputs the programs ran on. */
  inputs: string[];
  /** Results by program, then input. */
  results: ExecutionResult[][];
  /** Whether each program passes the gold tests. */
  passes: boolean[];
  /** Model-written expected outputs of the inputs (HumanEval's generated asserts), canonical. */
  asserted?: (string | undefined)[];
}

interface HumanEvalRecord {
  task_id: string;
  prompt: string;
  test: string;
  entry_point: string;
}

interface TaskSamples {
  task_id: string;
  prompt: string;
  samples: string[];
}

/** Generated test inputs used per task (the paper uses about ten). */
const MAX_TESTS = 10;
/** Wall-clock limit per execution. */
const TIMEOUT_MS = 3000;

/**
 * The task's generated tests, at most `limit`: each model-written run continues a
 * prompt ending in `assert `; tests are taken round-robin over the runs (the first
 * test of every run, then the second, …) so that they come from many runs, and an
 * input seen before is skipped.
 */
function assertTests(entryPoint: string, runs: readonly string[], limit: number): TestCase[] {
  const parsed = runs.map((text) => parseAssertTests(`assert ${text}`, { entryPoint }).kept);
  const byInput = new Map<string, TestCase>();
  const rounds = Math.max(0, ...parsed.map((tests) => tests.length));
  for (let round = 0; round < rounds && byInput.size < limit; round++) {
    for (const tests of parsed) {
      const test = tests[round];
      if (test && !byInput.has(test.input) && byInput.size < limit) byInput.set(test.input, test);
    }
  }
  return [...byInput.values()];
}

/**
 * HumanEval × CodeGen-16B (82 tasks, 100 programs each): inputs from the model's
 * generated asserts, truth from HumanEval's `check()`.
 */
export async function* humanEvalTasks(
  run: Run,
  options: { limit?: number; canonical: (s: string) => string },
): AsyncGenerator<CodeTask> {
  const dir = `${DATA}humaneval_samples/`;
  const humaneval = new Map<string, HumanEvalRecord>();
  for await (const r of readJsonl<HumanEvalRecord>(`${DATA}humaneval/HumanEval.jsonl`)) {
    humaneval.set(r.task_id, r);
  }
  const testRuns = readJsonl<TaskSamples>(`${dir}test_cases_dev.jsonl`)[Symbol.asyncIterator]();
  let count = 0;
  for await (const solutions of readJsonl<TaskSamples>(`${dir}solutions_dev.jsonl`)) {
    if (count++ >= (options.limit ?? Infinity)) break;
    const tests = (await testRuns.next()).value as TaskSamples;
    const task = humaneval.get(solutions.task_id)!;
    if (tests.task_id !== task.task_id) throw new Error(`Task order differs at ${task.task_id}`);
    const python = { language: "python" as const, timeout_ms: TIMEOUT_MS };
    const cases = assertTests(task.entry_point, tests.samples, MAX_TESTS);
    const inputs = cases.map((c) => c.input);
    const samples: Sample[] = solutions.samples.map((completion, index) => ({
      problem_id: task.task_id,
      index,
      completion,
    }));
    const codes = samples.map((s) =>
      extractProgram(s.completion, { ...python, mode: "continuation", prompt: task.prompt })!
    );
    const distinct = [...new Set(codes)];
    const [runs, checks] = await Promise.all([
      Promise.all(distinct.map((code) =>
        Promise.all(
          inputs.map((args) =>
            run({ ...python, code, call: { entry_point: task.entry_point, args } })
          ),
        )
      )),
      Promise.all(
        distinct.map((code) =>
          run({ ...python, code, test_code: task.test, entry_point: task.entry_point })
        ),
      ),
    ]);
    const at = new Map(distinct.map((code, i) => [code, i]));
    yield {
      id: task.task_id,
      prompt: task.prompt,
      samples,
      inputs,
      results: codes.map((code) => runs[at.get(code)!]),
      passes: codes.map((code) => checks[at.get(code)!].status === "ok"),
      asserted: cases.map((c) => options.canonical(c.output)),
    };
  }
}

/** The five APPS problems: the gold tests' inputs, truth from the upstream verdicts. */
export async function* appsTasks(run: Run): AsyncGenerator<CodeTask> {
  for (const name of APPS_PROBLEMS) {
    const { tests, programs } = await appsProblem(name);
    const results = await Promise.all(
      programs.map((program) =>
        Promise.all(tests.inputs.map((input) => run(appsJob(tests, program, input))))
      ),
    );
    yield {
      id: `apps/${name}`,
      prompt: name,
      samples: programs.map((p) => ({
        problem_id: `apps/${name}`,
        index: p.index,
        completion: p.code,
      })),
      inputs: tests.inputs.map((input) => JSON.stringify(input)),
      results,
      passes: programs.map((p) => p.upstream === true),
    };
  }
}

/** One math problem with its samples and gold answer. */
export interface MathItem {
  id: string;
  prompt: string;
  gt: string;
  samples: Sample[];
  /** Whether each sample is right against the gold answer. */
  right: boolean[];
}

const samplesOf = (id: string, completions: readonly string[]): Sample[] =>
  completions.map((completion, index) => ({ problem_id: id, index, completion }));

/** The 50 MATH problems × 8 Qwen2.5-Math samples, with `gt`. */
export async function qwenMath(): Promise<MathItem[]> {
  const items: MathItem[] = [];
  const path = `${DATA}math_samples/math_cot_dev.jsonl`;
  for await (
    const r of readJsonl<{ idx: number; question: string; gt: string; response: string[] }>(path)
  ) {
    const id = `math_cot/${r.idx}`;
    const samples = samplesOf(id, r.response);
    items.push({ id, prompt: r.question, gt: r.gt, samples, right: rightness(samples, r.gt) });
  }
  return items;
}

/** The answer after `A: ` (GSM8K's model solutions) or `#### `. */
export function gsm8kAnswer(text: string): string | undefined {
  const match = /(?:^|\n)(?:A:|####)\s*([^\n]+)\s*$/.exec(text.trim());
  return match?.[1].replace(/[$,]/g, "").trim() || undefined;
}

type GsmRecord = Record<string, string | { solution: string }>;

/** The 1,319 GSM8K test problems × 4 GPT-3 solutions, with the reference answer. */
export async function gsm8kSamples(limit = Infinity): Promise<MathItem[]> {
  const items: MathItem[] = [];
  const models = ["6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"];
  let n = 0;
  const path = `${DATA}gsm8k/model_solutions.jsonl`;
  for await (const r of readJsonl<GsmRecord>(path)) {
    if (n >= limit) break;
    const id = `gsm8k/${n++}`;
    const completions = models.map((m) => (r[m] as { solution: string }).solution);
    const gt = gsm8kAnswer(r.ground_truth as string)!;
    const samples = samplesOf(id, completions);
    items.push({ id, prompt: r.question as string, gt, samples, right: rightness(samples, gt) });
  }
  return items;
}

/** Whether each sample's final answer is the gold answer. */
function rightness(samples: readonly Sample[], gt: string): boolean[] {
  return samples.map((s) => {
    const answer = mathAnswer(s.completion);
    return answer !== undefined && isEquivalent(gt, answer);
  });
}

/** A completion's final answer: `\boxed{}` or a closing `A: …` line. */
export function mathAnswer(completion: string): string | undefined {
  return extractAnswer(completion) ?? gsm8kAnswer(completion);
}
