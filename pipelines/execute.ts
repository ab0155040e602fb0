/**
 * Running a problem's programs in the sandbox: every program on every input, or
 * every program with the problem's gold `check(candidate)` code. The pool starts on
 * first use and its execution cache lives in the run database, so a resumed run
 * repeats no execution.
 *
 * @module
 */
import {
  type CodeProblem,
  ExecutionCache,
  type ExecutionResult,
  map,
  type Metrics,
  pipe,
  type ProblemDetailRecorder,
  type ProblemExecution,
  SandboxPool,
} from "../mod.ts";
import type { DatabaseSync } from "node:sqlite";
import type { SandboxJob } from "../mod.ts";

/** Options for {@link RecipeExecutor}. */
export interface RecipeExecutorOptions {
  db: DatabaseSync;
  metrics: Metrics;
  timeoutMs: number;
  memoryMb: number;
  /** Sandbox processes. Default: the core count. */
  size?: number;
  /** Where the dashboard's problem detail finds each problem's executions. */
  details?: ProblemDetailRecorder;
}

/** Runs programs for recipes; one pool per run. */
export class RecipeExecutor {
  readonly #options: RecipeExecutorOptions;
  #pool?: Promise<SandboxPool>;

  /** Creates an executor; no process starts until the first job. */
  constructor(options: RecipeExecutorOptions) {
    this.#options = options;
  }

  /** The pool, started on first use. */
  pool(): Promise<SandboxPool> {
    if (this.#pool) return this.#pool;
    const pool = SandboxPool.start({
      ...(this.#options.size ? { size: this.#options.size } : {}),
      timeoutMs: this.#options.timeoutMs,
      memoryMb: this.#options.memoryMb,
      cache: new ExecutionCache({ db: this.#options.db }),
      metrics: this.#options.metrics,
    });
    this.#pool = pool;
    return pool;
  }

  /**
   * Runs every program on every input: `results[program][input]`, `undefined` for
   * a program that could not be extracted.
   */
  async matrix(
    problem: CodeProblem,
    programs: readonly (string | undefined)[],
    inputs: readonly string[],
    signal: AbortSignal,
  ): Promise<(ExecutionResult | undefined)[][]> {
    const results = programs.map(() => new Array<ExecutionResult | undefined>(inputs.length));
    const jobs = programs.flatMap((code, p) =>
      code === undefined
        ? []
        : inputs.map((input, i) => ({ p, i, job: inputJob(problem, code, input) }))
    );
    await this.#runAll(jobs, signal, (p, i, result) => (results[p][i] = result));
    if (this.#options.details) {
      const executions: ProblemExecution[] = [];
      results.forEach((row, sample_index) =>
        row.forEach((result, i) =>
          result && executions.push({ sample_index, input: inputs[i], result })
        )
      );
      this.#options.details.record(problem.id, { problem, executions });
    }
    return results;
  }

  /** Runs every program with the problem's `test_code` (`check(entry_point)`). */
  async check(
    problem: CodeProblem,
    programs: readonly (string | undefined)[],
    signal: AbortSignal,
  ): Promise<(ExecutionResult | undefined)[]> {
    const results = new Array<ExecutionResult | undefined>(programs.length);
    const jobs = programs.flatMap((code, p) =>
      code === undefined || problem.test_code === undefined ? [] : [{
        p,
        i: 0,
        job: {
          language: problem.language,
          code,
          test_code: problem.test_code,
          ...(problem.style === "function" ? { entry_point: problem.entry_point } : {}),
        } satisfies SandboxJob,
      }]
    );
    await this.#runAll(jobs, signal, (p, _i, result) => (results[p] = result));
    return results;
  }

  async #runAll(
    jobs: { p: number; i: number; job: SandboxJob }[],
    signal: AbortSignal,
    put: (p: number, i: number, result: ExecutionResult) => void,
  ): Promise<void> {
    if (jobs.length === 0) return;
    const pool = await this.pool();
    const runs = pipe(
      jobs,
      map(async ({ p, i, job }) => ({ p, i, result: await pool.run(job, { signal }) }), {
        concurrency: pool.size * 2,
        ordered: false,
        signal,
      }),
    );
    for await (const { p, i, result } of runs) put(p, i, result);
  }

  /** Stops the sandbox processes. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}

/** The sandbox job of a program on one test input, per the problem's style. */
export function inputJob(problem: CodeProblem, code: string, input: string): SandboxJob {
  return problem.style === "function"
    ? { language: problem.language, code, call: { entry_point: problem.entry_point, args: input } }
    : { language: problem.language, code, stdin: input };
}
