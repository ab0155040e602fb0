/**
 * A worker: pulls program jobs from the broker's work queue, runs them through a
 * local {@link Executor} (a sandbox pool with the same limits as the pipeline's),
 * publishes the results to the run that asked, and only then acks the job. Long
 * jobs keep their claim with `working()`; a worker that dies leaves its jobs
 * un-acked, and the broker gives them to another worker after the ack wait.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import {
  type Consumer,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { toError } from "../errors.ts";
import { sleep } from "../sampling/retry.ts";
import type { Executor } from "../../sandbox/executor.ts";
import { DEFAULT_LIMITS, type SandboxLimits } from "../../sandbox/job.ts";
import { SandboxPoolError } from "../../sandbox/pool.ts";
import {
  connectBroker,
  type ConnectBrokerOptions,
  JOB_STREAM,
  watchConnection,
  WORKER_CONSUMER,
  WORKER_HEARTBEAT_PREFIX,
} from "./broker.ts";
import { decodeJob, type JobMessage, resultMessages } from "./messages.ts";
import type { WorkerHeartbeat } from "./fleet.ts";

/** Options for {@link ExecutionWorker.connect}. */
export interface ExecutionWorkerOptions extends ConnectBrokerOptions {
  /** The broker, e.g. `nats://10.0.0.5:4222`. */
  url: string;
  /** Where programs run (a local sandbox pool). */
  executor: Executor;
  /** The executor's parallelism: jobs taken at once are twice this. */
  poolSize: number;
  /** The worker's id in heartbeats and results. */
  id: string;
  /** The limits the executor applies by default (to check job keys). */
  limits?: SandboxLimits;
  /** How often to send a heartbeat. Default 2000 ms. */
  heartbeatMs?: number;
  /** Where to report (waiting for the queue, refused jobs). Default `console.error`. */
  log?: (line: string) => void;
}

/** What a worker has done so far. */
export interface WorkerCounts {
  /** Jobs (programs) answered so far. */
  jobs: number;
  /** Executions (program × input) they held. */
  executions: number;
  /** Jobs running now. */
  running: number;
  /** Jobs refused (malformed, or keyed by another version) and answered with `sandbox_error`. */
  refused: number;
}

/** Runs jobs from the queue until stopped. */
export class ExecutionWorker {
  readonly #nc: NatsConnection;
  readonly #options: ExecutionWorkerOptions;
  readonly #js: JetStreamClient;
  readonly #limits: Required<SandboxLimits>;
  readonly #stopping = new AbortController();
  readonly #log: (line: string) => void;
  readonly #counts: WorkerCounts = { jobs: 0, executions: 0, running: 0, refused: 0 };
  readonly #handling = new Set<Promise<void>>();
  #rate = { at: performance.now(), executions: 0, perSecond: 0 };
  #connected = true;

