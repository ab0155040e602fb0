/**
 * The run's executor, which the execute stage runs every program through: the local
 * sandbox pool, or, with `--nats`, remote workers; either way the execution cache
 * lives in the run database, so a resumed run repeats no execution.
 *
 * @module
 */
import {
  type Executable,
  type Executed,
  type ExecuteOptions,
  ExecutionCache,
  type ExecutionResult,
  type Executor,
  type Failure,
  type Metrics,
  type Problem,
  type ProblemDetailRecorder,
  problemExecutions,
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

/**
 * The run's executor (local pool or remote workers), started on first use; the
 * execute stage takes it like any {@link Executor}.
 */
export class RecipeExecutor implements Executor {
  readonly #options: RecipeExecutorOptions;
  #executor?: Promise<Executor>;
  #remote?: RemoteExecutor;

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

  /**
   * Programs of one problem in flight at once: twice the local pool's processes, or
   * up to `maxOutstanding` with remote workers.
   */
  get programsAtOnce(): number {
    const { remote, size } = this.#options;
    return remote
      ? remote.maxOutstanding
      : 2 * Math.max(1, size ?? navigator.hardwareConcurrency ?? 1);
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
      return this.#remote;
    }
    return await SandboxPool.start({
      ...(this.#options.size ? { size: this.#options.size } : {}),
      timeoutMs,
      memoryMb,
      cache,
      metrics,
    });
  }

  /** Runs a program on its inputs on the started executor ({@link Executor.execute}). */
  async execute(job: ProgramJob, options?: ExecuteOptions): Promise<ExecutionResult[]> {
    return (await this.executor()).execute(job, options);
  }

  /** Keeps an executed item's results for the dashboard's problem detail. */
  record = (item: Executed<Executable>): void => {
    this.#options.details?.record(item.problem.id, problemExecutions(item));
  };

  /** Problems whose programs could not be run, left unfinished ({@link unfinished}). */
  get unexecuted(): number {
    return this.#unexecuted;
  }

  #unexecuted = 0;

  /**
   * The execute stages' failure sink: a problem whose programs could not be run
   * (a `sandbox_error`, an executor that failed) is not a result. It leaves the
   * stream unfinished, so that a re-run runs it again; it is said on stderr and
   * counted in `pfpo_problems_unexecuted_total`.
   */
  unfinished = ({ item, error }: Failure<{ problem: Problem }>): void => {
    this.#unexecuted++;
    this.#options.metrics.counter(
      "pfpo_problems_unexecuted_total",
      "Problems left unfinished because their programs could not be run",
    ).inc();
    console.error(`\nProblem ${item.problem.id} left unfinished: ${error.message}`);
  };

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
