/**
 * The feedback module's metrics: votes decided, samples saved by early stop, the
 * vote share of each label, and pairs written.
 *
 * @module
 */
import type { Metrics } from "../metrics/metrics.ts";
import type { FeedbackSource } from "../model/feedback.ts";

/** The feedback module's metric hooks (no-ops without a registry). */
export interface FeedbackMetrics {
  /** A vote was decided: one per math problem, one per code test input. */
  decided(kind: "math" | "code", share: number, kept: boolean): void;
  /** An early stop saved `samples` samples under `rule`. */
  saved(rule: string, samples: number): void;
  /** Pairs written to the pair log, and duplicates dropped. */
  pairs(feedback: FeedbackSource, written: number, duplicates: number): void;
}

/** Returns the feedback metric hooks of a run's registry. */
export function feedbackMetrics(metrics?: Metrics): FeedbackMetrics {
  if (!metrics) return { decided() {}, saved() {}, pairs() {} };
  const decided = metrics.counter("pfpo_votes_decided_total", "Votes decided", ["kind", "kept"]);
  const share = metrics.histogram(
    "pfpo_vote_share",
    "Share of the votes cast that the winning answer or output got",
    ["kind"],
    [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1],
  );
  const saved = metrics.counter(
    "pfpo_early_stop_samples_saved_total",
    "Samples not drawn because an early-stop rule decided the vote",
    ["rule"],
  );
  const written = metrics.counter("pfpo_pairs_written_total", "Pairs written to the pair log", [
    "feedback",
  ]);
  const duplicates = metrics.counter(
    "pfpo_pairs_duplicate_total",
    "Pairs dropped because the pair log already held them",
    ["feedback"],
  );
  return {
    decided(kind, value, kept) {
      decided.labels({ kind, kept: String(kept) }).inc();
      if (Number.isFinite(value)) share.labels({ kind }).observe(value);
    },
    saved(rule, samples) {
      if (samples > 0) saved.labels({ rule }).inc(samples);
    },
    pairs(feedback, count, dropped) {
      written.labels({ feedback }).inc(count);
      if (dropped > 0) duplicates.labels({ feedback }).inc(dropped);
    },
  };
}
