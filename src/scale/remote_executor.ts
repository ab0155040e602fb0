/**
 * The pipeline's side of scale-out: an {@link Executor} that publishes each program
 * job to the broker's work queue and waits for a worker's results. The first result
 * for each execution-cache key is recorded in the run's execution cache (the run
 * database stays the single writer); later copies are ignored.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { AbortedError, PfpoError, toError } from "../errors.ts";
import type { ExecutionResult } from "../model/execution.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { RequestLimiter } from "../sampling/limiter.ts";
import { sleep } from "../sampling/retry.ts";
import type { ExecutionCache } from "../../sandbox/cache.ts";
import type { ExecuteOptions, Executor, ProgramJob } from "../../sandbox/executor.ts";
import { DEFAULT_LIMITS, type SandboxLimits } from "../../sandbox/job.ts";
import {
  connectBroker,
  type ConnectBrokerOptions,
  DEFAULT_DELIVERY,
  type DeliveryPolicy,
  ensureQueues,
  JOB_STREAM,
  JOB_SUBJECT,
  RESULT_STREAM,
  resultConsumer,
  resultSubject,
  watchConnection,
  WORKER_CONSUMER,
  WORKER_HEARTBEAT_PREFIX,
} from "./broker.ts";
import { decodeResult, encodeMessage, executionKeys, jobId, type JobMessage } from "./messages.ts";
import { Fleet, type FleetWorker, type WorkerHeartbeat } from "./fleet.ts";

/** The remote executor was closed, or a job cannot be sent. */
export class RemoteExecutorError extends PfpoError {}

/** Options for {@link RemoteExecutor.connect}. */
export interface RemoteExecutorOptions extends ConnectBrokerOptions {
  /** The broker, e.g. `nats://10.0.0.5:4222`. */
  url: string;
  /** The run's id: its results come back on their own subject and durable consumer. */
  runId: string;
  /** The run's execution cache: answered keys are never sent again. */
  cache: ExecutionCache;
  /** Limits for jobs that do not set their own (the same as a local pool's). */
  limits?: SandboxLimits;
  /** Ack wait and deliveries of the job queue. Default {@link DEFAULT_DELIVERY}. */
  delivery?: Partial<DeliveryPolicy>;
  /** Jobs published and not yet answered, at most. Default 256. */
  maxOutstanding?: number;
  /** Where the figures go: jobs sent, jobs outstanding, the broker's round-trip time. */
  metrics?: Metrics;
  /** How often workers send heartbeats (to tell when they are gone). Default 2000 ms. */
  heartbeatMs?: number;
  /** Where to say that the pipeline waits and why. Default `console.error`. */
  log?: (line: string) => void;
}

/** What the dashboard shows about remote execution. */
export interface RemoteStatus {
  /** The broker's address. */
  broker: string;
  /** False while the client reconnects to the broker. */
  connected: boolean;
  /** Jobs published and not yet answered. */
  outstanding: number;
  /** Round-trip time to the broker, last measured (ms). */
  rtt_ms?: number;
  /** The workers heard from, with their last heartbeat's figures. */
  workers: FleetWorker[];
  /** Why the pipeline is waiting, when it is. */
  waiting?: string;
}

interface Pending {
  id: string;
  keys: string[];
  results: (ExecutionResult | undefined)[];
  missing: number;
  seq?: number;
  done: PromiseWithResolvers<ExecutionResult[]>;
}

const RTT_EVERY_MS = 5000;

/**
 * Runs programs on remote workers through NATS JetStream.
 *
 * Delivery: a job's message id is the run's id and its job id (the inputs'
 * execution-cache keys), so the broker refuses a second copy from the same run (a
 * re-run after a crash) while the first waits; a job a dead worker left
 * un-acked is redelivered after the ack wait; after `maxDeliver` deliveries the job's
 * inputs get a `sandbox_error` result, which is never cached. Results wait in the broker until the run records them, so a pipeline
 * killed and re-run records what was answered meanwhile and sends only the rest.
 */
