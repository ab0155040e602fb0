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
import {
  DEFAULT_LIMITS,
  type SandboxJob,
  type SandboxLimits,
  toWire,
  type WireProgramBase,
} from "./job.ts";
import type { WireInput } from "./protocol.ts";
import { pyodideUrl, SandboxProcess, SandboxStartError } from "./process.ts";
import {
  defaultSnapshotDir,
  hasSnapshot,
  readSnapshot,
  removeSnapshot,
  snapshotPath,
  writeSnapshot,
} from "./snapshot_cache.ts";
import { forgetMarkedPyodide, markedPyodide } from "./marked_module.ts";
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
  /**
   * Benchmark only: skip the interpreter reset between programs (JavaScript: run the
   * next program in the same worker and context), which removes the isolation between them. Never
   * set it for untrusted programs. Default false.
   */
  unsafeSkipReset?: boolean;
  /**
   * Folder of the start-up snapshot kept across runs (Pyodide's memory after loading,
   * written by the pool, read at the next start); `null` keeps none. Default
   * `$XDG_CACHE_HOME/pfpo`, i.e. `~/.cache/pfpo` (`~/Library/Caches/pfpo` on macOS).
   */
  snapshotDir?: string | null;
  /**
   * Tests only: after each Python reset that puts back only the memory a program wrote,
   * compare all of the interpreter's memory with its pristine copy; a difference fails
   * that worker's next input with `sandbox_error`. As slow as a full reset. Default false.
   */
  checkResets?: boolean;
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

/** One input waiting for its result. */
interface Pending {
  input: WireInput;
  resolve(result: ExecutionResult): void;
  reject(error: Error): void;
}

/** Inputs of one program that go to a sandbox process together: one isolation unit. */
interface Group {
  base: WireProgramBase;
  pending: Pending[];
  signal?: AbortSignal;
  dispatched: boolean;
  /** Consecutive attempts in which a process died before running any input. */
  failures: number;
}

/** Most inputs sent as one program. */
const MAX_GROUP_INPUTS = 256;

