/**
 * Running a problem's programs: every program on every input, or every program with
 * the problem's gold `check(candidate)` code. Programs run in the local sandbox pool,
 * or, with `--nats`, on remote workers; either way the execution cache lives in the
 * run database, so a resumed run repeats no execution.
 *
 * @module
 */
import {
  type CodeProblem,
  ExecutionCache,
  type ExecutionResult,
  type Executor,
  map,
  type Metrics,
  pipe,
  type ProblemDetailRecorder,
  type ProblemExecution,
  type ProgramInput,
  type ProgramJob,
  RemoteExecutor,
  type RemoteStatus,
  SandboxPool,
} from "../mod.ts";
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";

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
  /** Run programs on remote workers through this broker instead of a local pool. */
  remote?: {
    url: string;
    /** The run directory: its results come back to this run only. */
    runDir: string;
    token?: string;
    ackWaitMs: number;
    maxDeliver: number;
    maxOutstanding: number;
  };
}

/** Runs programs for recipes; one executor (local pool or remote workers) per run. */
export class RecipeExecutor {
  readonly #options: RecipeExecutorOptions;
  #executor?: Promise<Executor>;
  #remote?: RemoteExecutor;
  #concurrency = 1;

  /** Creates an executor; nothing starts until the first job (or {@link executor}). */
  constructor(options: RecipeExecutorOptions) {
    this.#options = options;
  }

  /** The executor, started on first use: remote workers with `remote`, else a local pool. */
  executor(): Promise<Executor> {
    this.#executor ??= this.#start();
    return this.#executor;
  }

  /**
   * Problems a recipe works on at once: 4 for the local pool (enough to keep it busy),
   * more with remote workers, so that the fleet can have up to `maxOutstanding`
   * programs (about ten per problem) at a time.
   */
  get problemsAtOnce(): number {
    const remote = this.#options.remote;
    return remote ? Math.max(4, Math.ceil(remote.maxOutstanding / 10)) : 4;
  }

  /** Broker, workers and outstanding jobs, when programs run remotely. */
  remoteStatus(): RemoteStatus | undefined {
    return this.#remote?.status();
  }

  async #start(): Promise<Executor> {
    const { remote, db, metrics, timeoutMs, memoryMb } = this.#options;
    const cache = new ExecutionCache({ db });
    if (remote) {
      this.#remote = await RemoteExecutor.connect({
        url: remote.url,
        runId: runId(remote.runDir),
        ...(remote.token ? { token: remote.token } : {}),
        cache,
        limits: { timeoutMs, memoryMb },
        delivery: { ackWaitMs: remote.ackWaitMs, maxDeliver: remote.maxDeliver },
        maxOutstanding: remote.maxOutstanding,
        metrics,
      });
      this.#concurrency = remote.maxOutstanding;
      return this.#remote;
    }
    const pool = await SandboxPool.start({
      ...(this.#options.size ? { size: this.#options.size } : {}),
      timeoutMs,
      memoryMb,
      cache,
      metrics,
    });
    this.#concurrency = pool.size * 2;
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
      code === undefined || inputs.length === 0 ? [] : [{
        p,
        job: {
          language: problem.language,
          code,
          inputs: inputs.map((input) => programInput(problem, input)),
        },
      }]
    );
    await this.#runAll(jobs, signal, (p, row) => row.forEach((r, i) => (results[p][i] = r)));
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
        job: {
          language: problem.language,
          code,
          inputs: [{
            test_code: problem.test_code,
            ...(problem.style === "function" ? { entry_point: problem.entry_point } : {}),
          }],
        },
      }]
    );
    await this.#runAll(jobs, signal, (p, row) => (results[p] = row[0]));
    return results;
  }

  async #runAll(
    jobs: { p: number; job: ProgramJob }[],
    signal: AbortSignal,
    put: (p: number, results: ExecutionResult[]) => void,
  ): Promise<void> {
    if (jobs.length === 0) return;
    const executor = await this.executor();
    const runs = pipe(
      jobs,
      map(async ({ p, job }) => ({ p, results: await executor.execute(job, { signal }) }), {
        concurrency: this.#concurrency,
        ordered: false,
        signal,
      }),
    );
    for await (const { p, results } of runs) put(p, results);
  }

  /** Stops the sandbox processes, or the connection to the broker. */
  async close(): Promise<void> {
    const executor = this.#executor;
    this.#executor = undefined;
    this.#remote = undefined;
    if (executor) await (await executor.catch(() => undefined))?.close();
  }
}

/** A stable id for a run directory (its results subject and durable consumer). */
function runId(dir: string): string {
  let path = dir;
  try {
    path = Deno.realPathSync(dir);
  } catch { /* not created yet: the path as given */ }
  return createHash("sha256").update(path).digest("hex").slice(0, 16);
}

/** How a program is driven on one test input, per the problem's style. */
export function programInput(problem: CodeProblem, input: string): ProgramInput {
  return problem.style === "function"
    ? { call: { entry_point: problem.entry_point, args: input } }
    : { stdin: input };
}
