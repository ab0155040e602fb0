/**
 * Pair-log consumers: the streams the server is feeding, with their position, as
 * Prometheus metrics (`pfpo_pair_consumers`, `pfpo_pair_consumer_lag`) and in
 * `/v1/stats`; and the head of the log (`pfpo_pair_log_last_seq`), which a server of
 * another process's run reads from the database. (`pfpo_pairs_written_total` is
 * counted by the pair writer, in the feedback module.)
 *
 * @module
 */
import type { Gauge } from "prom-client";
import type { Metrics } from "../metrics/metrics.ts";
import type { PairLog } from "../store/pair_log.ts";

/** What the server knows about one open pair stream. */
export interface ConsumerInfo {
  /** Server-assigned id, unique while the server runs. */
  id: number;
  /** `ndjson` or `sse`. */
  format: string;
  shard: number;
  shards: number;
  /** The `seq` the consumer asked to start after. */
  after: number;
  /** The `seq` of the last pair sent (or `after` before the first). */
  last_seq: number;
  /** Log positions between the newest pair and `last_seq`. */
  lag: number;
  /** When the stream opened (ms since the epoch). */
  since: number;
}

/** The handle a stream reports its progress through. */
export interface ConsumerHandle {
  /** A pair with this `seq` was handed to the consumer. */
  delivered(seq: number): void;
  /** The stream ended. */
  close(): void;
}

/**
 * The open pair streams of a server and the metrics about them. Gauges are brought
 * up to date by {@link PairConsumers.refresh}, which the server calls before it
 * answers `/metrics` and `/v1/stats`.
 *
 * @example Track one consumer
 * ```ts
 * import { Metrics, openRunDatabase, PairLog } from "../../mod.ts";
 * import { PairConsumers } from "./consumers.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * const consumers = new PairConsumers(new Metrics(), log);
 * const handle = consumers.open({ format: "ndjson", shard: 0, shards: 1, after: 0 });
 * assert.equal(consumers.refresh().length, 1);
 * handle.close();
 * assert.equal(consumers.refresh().length, 0);
 * ```
 */
export class PairConsumers {
  readonly #log: PairLog;
  readonly #open = new Map<number, ConsumerInfo>();
  readonly #count: Gauge;
  readonly #lag: Gauge;
  readonly #head: Gauge;
  #nextId = 1;

  /** Registers the consumer metrics in `metrics` for the pairs of `log`. */
  constructor(metrics: Metrics, log: PairLog) {
    this.#log = log;
    this.#count = metrics.gauge("pfpo_pair_consumers", "Pair streams the server is feeding");
    this.#lag = metrics.gauge(
      "pfpo_pair_consumer_lag",
      "Log positions between the newest pair and the last pair sent to a consumer",
      ["consumer"],
    );
    this.#head = metrics.gauge("pfpo_pair_log_last_seq", "The newest seq in the pair log");
  }

  /** Registers a new stream. */
  open(info: Pick<ConsumerInfo, "format" | "shard" | "shards" | "after">): ConsumerHandle {
    const id = this.#nextId++;
    const entry: ConsumerInfo = { ...info, id, last_seq: info.after, lag: 0, since: Date.now() };
    this.#open.set(id, entry);
    this.#count.set(this.#open.size);
    return {
      delivered: (seq) => {
        entry.last_seq = seq;
      },
      close: () => {
        if (!this.#open.delete(id)) return;
        this.#lag.remove({ consumer: String(id) });
        this.#count.set(this.#open.size);
      },
    };
  }

  /** Reads the log's head, updates every gauge and returns the open consumers. */
  refresh(): ConsumerInfo[] {
    const head = this.#log.lastSeq();
    this.#head.set(head);
    const out: ConsumerInfo[] = [];
    for (const entry of this.#open.values()) {
      entry.lag = Math.max(0, head - entry.last_seq);
      this.#lag.set({ consumer: String(entry.id) }, entry.lag);
      out.push({ ...entry });
    }
    this.#count.set(this.#open.size);
    return out;
  }
}
