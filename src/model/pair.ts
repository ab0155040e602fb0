/**
 * Preference pairs: TRL's DPO format (prompt, chosen, rejected) plus provenance.
 *
 * @module
 */
import type { FeedbackSource } from "./feedback.ts";

/** A pair before it enters the pair log (no `seq` or `id` yet). */
export interface PairDraft {
  problem_id: string;
  prompt: string;
  chosen: string;
  rejected: string;
  chosen_score: number;
  rejected_score: number;
  feedback: FeedbackSource;
  run: string;
}

/** A pair as stored in the pair log and streamed to trainers. */
export interface Pair extends PairDraft {
  /** Monotonic position in the run's pair log, from 1. */
  seq: number;
  /** `sha256-` + hex digest of the pair's content; equal pairs share an id. */
  id: string;
}