export class RemoteExecutor implements Executor {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #options: RemoteExecutorOptions;
  readonly #limits: Required<SandboxLimits>;
  readonly #delivery: DeliveryPolicy;
  readonly #slots: RequestLimiter;
  readonly #pending = new Map<string, Pending>();
  readonly #bySeq = new Map<number, Pending>();
  readonly #fleet: Fleet;
  readonly #closing = new AbortController();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #log: (line: string) => void;
  #ready: Promise<void> = Promise.resolve();
  #connected = true;
  #rttMs?: number;
  #waitingSaid?: string;
  #closed?: Promise<void>;

  private constructor(
    nc: NatsConnection,
    jsm: JetStreamManager,
    options: RemoteExecutorOptions,
    delivery: DeliveryPolicy,
  ) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#options = options;
    this.#delivery = delivery;
    this.#limits = { ...DEFAULT_LIMITS, ...definedLimits(options.limits) };
    this.#slots = new RequestLimiter({ maxInFlight: options.maxOutstanding ?? 256 });
    this.#fleet = new Fleet({
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.#log = options.log ?? ((line) => console.error(line));
  }

  /**
   * Connects to the broker, sets up the queues and starts taking results (those
   * answered while no pipeline listened first).
   *
   * @throws {BrokerUnreachableError} when the broker cannot be reached.
   * @throws {BrokerSetupError} when it has no JetStream or refuses the queues.
   */
  static async connect(options: RemoteExecutorOptions): Promise<RemoteExecutor> {
    const delivery = { ...DEFAULT_DELIVERY, ...options.delivery };
    const nc = await connectBroker(options.url, {
      name: `pfpo-pipeline-${options.runId}`,
      ...options,
    });
    try {
      const jsm = await ensureQueues(nc, { runId: options.runId, policy: delivery });
      const executor = new RemoteExecutor(nc, jsm, options, delivery);
      executor.#start();
      await executor.#ready;
      return executor;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** Broker, workers, outstanding jobs and why the pipeline waits (for the dashboard). */
  status(): RemoteStatus {
    const outstanding = this.#pending.size;
    const workers = this.#fleet.workers();
    let waiting: string | undefined;
    if (!this.#connected) {
      waiting =
        `Waiting for the NATS broker at ${this.#options.url}: the connection is lost, reconnecting`;
    } else if (outstanding > 0 && this.#fleet.alive() === 0) {
      const silent = this.#fleet.silentFor();
      waiting = `Waiting for workers: ${outstanding} jobs queued and ${
        silent === undefined
          ? "no worker has been seen"
          : `no worker heard from for ${silent.toFixed(0)} s`
      }; start one with \`deno task worker --nats ${this.#options.url}\``;
    }
    return {
      broker: this.#options.url,
      connected: this.#connected,
      outstanding,
      ...(this.#rttMs !== undefined ? { rtt_ms: this.#rttMs } : {}),
      workers,
      ...(waiting ? { waiting } : {}),
    };
  }

  /** Runs the program on each input on a worker; one result per input, in input order. */
  async execute(job: ProgramJob, options: ExecuteOptions = {}): Promise<ExecutionResult[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#closed) throw new RemoteExecutorError("Remote executor is closed");
    const full: ProgramJob = {
      ...job,
      timeout_ms: job.timeout_ms ?? this.#limits.timeoutMs,
      memory_mb: job.memory_mb ?? this.#limits.memoryMb,
    };
    const keys = executionKeys(full, this.#limits);
    const results = keys.map((key) => this.#options.cache.get(key));
    const missing = keys.flatMap((_key, i) => (results[i] ? [] : [i]));
    if (missing.length === 0) return results as ExecutionResult[];
    const sub: ProgramJob = { ...full, inputs: missing.map((i) => full.inputs[i]) };
    const answered = await this.#run(sub, missing.map((i) => keys[i]), signal);
    missing.forEach((at, j) => (results[at] = answered[j]));
    return results as ExecutionResult[];
  }

  /** Stops taking results and closes the connection; waiting calls reject. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new RemoteExecutorError("Remote executor is closed"));
      for (const timer of this.#timers) clearInterval(timer);
      for (const pending of this.#pending.values()) {
        pending.done.reject(new RemoteExecutorError("Remote executor is closed"));
      }
      this.#pending.clear();
      this.#bySeq.clear();
      await this.#nc.close().catch(() => {});
    })();
    return this.#closed;
  }

  async #run(job: ProgramJob, keys: string[], signal?: AbortSignal): Promise<ExecutionResult[]> {
    const id = jobId(keys);
    let pending = this.#pending.get(id);
    if (!pending) {
      const lease = await this.#slots.acquire(0, signal);
      pending = this.#pending.get(id);
      if (pending) {
        lease.release();
      } else {
        pending = this.#open(id, keys);
        const opened = pending;
        opened.done.promise.catch(() => {}).finally(() => {
          lease.release();
          this.#forget(opened);
        });
        this.#publish(opened, job).catch((error) => opened.done.reject(error));
      }
    }
    return await raceAbort(pending.done.promise, signal);
  }

  #open(id: string, keys: string[]): Pending {
    const pending: Pending = {
      id,
      keys,
      results: keys.map(() => undefined),
      missing: keys.length,
      done: Promise.withResolvers(),
    };
    this.#pending.set(id, pending);
    this.#gauge();
    return pending;
  }

  #forget(pending: Pending): void {
    if (this.#pending.get(pending.id) === pending) this.#pending.delete(pending.id);
    if (pending.seq !== undefined) this.#bySeq.delete(pending.seq);
    this.#gauge();
  }

  async #publish(pending: Pending, job: ProgramJob): Promise<void> {
    await this.#ready;
    const message: JobMessage = {
      id: pending.id,
      keys: pending.keys,
      reply: resultSubject(this.#options.runId),
      max_output_bytes: this.#limits.maxOutputBytes,
      job,
    };
    const data = encodeMessage(message);
    const maxPayload = this.#nc.info?.max_payload ?? Infinity;
    if (data.byteLength > maxPayload) {
      throw new RemoteExecutorError(
        `Cannot send a program job of ${data.byteLength} bytes: the broker's max_payload is ${maxPayload}; raise it in the broker's configuration`,
      );
    }
    for (let attempt = 0;; attempt++) {
      try {
        const ack = await this.#js.publish(JOB_SUBJECT, data, {
          msgID: `${this.#options.runId}.${pending.id}`,
          timeout: 5000,
        });
        if (!this.#pending.has(pending.id)) return;
        pending.seq = ack.seq;
        this.#bySeq.set(ack.seq, pending);
        this.#counter("pfpo_remote_jobs_published_total", "Program jobs sent to the workers").inc();
        if (ack.duplicate) {
          this.#counter(
            "pfpo_remote_jobs_already_queued_total",
            "Program jobs the broker already held (sent by an earlier invocation)",
          ).inc();
        }
        return;
      } catch (error) {
        if (this.#closing.signal.aborted) throw this.#closing.signal.reason;
        if (attempt === 0 || attempt % 20 === 0) {
          this.#log(
            `Cannot queue a job on ${this.#options.url}: ${toError(error).message}; retrying`,
          );
        }
        await sleep(Math.min(5000, 100 * 2 ** attempt), this.#closing.signal);
      }
    }
  }

  #start(): void {
    this.#ready = this.#takeResults();
    this.#nc.subscribe(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOB_STREAM}.${WORKER_CONSUMER}`,
      { callback: (_error, msg) => this.#onExhausted(msg.data) },
    );
    this.#nc.subscribe(`${WORKER_HEARTBEAT_PREFIX}.*`, {
      callback: (_error, msg) => {
        try {
          this.#fleet.heard(msg.json<WorkerHeartbeat>());
        } catch { /* not a heartbeat */ }
      },
    });
    this.#timers.push(setInterval(() => this.#measure(), RTT_EVERY_MS));
    watchConnection(this.#nc, {
      log: this.#log,
      onChange: (connected) => (this.#connected = connected),
    });
  }

  /** Consumes the run's results; resolves once those waiting at start are recorded. */
  async #takeResults(): Promise<void> {
    const name = resultConsumer(this.#options.runId);
    const consumer = await this.#js.consumers.get(RESULT_STREAM, name);
    const messages = await consumer.consume({ max_messages: 512 });
    (async () => {
      for await (const msg of messages) {
        try {
          this.#record(decodeResult(msg.data));
          msg.ack();
        } catch (error) {
          this.#log(`Ignored a malformed result message: ${toError(error).message}`);
          msg.term();
        }
      }
    })().catch((error) => {
      if (!this.#closing.signal.aborted) this.#log(`Result consumer stopped: ${error}`);
    });
    this.#closing.signal.addEventListener("abort", () => messages.stop(), { once: true });
    for (;;) {
      const info = await this.#jsm.consumers.info(RESULT_STREAM, name);
      if (info.num_pending === 0 && info.num_ack_pending === 0) return;
      await sleep(50, this.#closing.signal);
    }
  }

  #record(message: ReturnType<typeof decodeResult>): void {
    const pending = this.#pending.get(message.id);
    let fresh = 0;
    message.keys.forEach((key, i) => {
      const recorded = this.#options.cache.get(key);
      if (!recorded) {
        this.#options.cache.set(key, message.results[i]);
        fresh++;
      }
      if (pending) this.#put(pending, key, recorded ?? message.results[i]);
    });
    this.#counter(
      "pfpo_remote_results_total",
      "Results received from workers, by whether they were the first for their key",
      ["kind"],
    ).labels({ kind: "first" }).inc(fresh);
    if (message.keys.length > fresh) {
      this.#counter(
        "pfpo_remote_results_total",
        "Results received from workers, by whether they were the first for their key",
        ["kind"],
      ).labels({ kind: "duplicate" }).inc(message.keys.length - fresh);
    }
    if (fresh > 0 && message.delivery > 1) {
      this.#counter(
        "pfpo_remote_redeliveries_total",
        "Jobs answered only after a redelivery (a worker died, failed or was too slow)",
      ).inc();
    }
  }

  #put(pending: Pending, key: string, result: ExecutionResult): void {
    pending.keys.forEach((k, i) => {
      if (k !== key || pending.results[i]) return;
      pending.results[i] = { ...result };
      pending.missing--;
    });
    if (pending.missing === 0) pending.done.resolve(pending.results as ExecutionResult[]);
  }

  /** A job reached `maxDeliver` deliveries without an answer (the broker's advisory). */
  #onExhausted(data: Uint8Array): void {
    let advisory: { stream_seq?: number; deliveries?: number };
    try {
      advisory = JSON.parse(new TextDecoder().decode(data));
    } catch {
      return;
    }
    const seq = advisory.stream_seq;
    const pending = seq === undefined ? undefined : this.#bySeq.get(seq);
    if (!pending || seq === undefined) return;
    const why = `delivered ${
      advisory.deliveries ?? this.#delivery.maxDeliver
    } times without an answer: every worker that took it died or failed on it`;
    this.#counter(
      "pfpo_remote_jobs_exhausted_total",
      "Jobs given a sandbox_error because no worker could answer them",
    ).inc();
    this.#log(`Job ${pending.id.slice(0, 12)} ${why}; its inputs get a sandbox_error result`);
    this.#jsm.streams.deleteMessage(JOB_STREAM, seq, false).catch(() => {});
    for (const key of pending.keys) {
      this.#put(pending, key, {
        status: "sandbox_error",
        stdout: "",
        stderr: `Remote job ${why}`,
        duration_ms: 0,
      });
    }
  }

  async #measure(): Promise<void> {
    try {
      this.#rttMs = await this.#nc.rtt();
      this.#options.metrics?.gauge("pfpo_broker_rtt_seconds", "Round-trip time to the NATS broker")
        .set(this.#rttMs / 1000);
    } catch {
      this.#rttMs = undefined;
    }
    const waiting = this.status().waiting;
    if (waiting !== this.#waitingSaid) {
      if (waiting) this.#log(waiting);
      else if (this.#waitingSaid) this.#log("Remote execution resumed");
      this.#waitingSaid = waiting;
    }
  }

  #gauge(): void {
    this.#options.metrics?.gauge(
      "pfpo_remote_jobs_outstanding",
      "Program jobs sent to the workers and not yet answered",
    ).set(this.#pending.size);
  }

  #counter(name: string, help: string, labels: string[] = []) {
    return this.#options.metrics?.counter(name, help, labels) ?? NO_COUNTER;
  }
}

const NO_COUNTER = { inc: () => {}, labels: () => NO_COUNTER };

function definedLimits(limits: SandboxLimits = {}): SandboxLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal.reason));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
