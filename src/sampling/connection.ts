/**
 * What a stage needs to talk to a server: the endpoint, a limiter, the retry
 * policy, metrics and (optionally) the run database's cache. Shared by the policy
 * sampler and the frontier sources.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Metrics } from "../metrics/metrics.ts";
import { SampleCache } from "./cache.ts";
import { Endpoint, type EndpointOptions } from "./client.ts";
import { RequestLimiter } from "./limiter.ts";
import { type SamplingMetrics, samplingMetrics } from "./metrics.ts";
import type { RetryPolicy } from "./retry.ts";

/** How a stage reaches its server. */
export interface ServerOptions {
  /** The server and model, or an {@link Endpoint} already made. */
  endpoint: Endpoint | EndpointOptions;
  /** A limiter to share with other stages; otherwise one is made from the bounds below. */
  limiter?: RequestLimiter;
  /** Requests in flight at most. Default 16 (policy sampler) or 8 (frontier sources). */
  maxInFlight?: number;
  /** Tokens (prompt + completion) per minute at most. Default: no bound. */
  tokensPerMinute?: number;
  /** Retry policy for 429, 5xx, timeouts and broken connections. */
  retry?: RetryPolicy;
  /** The run database: answers are cached there and reused by re-runs. */
  db?: DatabaseSync;
  /** The run's metrics. */
  metrics?: Metrics;
}

/** A stage's server, ready to use. */
export interface Connection {
  endpoint: Endpoint;
  limiter: RequestLimiter;
  metrics: SamplingMetrics;
  cache?: SampleCache;
  retry?: RetryPolicy;
}

/** Makes the endpoint, limiter, metrics hooks and cache that `options` describe. */
export function connect(options: ServerOptions, defaultMaxInFlight: number): Connection {
  return {
    endpoint: options.endpoint instanceof Endpoint
      ? options.endpoint
      : new Endpoint(options.endpoint),
    limiter: options.limiter ??
      new RequestLimiter({
        maxInFlight: options.maxInFlight ?? defaultMaxInFlight,
        tokensPerMinute: options.tokensPerMinute,
      }),
    metrics: samplingMetrics(options.metrics),
    cache: options.db ? new SampleCache(options.db) : undefined,
    retry: options.retry,
  };
}
