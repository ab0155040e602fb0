/**
 * Sampling health: which problems could not be sampled because requests failed
 * (the server, not the model), why, and when to give up. A problem with a failed
 * request is not a result: it is left unfinished for a re-run to ask again, and
 * counted here by reason so that the run can report it and exit non-zero. When
 * problem after problem fails for the same reason (a server gone, a revoked key),
 * the run stops instead of working through every problem in vain.
 *
 * @module
 */
import { PfpoError } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Sample } from "../model/sample.ts";

/** What {@link SamplingHealth.accept} reads of a sample or a frontier result. */
export type RequestOutcome = Pick<Sample, "request_error" | "failure_detail"> & {
  failure?: string;
};

/** Problems kept failing for the same reason: the run should stop. */
export class SamplingStoppedError extends PfpoError {}

/** Why a problem could not be sampled, and how often. */
export interface UnsampledReason {
  /** The failure's class and HTTP status, e.g. `rejected 404` or `connection`. */
  reason: string;
  /** Problems that failed for this reason. */
  problems: number;
  /** The server's error, from the first such failure. */
  message: string;
  /** The first problem that failed for this reason. */
  example: string;
}

/** Options for {@link SamplingHealth}. */
export interface SamplingHealthOptions {
  /**
   * Stop (throw {@link SamplingStoppedError}) once this many problems in a row failed
   * for the same reason. Default 5.
   */
  stopAfter?: number;
  /** Where `pfpo_problems_unsampled_total{reason}` is counted. */
  metrics?: Metrics;
  /** Told about each new reason as it first occurs (e.g. to print the server's error). */
  onNewReason?: (reason: UnsampledReason) => void;
}

/**
 * Tracks problems whose requests failed.
 *
 * @example A failed request leaves its problem unsampled
 * ```ts
 * import { SamplingHealth } from "./health.ts";
 * import assert from "node:assert";
 * const health = new SamplingHealth();
 * assert.equal(health.accept("p1", [{}]), true);
 * const failed = {
 *   failure: "http_error",
 *   failure_detail: "model not found",
 *   request_error: { kind: "rejected" as const, status: 404 },
 * };
 * assert.equal(health.accept("p2", [failed]), false);
 * assert.deepEqual(health.reasons().map((r) => [r.reason, r.problems]), [["rejected 404", 1]]);
 * ```
 */
export class SamplingHealth {
  readonly #stopAfter: number;
  readonly #options: SamplingHealthOptions;
  readonly #reasons = new Map<string, UnsampledReason>();
  #streak = { reason: "", count: 0 };
  #sampled = 0;

  /** Creates a tracker. */
  constructor(options: SamplingHealthOptions = {}) {
    this.#stopAfter = options.stopAfter ?? 5;
    this.#options = options;
  }

  /**
   * Returns true when every request of the problem succeeded (its samples are a
   * result), false when one failed (the problem is counted as unsampled). Throws
   * {@link SamplingStoppedError} when the last `stopAfter` problems all failed for
   * the same reason.
   */
  accept(problemId: string, samples: readonly RequestOutcome[]): boolean {
    const failed = samples.find((sample) => sample.request_error);
    if (!failed?.request_error) {
      this.#sampled++;
      this.#streak = { reason: "", count: 0 };
      return true;
    }
    const { kind, status } = failed.request_error;
    const reason = status === undefined ? kind : `${kind} ${status}`;
    let entry = this.#reasons.get(reason);
    if (!entry) {
      entry = {
        reason,
        problems: 0,
        message: failed.failure_detail ?? failed.failure ?? kind,
        example: problemId,
      };
      this.#reasons.set(reason, entry);
      this.#options.onNewReason?.(entry);
    }
    entry.problems++;
    this.#options.metrics?.counter(
      "pfpo_problems_unsampled_total",
      "Problems left unfinished because a sampling request failed, by reason",
      ["reason"],
    ).inc({ reason });
    this.#streak = this.#streak.reason === reason
      ? { reason, count: this.#streak.count + 1 }
      : { reason, count: 1 };
    if (this.#streak.count >= this.#stopAfter) {
      throw new SamplingStoppedError(
        `Stopped: the last ${this.#streak.count} problems could not be sampled, ` +
          `all for the same reason (${reason}): ${entry.message}`,
      );
    }
    return false;
  }

  /** Problems whose samples were complete. */
  get sampled(): number {
    return this.#sampled;
  }

  /** Problems left unsampled. */
  get unsampled(): number {
    let total = 0;
    for (const entry of this.#reasons.values()) total += entry.problems;
    return total;
  }

  /** Each reason problems failed for, most frequent first. */
  reasons(): UnsampledReason[] {
    return [...this.#reasons.values()].sort((a, b) => b.problems - a.problems);
  }
}
