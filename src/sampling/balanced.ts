/**
 * Several replicas of one model (e.g. vLLM servers on different GPUs) behind one
 * {@link Endpoint}: each request goes to the healthy replica with the fewest
 * requests in flight; a replica that fails with a connection error, a timeout, a
 * 5xx or a 429 rests for a while (1 s, doubling to 30 s while it keeps failing), so
 * the sampler's retry lands on another one.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import {
  type CompletionRequest,
  type CompletionResponse,
  Endpoint,
  type EndpointOptions,
  SamplingRequestError,
} from "./client.ts";

/** What the dashboard and metrics say about one replica. */
export interface ReplicaStatus {
  /** The replica's server. */
  baseURL: string;
  /** Requests in flight now. */
  inFlight: number;
  /** False while the replica rests after failures. */
  healthy: boolean;
  /** Attempts sent to it so far. */
  requests: number;
  /** Attempts that failed with a retryable error (connection, timeout, 5xx, 429). */
  failures: number;
}

interface Replica {
  endpoint: Endpoint;
  inFlight: number;
  requests: number;
  failures: number;
  /** Consecutive failures (sets the rest). */
  strikes: number;
  restUntil: number;
}

const FIRST_REST_MS = 1000;
const MAX_REST_MS = 30_000;

/** Options for {@link BalancedEndpoint}. */
export interface BalancedEndpointOptions {
  /** Where per-replica figures are counted (label `endpoint`). */
  metrics?: Metrics;
  /** Clock in ms (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * One model served by several replicas. Its `options` are the first replica's: the
 * sample cache keys on them, so answers do not depend on which replica gave them.
 *
 * @example Requests spread over two replicas
 * ```ts
 * import { BalancedEndpoint } from "./balanced.ts";
 * import assert from "node:assert";
 * const endpoint = new BalancedEndpoint([
 *   { baseURL: "http://10.0.0.1:8000/v1", model: "m" },
 *   { baseURL: "http://10.0.0.2:8000/v1", model: "m" },
 * ]);
 * assert.equal(endpoint.options.baseURL, "http://10.0.0.1:8000/v1");
 * assert.deepEqual(endpoint.replicas().map((r) => r.healthy), [true, true]);
 * ```
 */
export class BalancedEndpoint extends Endpoint {
  readonly #replicas: Replica[];
  readonly #metrics?: Metrics;
  readonly #now: () => number;
  #next = 0;

  /** Creates the balanced endpoint (no request is made). */
  constructor(replicas: readonly EndpointOptions[], options: BalancedEndpointOptions = {}) {
    if (replicas.length === 0) {
      throw new ConfigError("Cannot balance over no endpoints: give at least one --base-url");
    }
    super(replicas[0]);
    this.#replicas = replicas.map((r) => ({
      endpoint: new Endpoint(r),
      inFlight: 0,
      requests: 0,
      failures: 0,
      strikes: 0,
      restUntil: 0,
    }));
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** Each replica's load and health. */
  replicas(): ReplicaStatus[] {
    const now = this.#now();
    return this.#replicas.map((r) => ({
      baseURL: r.endpoint.options.baseURL,
      inFlight: r.inFlight,
      healthy: r.restUntil <= now,
      requests: r.requests,
      failures: r.failures,
    }));
  }

  /** Makes one attempt on the least-loaded healthy replica. */
  override async request(
    request: CompletionRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<CompletionResponse> {
    const replica = this.#pick();
    replica.inFlight++;
    replica.requests++;
    this.#metrics?.counter(
      "pfpo_sampling_endpoint_requests_total",
      "Attempts per policy replica",
      ["endpoint"],
    ).labels({ endpoint: replica.endpoint.options.baseURL }).inc();
    this.#report(replica);
    try {
      const response = await replica.endpoint.request(request, options);
      replica.strikes = 0;
      replica.restUntil = 0;
      return response;
    } catch (error) {
      if (error instanceof SamplingRequestError && error.retryable) {
        replica.failures++;
        replica.strikes++;
        replica.restUntil = this.#now() +
          Math.min(MAX_REST_MS, FIRST_REST_MS * 2 ** (replica.strikes - 1));
        this.#metrics?.counter(
          "pfpo_sampling_endpoint_failures_total",
          "Failed attempts per policy replica (connection, timeout, 5xx, 429)",
          ["endpoint"],
        ).labels({ endpoint: replica.endpoint.options.baseURL }).inc();
      }
      throw error;
    } finally {
      replica.inFlight--;
      this.#report(replica);
    }
  }

  /** The healthy replica with the fewest requests in flight (else the one resting least). */
  #pick(): Replica {
    const now = this.#now();
    const healthy = this.#replicas.filter((r) => r.restUntil <= now);
    const candidates = healthy.length > 0
      ? healthy
      : [this.#replicas.reduce((a, b) => (b.restUntil < a.restUntil ? b : a))];
    const start = this.#next++ % this.#replicas.length;
    let best: Replica | undefined;
    for (let i = 0; i < this.#replicas.length; i++) {
      const replica = this.#replicas[(start + i) % this.#replicas.length];
      if (!candidates.includes(replica)) continue;
      if (!best || replica.inFlight < best.inFlight) best = replica;
    }
    return best as Replica;
  }

  #report(replica: Replica): void {
    if (!this.#metrics) return;
    const labels = { endpoint: replica.endpoint.options.baseURL };
    this.#metrics.gauge(
      "pfpo_sampling_endpoint_in_flight",
      "Requests in flight per policy replica",
      ["endpoint"],
    ).labels(labels).set(replica.inFlight);
    this.#metrics.gauge(
      "pfpo_sampling_endpoint_healthy",
      "1 while a policy replica takes requests, 0 while it rests after failures",
      ["endpoint"],
    ).labels(labels).set(replica.restUntil <= this.#now() ? 1 : 0);
  }
}
