/**
 * Preference pairs: TRL's DPO format (prompt, chosen, rejected) plus provenance.
 *
 * Two levels. A `"solution"` pair compares two whole solutions; a `"step"` pair
 * compares two partial solutions (prefixes) by how often the policy, continuing
 * from each, reaches the pseudo label. A prefix is not a finished answer, so a
 * trainer must not append an end-of-sequence token to a step pair's texts.
 *
 * @module
 */
import type { FeedbackSource } from "./feedback.ts";

/** The levels of a pair. */
export const PAIR_LEVELS = ["solution", "step"] as const;

/** Whole solutions (`"solution"`) or prefixes of solutions (`"step"`). */
export type PairLevel = typeof PAIR_LEVELS[number];

/** Where a prefix was cut and the values behind it. */
export interface PrefixSide {
  /** Index of the solution sample the prefix was cut from. */
  sample: number;
  /** Steps (non-empty lines) the prefix keeps. */
  steps: number;
  /** Steps of the whole solution. */
  of: number;
  /**
   * One value per completion of the prefix: math 1 (reached the label) or 0; code
   * the tests the completed program passed.
   */
  values: number[];
}

/** The detail of a step pair: both prefix cuts and their completion values. */
export interface StepDetail {
  /** Completions per prefix asked for (early stopping may have used fewer). */
  completions: number;
  /** The pseudo label the math completions were checked against. */
  label?: string;
  /** Code: the pseudo tests the completed programs ran on. */
  tests?: number;
  /** The chosen prefix: its cut and its completions' values. */
  chosen: PrefixSide;
  /** The rejected prefix: its cut and its completions' values. */
  rejected: PrefixSide;
}

/** A pair before it enters the pair log (no `seq` or `id` yet). */
export interface PairDraft {
  /** The problem both texts answer. */
  problem_id: string;
  /** The prompt the policy was asked (TRL's `prompt`). */
  prompt: string;
  /** The preferred completion (or prefix, for a step pair). */
  chosen: string;
  /** The completion (or prefix) not preferred. */
  rejected: string;
  /** The chosen text's score against the feedback. */
  chosen_score: number;
  /** The rejected text's score against the feedback. */
  rejected_score: number;
  /** Where the label or tests behind the scores came from. */
  feedback: FeedbackSource;
  /** The name of the run that made the pair. */
  run: string;
  /** Default `"solution"`. Step pairs carry no end-of-sequence token. */
  level?: PairLevel;
  /** Step pairs: where the prefixes were cut and the values behind their scores. */
  step?: StepDetail;
  /**
   * The estimated probability that `chosen` is right and `rejected` wrong,
   * calibrated on data with gold labels; absent when the pair's rule gives none.
   */
  confidence?: number;
}

/** A pair as stored in the pair log and streamed to trainers. */
export interface Pair extends PairDraft {
  /** Monotonic position in the run's pair log, from 1. */
  seq: number;
  /** `sha256-` + hex digest of the pair's content; equal pairs share an id. */
  id: string;
  /** Whole solutions or prefixes (always set in the log). */
  level: PairLevel;
}
