/**
 * Sampling metrics: samples requested, cached and failed, tokens, request latency,
 * requests in flight, retries, and test inputs dropped by validation.
 *
 * @module
 */
import type { Metrics } from "../metrics/metrics.ts";
import type { TokenUsage } from "./client.ts";

/** The hooks the sampling code calls. Build one with {@link samplingMetrics}. */
export interface SamplingMetrics {
  /** `count` samples were asked of a server. */
  requested(count: number): void;
  /** `count` samples came from the cache. */
  cached(count: number): void;
  /** A sample ended with a failure reason. */
  failed(reason: string): void;
  /** A response reported its token usage. */
  tokens(usage: TokenUsage): void;
  /** An HTTP attempt started. */
  requestStarted(): void;
  /** An HTTP attempt ended after `ms`. */
  requestFinished(ms: number): void;
  /** A failed attempt will be retried. */
  retried(kind: string): void;
  /** A generated test input was dropped. */
  inputDropped(reason: string): void;
  /** A recorded samples line was passed over (duplicate, or pushed out of the look-ahead). */
  recordSkipped(): void;
}

/** Hooks that do nothing. */
export const NO_SAMPLING_METRICS: SamplingMetrics = {
  requested() {},
  cached() {},
  failed() {},
  tokens() {},
  requestStarted() {},
  requestFinished() {},
  retried() {},
  inputDropped() {},
  recordSkipped() {},
};

/**
 * Registers the sampling metric families in `metrics` and returns their hooks:
 * `pfpo_samples_requested_total`, `pfpo_samples_cached_total`,
 * `pfpo_samples_failed_total{reason}`, `pfpo_tokens_total{kind}` (prompt,
 * completion), `pfpo_sampling_request_seconds` (histogram),
 * `pfpo_sampling_requests_in_flight`, `pfpo_sampling_retries_total{kind}`,
 * `pfpo_test_inputs_dropped_total{reason}` and `pfpo_samples_recorded_skipped_total`. Without a registry the hooks do nothing.
 *
 * @example Count a cached sample
 * ```ts
 * import { Metrics } from "../metrics/metrics.ts";
 * import { samplingMetrics } from "./metrics.ts";
 * import assert from "node:assert";
 * const metrics = new Metrics();
 * samplingMetrics(metrics).cached(3);
 * assert.match(await metrics.registry.metrics(), /pfpo_samples_cached_total 3/);
 * ```
 */
export function samplingMetrics(metrics?: Metrics): SamplingMetrics {
  if (!metrics) return NO_SAMPLING_METRICS;
  const requested = metrics.counter("pfpo_samples_requested_total", "Samples asked of a server");
  const cached = metrics.counter("pfpo_samples_cached_total", "Samples taken from the run's cache");
  const failed = metrics.counter(
    "pfpo_samples_failed_total",
    "Samples that ended with a failure reason",
    ["reason"],
  );
  const tokens = metrics.counter("pfpo_tokens_total", "Tokens reported by the server", ["kind"]);
  const latency = metrics.histogram(
    "pfpo_sampling_request_seconds",
    "Duration of one HTTP attempt to an inference server",
  );
  const inFlight = metrics.gauge(
    "pfpo_sampling_requests_in_flight",
    "HTTP attempts to inference servers in flight",
  );
  const retries = metrics.counter(
    "pfpo_sampling_retries_total",
    "Failed attempts that were retried",
    ["kind"],
  );
  const dropped = metrics.counter(
    "pfpo_test_inputs_dropped_total",
    "Generated test inputs dropped because they do not parse as the problem's style",
    ["reason"],
  );
  const skipped = metrics.counter(
    "pfpo_samples_recorded_skipped_total",
    "Recorded samples lines passed over (duplicates, or out of order beyond the look-ahead)",
  );
  return {
    requested: (count) => requested.inc(count),
    cached: (count) => cached.inc(count),
    failed: (reason) => failed.inc({ reason }),
    tokens: (usage) => {
      tokens.inc({ kind: "prompt" }, usage.prompt_tokens);
      tokens.inc({ kind: "completion" }, usage.completion_tokens);
    },
    requestStarted: () => inFlight.inc(),
    requestFinished: (ms) => {
      inFlight.dec();
      latency.observe(ms / 1000);
    },
    retried: (kind) => retries.inc({ kind }),
    inputDropped: (reason) => dropped.inc({ reason }),
    recordSkipped: () => skipped.inc(),
  };
}
