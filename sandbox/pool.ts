/**
 * The sandbox pool: warm sandbox processes that run untrusted programs one job
 * each at a time, replaced when they die, misbehave or can no longer guarantee
 * isolation.
 *
 * @module
 */
import { AbortedError, PfpoError } from "../src/errors.ts";
import type { ExecutionResult, ExecutionStatus } from "../src/model/execution.ts";
import type { Metrics } from "../src/metrics/metrics.ts";
import { ExecutionCache } from "./cache.ts";
import { DEFAULT_LIMITS, type SandboxJob, type SandboxLimits, toWireJob } from "./job.ts";
import { SandboxProcess, SandboxStartError } from "./process.ts";
import { type ExecuteOptions, type Executor, type ProgramJob, sandboxJobs } from "./executor.ts";

/** The pool was closed, or too many jobs are waiting. */
export class SandboxPoolError extends PfpoError {}

/** Options for {@link SandboxPool.start}. */
export interface SandboxPoolOptions extends SandboxLimits {
  /** Number of sandbox processes. Default: the core count. */
  size?: number;
  /** Results of identical jobs are taken from here and stored here. Default: none. */
  cache?: ExecutionCache;
  /** Where to count executions, pool size and durations. Default: none. */
  metrics?: Metrics;
  /** Most jobs waiting for a free process before `run` throws. Default 100000. */
  maxQueued?: number;
  /** Most time a process may take to start. Default 120000 ms. */
  startTimeoutMs?: number;
}

/** Options for {@link SandboxPool.run}. */
export interface SandboxRunOptions {
  /** Cancels the job: removed from the queue, or its process killed and replaced. */
  signal?: AbortSignal;
}

interface Waiter {
  resolve(process: SandboxProcess): void;
  reject(error: Error): void;
}

/**
 * Smallest JS heap a sandbox process gets (its supervisor holds the Pyodide snapshot
 * while starting); a job's smaller `memory_mb` is then enforced by the resident-memory
 * watch.
 */
const MIN_HEAP_MB = 512;

/** Consecutive start failures after which the pool stops trying. */
const MAX_START_FAILURES = 3;

/**
 * A pool of sandbox processes (see `sandbox_process.ts`). Each process is a Deno
 * subprocess with `--no-prompt` and no permission except reading the Pyodide
 * package and the sandbox's scripts; Python runs on a warm Pyodide interpreter
 * inside it, JavaScript and TypeScript in a fresh worker per job.
 *
 * @example Run a Python program on stdin
 * ```ts
 * import { SandboxPool } from "./pool.ts";
 * import assert from "node:assert";
 * await using pool = await SandboxPool.start({ size: 1 });
 * const result = await pool.run({ language: "python", code: "print(int(input()) * 2)", stdin: "21\n" });
 * assert.equal(result.status, "ok");
 * assert.equal(result.stdout, "42\n");
 * ```
 */
export class SandboxPool implements Executor, AsyncDisposable {
  readonly #size: number;
  readonly #limits: Required<SandboxLimits>;
  readonly #cache?: ExecutionCache;
  readonly #metrics?: Metrics;
  readonly #maxQueued: number;
  readonly #startTimeoutMs: number;
  readonly #idle: SandboxProcess[] = [];
  readonly #all = new Set<SandboxProcess>();
  readonly #waiters: Waiter[] = [];
  readonly #inFlight = new Map<string, Promise<ExecutionResult>>();
  readonly #spawning = new Set<Promise<SandboxProcess>>();
  #startFailures = 0;
  /** Pyodide memory snapshot (base64) from the first process, for fast starts of the others. */
  #snapshot?: string;
  #startError?: Error;
  #closed = false;
  #nextId = 1;