/** Attempts without progress after which the inputs left get `sandbox_error`. */
const MAX_FAILED_ATTEMPTS = 2;

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
 * inside it, JavaScript in a fresh V8 context per program (with module syntax, and
 * TypeScript, in a fresh worker per program).
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
  /** Groups not yet sent, by program, that inputs without a signal may join. */
  readonly #open = new Map<string, Group>();
  readonly #skipReset: boolean;
  #queued = 0;
  readonly #spawning = new Set<Promise<SandboxProcess>>();
  #startFailures = 0;
  /** Pyodide memory snapshot from disk or the first process, for fast starts of the others. */
  #snapshot?: Uint8Array;
  /** The snapshot was made by this pool's first process (not read from disk). */
  #snapshotMade = false;
  /** Pyodide's module with its writes marked, for every process (see `marked_module.ts`). */
  #module?: Promise<Uint8Array | undefined>;
  /** The folder it is kept in. */
  #moduleDir?: string;
  readonly #checkResets: boolean;
  #startError?: Error;
  /** Every process of the start is up: processes started from now on bring up their reserves at once. */
  #up = false;
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
    this.#skipReset = options.unsafeSkipReset ?? false;
    this.#checkResets = options.checkResets ?? false;
  }

  /**
   * Starts a pool and waits until every process is warm.
   *
   * @throws {SandboxStartError} when no process can be started (e.g. Pyodide is missing).
   */
  static async start(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
    const pool = new SandboxPool(options);
    const dir = options.snapshotDir === undefined ? defaultSnapshotDir() : options.snapshotDir;
    const path = dir ? snapshotPath(dir, pyodideUrl()) : undefined;
    pool.#moduleDir = dir ?? undefined;
    pool.#module = markedPyodide(pyodideUrl(), pool.#moduleDir);
    // A stored snapshot is read while the processes that start from it are spawned.
    const stored = path && await hasSnapshot(path) ? readSnapshot(path) : undefined;
    const spawn = (n: number, snapshot?: Promise<Uint8Array | undefined>) =>
      Promise.allSettled(Array.from({ length: n }, () => pool.#spawn(snapshot)));
    // From a stored snapshot every process starts at once; without one the first makes it.
    let started = await spawn(stored ? pool.#size : 1, stored);
    pool.#snapshot ??= await stored;
    if (path && pool.#snapshot && started.every((s) => s.status === "rejected")) {
      // A stored snapshot no process can start from (another Pyodide build): make a new one.
      await removeSnapshot(path);
      pool.#snapshot = undefined;
      pool.#startFailures = 0;
      pool.#startError = undefined;
      started = await spawn(1);
    }
    if (path && pool.#snapshotMade && started[0].status === "fulfilled") {
      await writeSnapshot(path, pool.#snapshot!);
    }
    started.push(...await spawn(pool.#size - started.length));
    const failure = started.find((s) => s.status === "rejected");
    if (failure && started.every((s) => s.status === "rejected")) {
      await pool.close();
      throw (failure as PromiseRejectedResult).reason;
    }
    pool.#up = true;
    for (const outcome of started) {
      if (outcome.status === "fulfilled") {
        outcome.value.warm();
        pool.#release(outcome.value);
      } else pool.#replenish();
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
   * can be started. Jobs for the same program that wait at the same time run
   * together, in one isolation unit.
   *
   * @throws {AbortedError} when `options.signal` aborts.
   * @throws {SandboxPoolError} when the pool is closed or its queue is full.
   */
  async run(job: SandboxJob, options: SandboxRunOptions = {}): Promise<ExecutionResult> {
    return (await this.#runAll([job], options.signal))[0];
  }

  /**
   * Runs a program on each of its inputs ({@link Executor.execute}); one result per
   * input, in input order. The program goes to one sandbox process as one message:
   * compiled once, each input in fresh program state with its own time limit, and the
   * interpreter pristine again before the next program. Results are cached per
   * (program, input), shared with {@link SandboxPool.run}.
   *
   * @throws {AbortedError} when `options.signal` aborts.
   * @throws {SandboxPoolError} when the pool is closed or its queue is full.
   */
  execute(job: ProgramJob, options: ExecuteOptions = {}): Promise<ExecutionResult[]> {
    return this.#runAll(sandboxJobs(job), options.signal);
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

  #runAll(jobs: readonly SandboxJob[], signal?: AbortSignal): Promise<ExecutionResult[]> {
    if (this.#closed) return Promise.reject(new SandboxPoolError("Sandbox pool is closed"));
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    // Inputs with a signal share groups only with this call's other inputs.
    const groups = signal ? new Map<string, Group>() : this.#open;
    return Promise.all(jobs.map((job) => {
      const { program, input } = toWire(job, this.#limits);
      const key = ExecutionCache.key(program, input);
      const cached = this.#cache?.get(key);
      if (cached) {
        this.#metrics?.counter(
          "pfpo_sandbox_cache_hits_total",
          "Sandbox executions answered from the cache",
        ).inc();
        return Promise.resolve(cached);
      }
      const shared = signal ? undefined : this.#inFlight.get(key);
      if (shared) return shared.then((result) => ({ ...result }));
      const running = this.#enqueue(program, input, groups, signal).then((result) => {
        this.#cache?.set(key, result);
        return result;
      });
      if (!signal) {
        this.#inFlight.set(key, running);
        running.finally(() => this.#inFlight.delete(key)).catch(() => {});
      }
      return running.then((result) => ({ ...result }));
    }));
  }

  #enqueue(
    base: WireProgramBase,
    input: WireInput,
    groups: Map<string, Group>,
    signal?: AbortSignal,
  ): Promise<ExecutionResult> {
    if (this.#queued >= this.#maxQueued) {
      return Promise.reject(
        new SandboxPoolError(`Sandbox pool queue is full: ${this.#maxQueued} jobs wait`),
      );
    }
    const key = JSON.stringify(base);
    let group = groups.get(key);
    if (!group || group.dispatched || group.pending.length >= MAX_GROUP_INPUTS) {
      group = { base, pending: [], signal, dispatched: false, failures: 0 };
      groups.set(key, group);
      this.#schedule(group, () => groups.get(key) === group && groups.delete(key));
    }
    this.#queued++;
    const joined = group;
    return new Promise((resolve, reject) => joined.pending.push({ input, resolve, reject }));
  }

  /** Sends `group` to the next free process; `close` stops others from joining it. */
  #schedule(group: Group, close: () => void = () => {}): void {
    this.#acquire(group.signal).then(
      (process) => {
        close();
        group.dispatched = true;
        this.#queued -= group.pending.length;
        return this.#dispatch(process, group);
      },
      (error: Error) => {
        close();
        group.dispatched = true;
        this.#queued -= group.pending.length;
        for (const pending of group.pending) pending.reject(error);
      },
    );
  }

  async #dispatch(process: SandboxProcess, group: Group): Promise<void> {
    const { signal } = group;
    let reusable = false;
    try {
      if (signal?.aborted) {
        reusable = true;
        throw new AbortedError(signal.reason);
      }
      const program = {
        ...group.base,
        id: this.#nextId++,
        inputs: group.pending.map((pending) => pending.input),
      };
      const outcome = await process.run(program, { signal, noReset: this.#skipReset });
      reusable = outcome.reusable && !process.dead;
      if (signal?.aborted) throw new AbortedError(signal.reason);
      const rerun: Pending[] = [];
      for (const [i, result] of outcome.results.entries()) {
        if (result === undefined) rerun.push(group.pending[i]);
        else {
          this.#count(result.status, result.duration_ms);
          group.pending[i].resolve(result);
        }
      }
      if (rerun.length > 0) this.#rerun(group, rerun, process.stderrTail);
    } catch (error) {
      for (const pending of group.pending) pending.reject(error as Error);
    } finally {
      if (reusable) this.#release(process);
      else this.#discard(process);
    }
  }

  /** Inputs a dying process never ran go to another process, unless attempts keep failing. */
  #rerun(group: Group, rerun: Pending[], why: string): void {
    const failures = rerun.length === group.pending.length ? group.failures + 1 : 0;
    if (failures >= MAX_FAILED_ATTEMPTS || this.#closed) {
      for (const pending of rerun) {
        pending.resolve({
          status: "sandbox_error",
          stdout: "",
          stderr: `Sandbox process failed: ${why.trim().slice(-1000) || "it exited"}`,
          duration_ms: 0,
        });
      }
      return;
    }
    this.#queued += rerun.length;
    this.#schedule({ ...group, pending: rerun, dispatched: false, failures });
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

  /** Starts a process from `snapshot` (default: the pool's). */
  #spawn(snapshot?: Promise<Uint8Array | undefined>): Promise<SandboxProcess> {
    const spawning = this.#start(snapshot ?? this.#snapshot);
    this.#spawning.add(spawning);
    spawning.finally(() => this.#spawning.delete(spawning)).catch(() => {});
    return spawning;
  }

  async #start(snapshot?: Uint8Array | Promise<Uint8Array | undefined>): Promise<SandboxProcess> {
    try {
      const process = await SandboxProcess.spawn({
        heapMb: Math.max(this.#limits.memoryMb, MIN_HEAP_MB),
        startTimeoutMs: this.#startTimeoutMs,
        snapshot,
        module: this.#module,
        checkResets: this.#checkResets,
      });
      if (process.moduleFailed && this.#moduleDir) {
        // A stored module that does not compile: made anew for the next processes.
        await forgetMarkedPyodide(pyodideUrl(), this.#moduleDir);
        this.#module = markedPyodide(pyodideUrl(), this.#moduleDir);
        await this.#module;
      }
      if (!this.#snapshot && process.snapshot) {
        this.#snapshot = process.snapshot;
        this.#snapshotMade = true;
      }
      process.snapshot = undefined;
      if (this.#closed) {
        process.kill();
        await process.exited;
        throw new SandboxPoolError("Sandbox pool is closed");
      }
      if (this.#up) process.warm();
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
