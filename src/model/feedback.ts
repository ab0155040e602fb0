/**
 * Votes and scored samples: the pseudo labels and what each sample earns against them.
 *
 * @module
 */

/** Where a label or a test came from. */
export type FeedbackSource = "self_consistency" | "frontier" | "gold";

/** A vote over one question: a math problem's answer, or one code test input's output. */
export interface Vote {
  /** The problem voted on. */
  problem_id: string;
  /** For code: the test input voted on; absent for math. */
  input?: string;
  /** The winning answer or output; absent when nothing voted. */
  label?: string;
  /** Votes for the label. */
  votes: number;
  /** All votes cast (samples that produced an answer or ran ok). */
  total: number;
  /** True once the vote is final for its problem. */
  decided: boolean;
  /** False when the vote was dropped (too few votes, share under the minimum). */
  kept: boolean;
}

/** A sample with its score against the pseudo (or gold) feedback. */
export interface ScoredSample {
  /** The problem the sample answers. */
  problem_id: string;
  /** The sample's position among the problem's samples, from 0. */
  index: number;
  /** The sample's completion. */
  completion: string;
  /** The extracted answer (math) or program (code). */
  extracted?: string;
  /** Math: 1 or 0; code: tests passed. */
  score: number;
  /** The best score possible (1 for math, kept tests for code). */
  max_score: number;
  /** Where the label or tests scored against came from. */
  feedback: FeedbackSource;
}
