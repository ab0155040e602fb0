/**
 * The pipeline's view of the worker fleet: heartbeats each worker publishes on
 * `pfpo.workers.<id>`, turned into metrics and into the reason the pipeline waits.
 *
 * @module
 */
import type { Metrics } from "../metrics/metrics.ts";

/** What a worker's heartbeat says about it. */
export interface WorkerHeartbeat {
  /** The worker's id (host name and process id unless given). */
  id: string;
  /** Sandbox processes in its pool. */
  pool_size: number;
  /** Executions it has run since it started. */
  executions: number;
  /** Executions per second over its last heartbeat interval. */
  executions_per_s: number;
  /** Jobs it is running now. */
  jobs_running: number;
}

/** A worker as the dashboard shows it. */
export interface FleetWorker extends WorkerHeartbeat {
  /** Seconds since its last heartbeat. */
  last_seen_s: number;
  /** False once no heartbeat came for three heartbeat intervals. */
  alive: boolean;
}

/** Options for {@link Fleet}. */
export interface FleetOptions {
  /** How often workers send heartbeats. Default 2000 ms. */
  heartbeatMs?: number;
  metrics?: Metrics;
  /** Clock in ms (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * Workers by id, from their heartbeats.
 *
 * @example A worker that stops sending heartbeats is no longer alive
 * ```ts
 * import { Fleet } from "./fleet.ts";
 * import assert from "node:assert";
 * let now = 0;
 * const fleet = new Fleet({ heartbeatMs: 1000, now: () => now });
 * fleet.heard({ id: "w1", pool_size: 2, executions: 10, executions_per_s: 5, jobs_running: 1 });
 * assert.equal(fleet.alive(), 1);
 * now = 5000;
 * assert.equal(fleet.alive(), 0);
 * assert.equal(fleet.workers()[0].last_seen_s, 5);
 * ```
 */
export class Fleet {
  readonly #workers = new Map<string, { beat: WorkerHeartbeat; at: number }>();
  readonly #heartbeatMs: number;
  readonly #metrics?: Metrics;
  readonly #now: () => number;

  /** Creates an empty fleet view. */
  constructor(options: FleetOptions = {}) {
    this.#heartbeatMs = options.heartbeatMs ?? 2000;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** Records a heartbeat. */
  heard(beat: WorkerHeartbeat): void {
    const at = this.#now();
    this.#workers.set(beat.id, { beat, at });
    if (!this.#metrics) return;
    const labels = { worker: beat.id };
    this.#metrics.gauge(
      "pfpo_remote_worker_pool_size",
      "Sandbox processes of each remote worker",
      ["worker"],
    ).labels(labels).set(beat.pool_size);
    this.#metrics.gauge(
      "pfpo_remote_worker_executions_per_second",
      "Executions per second of each remote worker (its last heartbeat interval)",
      ["worker"],
    ).labels(labels).set(beat.executions_per_s);
    this.#metrics.gauge(
      "pfpo_remote_worker_executions",
      "Executions each remote worker has run since it started",
      ["worker"],
    ).labels(labels).set(beat.executions);
    this.#metrics.gauge(
      "pfpo_remote_worker_last_seen_timestamp_seconds",
      "When each remote worker's last heartbeat arrived (Unix time)",
      ["worker"],
    ).labels(labels).set(at / 1000);
    this.#gauge();
  }

  /** Workers heard from recently. */
  alive(): number {
    this.#gauge();
    return this.workers().filter((w) => w.alive).length;
  }

  /** Every worker heard from since the pipeline started, most recent first. */
  workers(): FleetWorker[] {
    const now = this.#now();
    return [...this.#workers.values()]
      .sort((a, b) => b.at - a.at)
      .map(({ beat, at }) => ({
        ...beat,
        last_seen_s: Math.max(0, (now - at) / 1000),
        alive: now - at <= 3 * this.#heartbeatMs,
      }));
  }

  /** Seconds since any worker was heard from (`undefined`: never). */
  silentFor(): number | undefined {
    const last = Math.max(...[...this.#workers.values()].map((w) => w.at));
    return Number.isFinite(last) ? (this.#now() - last) / 1000 : undefined;
  }

  #gauge(): void {
    const now = this.#now();
    const alive = [...this.#workers.values()].filter((w) => now - w.at <= 3 * this.#heartbeatMs);
    this.#metrics?.gauge("pfpo_remote_workers", "Remote workers heard from recently")
      .set(alive.length);
  }
}