  private constructor(options: SandboxPoolOptions) {
    this.#size = Math.max(1, options.size ?? navigator.hardwareConcurrency ?? 1);
    this.#limits = {
      timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
      memoryMb: options.memoryMb ?? DEFAULT_LIMITS.memoryMb,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    };
    this.#cache = options.cache;
    this.#metrics = options.metrics;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 120_000;
  }

  /**
   * Starts a pool and waits until every process is warm.
   *
   * @throws {SandboxStartError} when no process can be started (e.g. Pyodide is missing).
   */
  static async start(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
    const pool = new SandboxPool(options);
    // The first process makes the Pyodide snapshot the others start from.
    const first = await Promise.allSettled([pool.#spawn()]);
    const started = [
      ...first,
      ...await Promise.allSettled(Array.from({ length: pool.#size - 1 }, () => pool.#spawn())),
    ];
    const failure = started.find((s) => s.status === "rejected");
    if (failure && started.every((s) => s.status === "rejected")) {
      await pool.close();
      throw (failure as PromiseRejectedResult).reason;
    }
    for (const outcome of started) {
      if (outcome.status === "fulfilled") pool.#release(outcome.value);
      else pool.#replenish();
    }
    return pool;
  }

  /** Number of sandbox processes the pool keeps. */
  get size(): number {
    return this.#size;
  }

  /** The limits applied to jobs that do not set their own. */
  get limits(): Required<SandboxLimits> {
    return { ...this.#limits };
  }

  /**
   * Runs one job and reports how it ended. Programs that fail, hang, flood output
   * or exhaust memory get a result with the matching status; `run` itself throws
   * only when the pool is closed or full, the signal aborts, or no sandbox process
   * can be started.
   *
   * @throws {AbortedError} when `options.signal` aborts.
   * @throws {SandboxPoolError} when the pool is closed or its queue is full.
   */
  async run(job: SandboxJob, options: SandboxRunOptions = {}): Promise<ExecutionResult> {
    const wire = toWireJob(job, this.#limits, 0);
    const key = ExecutionCache.key(wire);
    const cached = this.#cache?.get(key);
    if (cached) {
      this.#metrics?.counter(
        "pfpo_sandbox_cache_hits_total",
        "Sandbox executions answered from the cache",
      ).inc();
      return cached;
    }
    const shared = this.#inFlight.get(key);
    if (shared && !options.signal) return { ...(await shared) };
    const running = this.#execute({ ...wire, id: this.#nextId++ }, options.signal);
    if (!options.signal) {
      this.#inFlight.set(key, running);
      running.finally(() => this.#inFlight.delete(key)).catch(() => {});
    }
    const result = await running;
    this.#cache?.set(key, result);
    return { ...result };
  }

  /**
   * Runs a program on each of its inputs ({@link Executor.execute}); one result per
   * input, in input order.
   *
   * @throws {AbortedError} when `options.signal` aborts.
   * @throws {SandboxPoolError} when the pool is closed or its queue is full.
   */
  execute(job: ProgramJob, options: ExecuteOptions = {}): Promise<ExecutionResult[]> {
    return Promise.all(sandboxJobs(job).map((one) => this.run(one, options)));
  }

  /** Kills every process and rejects waiting jobs. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new SandboxPoolError("Sandbox pool is closed"));
    }
    const processes = [...this.#all];
    for (const process of processes) process.kill();
    await Promise.all([
      ...processes.map((p) => p.exited),
      // Processes still starting kill themselves once they are up (the pool is closed).
      ...[...this.#spawning].map((p) => p.catch(() => {})),
    ]);
    this.#idle.length = 0;
    this.#all.clear();
    this.#gauge();
  }

  /** Closes the pool (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #execute(
    job: Parameters<SandboxProcess["run"]>[0],
    signal?: AbortSignal,
  ): Promise<ExecutionResult> {
    signal?.throwIfAborted();
    const process = await this.#acquire(signal);
    let reusable = false;
    try {
      if (signal?.aborted) {
        reusable = true;
        throw new AbortedError(signal.reason);
      }
      const outcome = await process.run(job, signal);
      reusable = outcome.reusable && !process.dead;
      if (signal?.aborted) throw new AbortedError(signal.reason);
      this.#count(outcome.result.status, outcome.result.duration_ms);
      return outcome.result;
    } finally {
      if (reusable) this.#release(process);
      else this.#discard(process);
    }
  }

  #acquire(signal?: AbortSignal): Promise<SandboxProcess> {
    if (this.#closed) return Promise.reject(new SandboxPoolError("Sandbox pool is closed"));
    if (this.#startError) return Promise.reject(this.#startError);
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#waiters.length >= this.#maxQueued) {
      return Promise.reject(
        new SandboxPoolError(`Sandbox pool queue is full: ${this.#maxQueued} jobs wait`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (process) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(process);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new AbortedError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(process: SandboxProcess): void {
    if (this.#closed) {
      process.kill();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(process);
    else this.#idle.push(process);
  }

  #discard(process: SandboxProcess): void {
    process.kill();
    this.#all.delete(process);
    this.#gauge();
    if (!this.#closed) this.#replenish();
  }

  #replenish(): void {
    this.#spawn().then(
      (process) => this.#release(process),
      () => {
        if (this.#startError) {
          for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#startError);
        } else if (!this.#closed) {
          this.#replenish();
        }
      },
    );
  }

  #spawn(): Promise<SandboxProcess> {
    const spawning = this.#start();
    this.#spawning.add(spawning);
    spawning.finally(() => this.#spawning.delete(spawning)).catch(() => {});
    return spawning;
  }

  async #start(): Promise<SandboxProcess> {
    try {
      const process = await SandboxProcess.spawn({
        heapMb: Math.max(this.#limits.memoryMb, MIN_HEAP_MB),
        startTimeoutMs: this.#startTimeoutMs,
        snapshot: this.#snapshot,
      });
      this.#snapshot ??= process.snapshot;
      process.snapshot = undefined;
      if (this.#closed) {
        process.kill();
        await process.exited;
        throw new SandboxPoolError("Sandbox pool is closed");
      }
      this.#startFailures = 0;
      this.#all.add(process);
      this.#gauge();
      return process;
    } catch (error) {
      if (error instanceof SandboxStartError && ++this.#startFailures >= MAX_START_FAILURES) {
        this.#startError = error;
      }
      throw error;
    }
  }

  #count(status: ExecutionStatus, durationMs: number): void {
    if (!this.#metrics) return;
    this.#metrics.counter("pfpo_sandbox_executions_total", "Sandbox executions by status", [
      "status",
    ])
      .labels({ status }).inc();
    this.#metrics.histogram("pfpo_sandbox_execution_seconds", "Time one sandbox execution took")
      .observe(durationMs / 1000);
  }

  #gauge(): void {
    this.#metrics?.gauge("pfpo_sandbox_pool_size", "Live sandbox processes").set(this.#all.size);
  }
}
