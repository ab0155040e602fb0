/**
 * The run's status in words, for the dashboard's status line: what is wrong (failed
 * sampling requests, an unreachable policy server, no execution workers, a stage
 * that stopped making progress) or that all is well. Computed here only, from the
 * figures `/v1/stats` already holds, and returned there as `status`.
 *
 * @module
 */
import type { MetricObjectWithValues, MetricValue } from "prom-client";

/** How bad the run's state is. */
export type RunStatusLevel = "ok" | "finished" | "warning" | "error";

/** The status line: a level and the sentences that explain it, worst first. */
export interface RunStatus {
  level: RunStatusLevel;
  /** The whole line, e.g. `Policy server unreachable: 3 problems could not be sampled`. */
  message: string;
  /** Each condition on its own. */
  conditions: string[];
}

/** A stage's progress as {@link StageProgress} sees it. */
export interface StageState {
  stage: string;
  /** Items being worked on (a stage may drop items, so items in minus out is not work). */
  pending: number;
  /** Seconds since the stage last passed an item on (or since it was first seen). */
  idle_s: number;
}

/** What {@link runStatus} reads. */
export interface RunStatusInput {
  /** The pair log is finished. */
  finished: boolean;
  /** Problems left unsampled by reason (`pfpo_problems_unsampled_total{reason}`). */
  unsampled: ReadonlyMap<string, number>;
  /** Remote execution, when the run uses it. */
  remote?: { connected: boolean; workers: readonly { alive: boolean }[] };
  /** Each stage's work in flight and idle time. */
  stages: readonly StageState[];
  /** A stage with work in flight idle this long is stalled (s). Default 120. */
  stallAfterS?: number;
}

/** Reasons of a failed request that mean the server could not be reached. */
const UNREACHABLE = new Set(["connection", "timeout"]);

/**
 * The status line of a run.
 *
 * @example A stage holding work without progress for two minutes
 * ```ts
 * import { runStatus } from "./run_status.ts";
 * import assert from "node:assert";
 * const status = runStatus({
 *   finished: false,
 *   unsampled: new Map(),
 *   stages: [{ stage: "execute", pending: 3, idle_s: 125 }],
 * });
 * assert.equal(status.level, "warning");
 * assert.equal(status.message, "Stage execute has made no progress for 2 min 5 s");
 * ```
 */
export function runStatus(input: RunStatusInput): RunStatus {
  const errors: string[] = [];
  const warnings: string[] = [];
  let unreachable = 0;
  for (const [reason, count] of input.unsampled) {
    if (count <= 0) continue;
    if (UNREACHABLE.has(reason)) unreachable += count;
    else errors.push(`Sampling failed for ${problems(count)}: ${reason}`);
  }
  if (unreachable > 0) {
    errors.unshift(
      `Policy server unreachable: ${problems(unreachable)} could not be sampled`,
    );
  }
  if (!input.finished) {
    const remote = input.remote;
    if (remote && !remote.connected) errors.push("Broker disconnected");
    else if (remote && !remote.workers.some((worker) => worker.alive)) {
      errors.push("No execution workers connected");
    }
    const stallAfter = input.stallAfterS ?? 120;
    for (const stage of input.stages) {
      if (stage.pending > 0 && stage.idle_s >= stallAfter) {
        warnings.push(`Stage ${stage.stage} has made no progress for ${duration(stage.idle_s)}`);
      }
    }
  }
  const conditions = [...(input.finished ? ["Run finished"] : []), ...errors, ...warnings];
  const level: RunStatusLevel = errors.length
    ? "error"
    : warnings.length
    ? "warning"
    : input.finished
    ? "finished"
    : "ok";
  return {
    level,
    message: conditions.length ? conditions.join(". ") : "Running normally",
    conditions,
  };
}

function problems(count: number): string {
  return `${count} ${count === 1 ? "problem" : "problems"}`;
}

/** `45 s`, `2 min 5 s`, `1 h 3 min`. */
function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Counter values summed per label value, from prom-client's JSON. */
export function sumByLabel(
  metrics: readonly MetricObjectWithValues<MetricValue<string>>[],
  name: string,
  label: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const family of metrics) {
    if (family.name !== name) continue;
    for (const value of family.values) {
      const key = value.labels[label];
      if (key === undefined) continue;
      out.set(String(key), (out.get(String(key)) ?? 0) + value.value);
    }
  }
  return out;
}

/**
 * Remembers when each stage last passed an item on, across `/v1/stats` calls, so
 * that a stage holding work without progress can be named.
 */
export class StageProgress {
  readonly #seen = new Map<string, { out: number; since: number }>();
  readonly #now: () => number;

  /** Creates a tracker; `now` is the clock in ms (for tests). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Each stage's work in flight and idle time, from the run's metrics. */
  update(metrics: readonly MetricObjectWithValues<MetricValue<string>>[]): StageState[] {
    const inputs = sumByLabel(metrics, "pfpo_stage_items_in_total", "stage");
    const outputs = sumByLabel(metrics, "pfpo_stage_items_out_total", "stage");
    const inFlight = sumByLabel(metrics, "pfpo_stage_in_flight", "stage");
    const now = this.#now();
    const states: StageState[] = [];
    for (const stage of inputs.keys()) {
      const out = outputs.get(stage) ?? 0;
      let seen = this.#seen.get(stage);
      if (!seen || seen.out !== out) {
        seen = { out, since: now };
        this.#seen.set(stage, seen);
      }
      states.push({ stage, pending: inFlight.get(stage) ?? 0, idle_s: (now - seen.since) / 1000 });
    }
    return states;
  }
}