  private constructor(nc: NatsConnection, options: ExecutionWorkerOptions) {
    this.#nc = nc;
    this.#options = options;
    this.#js = jetstream(nc);
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Connects to the broker; {@link run} then takes jobs, and {@link close} ends the
   * connection.
   *
   * @throws {BrokerUnreachableError} when the broker cannot be reached.
   */
  static async connect(options: ExecutionWorkerOptions): Promise<ExecutionWorker> {
    const nc = await connectBroker(options.url, { name: `pfpo-worker-${options.id}`, ...options });
    return new ExecutionWorker(nc, options);
  }

  /** The broker's address the connection uses now. */
  get server(): string {
    return this.#nc.getServer();
  }

  /** Jobs and executions so far. */
  get counts(): WorkerCounts {
    return { ...this.#counts };
  }

  /** False while the connection to the broker is lost (the client reconnects). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Executions per second over the last heartbeat interval. */
  get executionsPerSecond(): number {
    return this.#rate.perSecond;
  }

  /**
   * Waits for the job queue (a pipeline creates it), then takes jobs until
   * {@link stop}; resolves once the jobs in progress are handed back to the queue.
   */
  async run(): Promise<void> {
    const signal = this.#stopping.signal;
    const heartbeat = setInterval(() => this.#heartbeat(), this.#options.heartbeatMs ?? 2000);
    watchConnection(this.#nc, {
      log: this.#log,
      onChange: (connected) => (this.#connected = connected),
    });
    try {
      const consumer = await this.#consumer(signal);
      if (!consumer) return;
      const ackWaitMs = ((await consumer.info(true)).config.ack_wait ?? 30e9) / 1e6;
      const slots = Math.max(1, 2 * this.#options.poolSize);
      for (let i = 0; i < slots; i++) this.#slot(consumer, ackWaitMs, signal);
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      await Promise.allSettled(this.#handling);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Stops taking jobs; jobs in progress are handed back (`nak`). */
  stop(): void {
    this.#stopping.abort();
  }

  /** Stops taking jobs and closes the connection, once what it publishes has gone out. */
  async close(): Promise<void> {
    this.stop();
    if (this.#nc.isClosed()) return;
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  async #consumer(signal: AbortSignal): Promise<Consumer | undefined> {
    const jsm = await jetstreamManager(this.#nc);
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await jsm.consumers.info(JOB_STREAM, WORKER_CONSUMER);
        return await this.#js.consumers.get(JOB_STREAM, WORKER_CONSUMER);
      } catch (error) {
        if (attempt % 30 === 0) {
          this.#log(
            `Waiting for a pipeline to create the job queue on ${this.#nc.getServer()}: ${
              toError(error).message
            }`,
          );
        }
        await sleep(1000, signal).catch(() => {});
      }
    }
    return undefined;
  }

  async #slot(consumer: Consumer, ackWaitMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: 5000 });
      } catch {
        await sleep(500, signal).catch(() => {});
        continue;
      }
      if (!msg) continue;
      if (signal.aborted) {
        msg.nak();
        return;
      }
      const handling = this.#handle(msg, ackWaitMs, signal);
      this.#handling.add(handling);
      await handling;
      this.#handling.delete(handling);
    }
  }

  async #handle(msg: JsMsg, ackWaitMs: number, signal: AbortSignal): Promise<void> {
    let job: JobMessage;
    try {
      job = decodeJob(msg.data, this.#limits);
    } catch (error) {
      await this.#refuse(msg, toError(error), signal);
      return;
    }
    this.#counts.running++;
    const extend = setInterval(() => msg.working(), Math.max(100, ackWaitMs / 3));
    try {
      const results = await this.#options.executor.execute(job.job, { signal });
      const parts = resultMessages(
        { id: job.id, worker: this.#options.id, delivery: msg.info.deliveryCount },
        job.keys,
        results,
        this.#nc.info?.max_payload ?? 1 << 20,
      );
      for (const part of parts) await this.#publish(job.reply, part, signal);
      msg.ack();
      this.#counts.jobs++;
      this.#counts.executions += results.length;
    } catch (error) {
      // Stopping, a broken pool or a lost broker: the job goes back to the queue.
      if (!signal.aborted && !(error instanceof SandboxPoolError)) {
        this.#log(`Handing a job back: ${toError(error).message}`);
      }
      msg.nak(signal.aborted ? 0 : 1000);
      if (error instanceof SandboxPoolError) this.stop();
    } finally {
      clearInterval(extend);
      this.#counts.running--;
    }
  }

  /**
   * Answers a job this worker cannot run with a `sandbox_error` for each of its keys
   * (the pipeline records nothing for them and stops waiting), or terminates it when
   * it does not even say where to answer.
   */
  async #refuse(msg: JsMsg, error: Error, signal: AbortSignal): Promise<void> {
    const reason = `Worker ${this.#options.id} refused the job: ${error.message}`;
    this.#log(reason);
    this.#counts.refused++;
    let header: { id?: unknown; keys?: unknown; reply?: unknown } = {};
    try {
      header = msg.json();
    } catch { /* not JSON */ }
    const { id, keys, reply } = header;
    if (
      typeof id !== "string" || typeof reply !== "string" || !Array.isArray(keys) ||
      keys.some((key) => typeof key !== "string")
    ) {
      msg.term(reason);
      return;
    }
    const failed = { status: "sandbox_error" as const, stdout: "", stderr: reason, duration_ms: 0 };
    const parts = resultMessages(
      { id, worker: this.#options.id, delivery: msg.info.deliveryCount },
      keys,
      keys.map(() => failed),
      this.#nc.info?.max_payload ?? 1 << 20,
    );
    try {
      for (const part of parts) await this.#publish(reply, part, signal);
      msg.ack();
    } catch {
      msg.nak();
    }
  }

  async #publish(subject: string, data: Uint8Array, signal: AbortSignal): Promise<void> {
    for (let attempt = 0;; attempt++) {
      try {
        await this.#js.publish(subject, data, { timeout: 5000 });
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        if (attempt % 20 === 0) {
          this.#log(`Cannot publish a result: ${toError(error).message}; retrying`);
        }
        await sleep(Math.min(5000, 100 * 2 ** attempt), signal);
      }
    }
  }

  #heartbeat(): void {
    const now = performance.now();
    const done = this.#counts.executions;
    this.#rate = {
      at: now,
      executions: done,
      perSecond: (done - this.#rate.executions) / Math.max(0.001, (now - this.#rate.at) / 1000),
    };
    const beat: WorkerHeartbeat = {
      id: this.#options.id,
      pool_size: this.#options.poolSize,
      executions: done,
      executions_per_s: Number(this.#rate.perSecond.toFixed(2)),
      jobs_running: this.#counts.running,
    };
    try {
      this.#nc.publish(
        `${WORKER_HEARTBEAT_PREFIX}.${safeToken(this.#options.id)}`,
        JSON.stringify(beat),
      );
    } catch { /* disconnected: the next beat goes out after reconnecting */ }
  }
}

/** A worker id as one subject token (no dots, spaces or wildcards). */
function safeToken(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_");
}
