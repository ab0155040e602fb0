/**
 * Metrics: one Prometheus registry per run (npm `prom-client`), with per-stage hooks
 * that the stream combinators call and that the server exposes at `/metrics`.
 *
 * @module
 */
import client from "prom-client";

/** Hooks a stage calls as items pass through it. */
export interface StageMetrics {
  /** An item entered the stage. */
  received(): void;
  /** The stage emitted `count` items. */
  emitted(count?: number): void;
  /** Work on an item started (in-flight goes up). */
  started(): void;
  /** Work on an item ended after `ms` milliseconds (in-flight goes down). */
  finished(ms: number): void;
  /** Work on an item failed. */
  failed(): void;
  /**
   * The stage waited `ms` milliseconds: `"starved"` for input with nothing in
   * flight, `"blocked"` with output ready for a consumer that had not asked yet.
   */
  waited(reason: WaitReason, ms: number): void;
}

/** Why a stage waited. */
export type WaitReason = "starved" | "blocked";

/** A stage's figures so far, as {@link Metrics.stageFigures} reads them. */
export interface StageFigures {
  /** The stage's name. */
  stage: string;
  /** Items that entered it. */
  items_in: number;
  /** Items it emitted. */
  items_out: number;
  /** Items it is working on now. */
  in_flight: number;
  /** Items it failed on. */
  errors: number;
  /** Seconds with at least one item in flight. */
  busy_seconds: number;
  /** Seconds waiting for input with nothing in flight. */
  starved_seconds: number;
  /** Seconds with output ready and the consumer not asking. */
  blocked_seconds: number;
}

/** Hooks that do nothing, for stages run without a registry. */
export const NO_STAGE_METRICS: StageMetrics = {
  received() {},
  emitted() {},
  started() {},
  finished() {},
  failed() {},
  waited() {},
};

const LATENCY_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * A run's metrics registry. Modules register their own counters, gauges and
 * histograms through {@link Metrics.counter} and friends (get-or-create by name), and
 * stages get hooks through {@link Metrics.stage}.
 *
 * @example Count items of a stage
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * import assert from "node:assert";
 * const metrics = new Metrics();
 * const hooks = metrics.stage("extract");
 * hooks.received();
 * hooks.emitted();
 * const text = await metrics.registry.metrics();
 * assert.match(text, /pfpo_stage_items_in_total\{stage="extract"\} 1/);
 * ```
 */
export class Metrics {
  /** The underlying Prometheus registry. */
  readonly registry: client.Registry = new client.Registry();
  readonly #stageIn: client.Counter;
  readonly #stageOut: client.Counter;
  readonly #stageInFlight: client.Gauge;
  readonly #stageErrors: client.Counter;
  readonly #stageLatency: client.Histogram;
  readonly #stageBusy: client.Counter;
  readonly #stageWait: client.Counter;
  readonly #stages = new Map<string, StageMetrics>();

  /** Creates a registry with the per-stage metric families. */
  constructor() {
    this.#stageIn = this.counter("pfpo_stage_items_in_total", "Items that entered a stage", [
      "stage",
    ]);
    this.#stageOut = this.counter("pfpo_stage_items_out_total", "Items a stage emitted", [
      "stage",
    ]);
    this.#stageInFlight = this.gauge("pfpo_stage_in_flight", "Items a stage is working on", [
      "stage",
    ]);
    this.#stageErrors = this.counter("pfpo_stage_errors_total", "Items a stage failed on", [
      "stage",
    ]);
    this.#stageLatency = this.histogram(
      "pfpo_stage_latency_seconds",
      "Time a stage spent on one item",
      ["stage"],
    );
    this.#stageBusy = this.counter(
      "pfpo_stage_busy_seconds_total",
      "Time a stage had at least one item in flight",
      ["stage"],
    );
    this.#stageWait = this.counter(
      "pfpo_stage_wait_seconds_total",
      "Time a stage waited: starved (for input, nothing in flight) or blocked (output ready, consumer not asking)",
      ["stage", "reason"],
    );
  }

  /**
   * Returns the hooks for the stage called `name`. Stages of one name (a recipe's
   * two execute stages, say) share their hooks: busy time counts once while any of
   * them has an item in flight.
   */
  stage(name: string): StageMetrics {
    let hooks = this.#stages.get(name);
    if (!hooks) this.#stages.set(name, hooks = this.#newStage(name));
    return hooks;
  }

  #newStage(name: string): StageMetrics {
    const labels = { stage: name };
    const inCounter = this.#stageIn.labels(labels);
    const outCounter = this.#stageOut.labels(labels);
    const inFlight = this.#stageInFlight.labels(labels);
    const errors = this.#stageErrors.labels(labels);
    const latency = this.#stageLatency.labels(labels);
    const busy = this.#stageBusy.labels(labels);
    const wait = {
      starved: this.#stageWait.labels({ stage: name, reason: "starved" }),
      blocked: this.#stageWait.labels({ stage: name, reason: "blocked" }),
    };
    // Busy time: from the first item in flight to the last one finishing.
    let running = 0;
    let busySince = 0;
    return {
      received: () => inCounter.inc(),
      emitted: (count = 1) => outCounter.inc(count),
      started: () => {
        if (running++ === 0) busySince = performance.now();
        inFlight.inc();
      },
      finished: (ms) => {
        inFlight.dec();
        latency.observe(ms / 1000);
        if (--running === 0) busy.inc((performance.now() - busySince) / 1000);
      },
      failed: () => errors.inc(),
      waited: (reason, ms) => wait[reason].inc(ms / 1000),
    };
  }

  /** Every stage's figures so far, in the order the stages were first seen. */
  async stageFigures(): Promise<StageFigures[]> {
    const stages = new Map<string, StageFigures>();
    const figures = (stage: string) =>
      stages.get(stage) ?? stages.set(stage, {
        stage,
        items_in: 0,
        items_out: 0,
        in_flight: 0,
        errors: 0,
        busy_seconds: 0,
        starved_seconds: 0,
        blocked_seconds: 0,
      }).get(stage) as StageFigures;
    const fields: Record<string, (labels: Record<string, unknown>) => keyof StageFigures> = {
      pfpo_stage_items_in_total: () => "items_in",
      pfpo_stage_items_out_total: () => "items_out",
      pfpo_stage_in_flight: () => "in_flight",
      pfpo_stage_errors_total: () => "errors",
      pfpo_stage_busy_seconds_total: () => "busy_seconds",
      pfpo_stage_wait_seconds_total: (labels) =>
        labels.reason === "starved" ? "starved_seconds" : "blocked_seconds",
    };
    for (const metric of await this.registry.getMetricsAsJSON()) {
      const field = fields[metric.name];
      if (!field) continue;
      for (const { labels, value } of metric.values) {
        const row = figures(String(labels.stage));
        (row[field(labels)] as number) += value;
      }
    }
    return [...stages.values()];
  }

  /** Gets or creates a counter. */
  counter(name: string, help: string, labelNames: string[] = []): client.Counter {
    return (this.registry.getSingleMetric(name) as client.Counter | undefined) ??
      new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** Gets or creates a gauge. */
  gauge(name: string, help: string, labelNames: string[] = []): client.Gauge {
    return (this.registry.getSingleMetric(name) as client.Gauge | undefined) ??
      new client.Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** Gets or creates a histogram (latency buckets in seconds by default). */
  histogram(
    name: string,
    help: string,
    labelNames: string[] = [],
    buckets: number[] = LATENCY_BUCKETS,
  ): client.Histogram {
    return (this.registry.getSingleMetric(name) as client.Histogram | undefined) ??
      new client.Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}
