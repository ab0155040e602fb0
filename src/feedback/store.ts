/**
 * Votes and scores in the run database, in the feedback module's own tables
 * (`feedback_votes`, `feedback_scores`), so that the server can show a problem's
 * labels and scores and a resumed run can tell which problems were scored.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { FeedbackSource, ScoredSample, Vote } from "../model/feedback.ts";
import type { Pair } from "../model/pair.ts";
import { ensureSchema, hasTable, ReadOnlyStoreError, transaction } from "../store/database.ts";
import type { CheckedPair } from "./quality.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feedback_votes (
  problem_id TEXT NOT NULL,
  feedback TEXT NOT NULL,
  position INTEGER NOT NULL,
  input TEXT,
  label TEXT,
  votes INTEGER NOT NULL,
  total INTEGER NOT NULL,
  decided INTEGER NOT NULL,
  kept INTEGER NOT NULL,
  PRIMARY KEY (problem_id, feedback, position)
);
CREATE TABLE IF NOT EXISTS feedback_scores (
  problem_id TEXT NOT NULL,
  feedback TEXT NOT NULL,
  sample_index INTEGER NOT NULL,
  extracted TEXT,
  score REAL NOT NULL,
  max_score REAL NOT NULL,
  PRIMARY KEY (problem_id, feedback, sample_index)
);
CREATE TABLE IF NOT EXISTS feedback_pair_samples (
  pair_id TEXT PRIMARY KEY,
  problem_id TEXT NOT NULL,
  chosen_index INTEGER NOT NULL,
  rejected_index INTEGER NOT NULL
);
`;

/** Which samples a written pair was made of. */
export interface PairSamples {
  /** The pair's id in the pair log. */
  pair_id: string;
  /** The problem of both samples. */
  problem_id: string;
  /** The chosen sample's index among the problem's samples. */
  chosen_index: number;
  /** The rejected sample's index among the problem's samples. */
  rejected_index: number;
}

/** A stored vote with the feedback source it was made for. */
export interface StoredVote extends Vote {
  /** The feedback source the vote was made for. */
  feedback: FeedbackSource;
}

/** A stored score: a {@link ScoredSample} without the completion (the sample cache has it). */
export type StoredScore = Omit<ScoredSample, "completion">;

/** Options for {@link FeedbackStore}. */
export interface FeedbackStoreOptions {
  /** The database was opened read-only: no table is created and writes throw. */
  readOnly?: boolean;
}

/**
 * Votes and scores of a run. Saving a problem's votes or scores for a feedback
 * source replaces what was stored for it before (a resumed run writes the same rows
 * again).
 *
 * @example Save and read back a vote
 * ```ts
 * import { openRunDatabase } from "../store/database.ts";
 * import { FeedbackStore } from "./store.ts";
 * import assert from "node:assert";
 * const store = new FeedbackStore(openRunDatabase(":memory:"));
 * store.saveVotes("self_consistency", [
 *   { problem_id: "p", label: "4", votes: 3, total: 4, decided: true, kept: true },
 * ]);
 * assert.equal(store.votes("p")[0].label, "4");
 * ```
 */
export class FeedbackStore {
  readonly #db: DatabaseSync;
  readonly #insertVote?: StatementSync;
  readonly #insertScore?: StatementSync;
  readonly #clearVotes?: StatementSync;
  readonly #clearScores?: StatementSync;
  readonly #insertPairSamples?: StatementSync;

  /** Opens the feedback tables of a run database (creating them when writable). */
  constructor(db: DatabaseSync, options: FeedbackStoreOptions = {}) {
    this.#db = db;
    if (!options.readOnly) {
      ensureSchema(db, SCHEMA);
      this.#insertVote = db.prepare(
        `INSERT OR REPLACE INTO feedback_votes
         (problem_id, feedback, position, input, label, votes, total, decided, kept)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      this.#clearVotes = db.prepare(
        "DELETE FROM feedback_votes WHERE problem_id = ? AND feedback = ?",
      );
      this.#clearScores = db.prepare(
        "DELETE FROM feedback_scores WHERE problem_id = ? AND feedback = ?",
      );
      this.#insertScore = db.prepare(
        `INSERT OR REPLACE INTO feedback_scores
         (problem_id, feedback, sample_index, extracted, score, max_score)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      this.#insertPairSamples = db.prepare(
        `INSERT OR REPLACE INTO feedback_pair_samples
         (pair_id, problem_id, chosen_index, rejected_index) VALUES (?, ?, ?, ?)`,
      );
    }
  }

  /**
   * Saves the votes of one or more problems made for `feedback` (one vote per math
   * problem, one per code test input, in input order), in one transaction; they
   * replace the problems' votes stored for `feedback` before.
   */
  saveVotes(feedback: FeedbackSource, votes: readonly Vote[]): void {
    const insert = writable(this.#insertVote);
    const clear = writable(this.#clearVotes);
    transaction(this.#db, () => {
      const positions = new Map<string, number>();
      for (const vote of votes) {
        const position = positions.get(vote.problem_id) ?? 0;
        if (position === 0) clear.run(vote.problem_id, feedback);
        positions.set(vote.problem_id, position + 1);
        insert.run(
          vote.problem_id,
          feedback,
          position,
          vote.input ?? null,
          vote.label ?? null,
          vote.votes,
          vote.total,
          vote.decided ? 1 : 0,
          vote.kept ? 1 : 0,
        );
      }
    });
  }

  /** Saves scored samples in one transaction, replacing their problems' earlier scores. */
  saveScores(scored: readonly ScoredSample[]): void {
    const insert = writable(this.#insertScore);
    const clear = writable(this.#clearScores);
    transaction(this.#db, () => {
      const cleared = new Set<string>();
      for (const s of scored) {
        const key = JSON.stringify([s.problem_id, s.feedback]);
        if (!cleared.has(key)) {
          clear.run(s.problem_id, s.feedback);
          cleared.add(key);
        }
        insert.run(s.problem_id, s.feedback, s.index, s.extracted ?? null, s.score, s.max_score);
      }
    });
  }

  /** Records which samples written pairs were made of (for checking them against gold). */
  savePairSamples(pairs: readonly PairSamples[]): void {
    const insert = writable(this.#insertPairSamples);
    transaction(this.#db, () => {
      for (const p of pairs) {
        insert.run(p.pair_id, p.problem_id, p.chosen_index, p.rejected_index);
      }
    });
  }

  /**
   * Every pair whose two samples have gold scores (the `gold` recipe scored them),
   * with its confidence and the gold verdicts, in the log's order: a sample is right
   * when its gold score is full. The pairs themselves come from `pairs` (the log).
   */
  checkedPairs(pairs: { get(id: string): Pair | undefined }): CheckedPair[] {
    if (!hasTable(this.#db, "feedback_pair_samples")) return [];
    const rows = this.#db.prepare(
      `SELECT s.pair_id AS pair_id,
              c.score >= c.max_score AS chosen_right, r.score >= r.max_score AS rejected_right
       FROM feedback_pair_samples s
       JOIN feedback_scores c ON c.problem_id = s.problem_id AND c.feedback = 'gold'
         AND c.sample_index = s.chosen_index
       JOIN feedback_scores r ON r.problem_id = s.problem_id AND r.feedback = 'gold'
         AND r.sample_index = s.rejected_index`,
    ).all();
    return rows.flatMap((row) => {
      const pair = pairs.get(String(row.pair_id));
      if (!pair || pair.feedback === "gold") return [];
      return [{ seq: pair.seq, confidence: pair.confidence, row }];
    }).sort((a, b) => a.seq - b.seq).map(({ confidence, row }) => ({
      ...(confidence !== undefined && { confidence }),
      chosen_right: row.chosen_right === 1,
      rejected_right: row.rejected_right === 1,
    }));
  }

  /** The votes stored for a problem, every feedback source, in order. */
  votes(problemId: string): StoredVote[] {
    if (!hasTable(this.#db, "feedback_votes")) return [];
    return this.#db.prepare(
      "SELECT * FROM feedback_votes WHERE problem_id = ? ORDER BY feedback, position",
    ).all(problemId).map((row) => ({
      problem_id: String(row.problem_id),
      ...(row.input !== null && { input: String(row.input) }),
      ...(row.label !== null && { label: String(row.label) }),
      votes: Number(row.votes),
      total: Number(row.total),
      decided: row.decided === 1,
      kept: row.kept === 1,
      feedback: String(row.feedback) as FeedbackSource,
    }));
  }

  /** The scores stored for a problem, every feedback source, by sample index. */
  scores(problemId: string): StoredScore[] {
    if (!hasTable(this.#db, "feedback_scores")) return [];
    return this.#db.prepare(
      "SELECT * FROM feedback_scores WHERE problem_id = ? ORDER BY feedback, sample_index",
    ).all(problemId).map((row) => ({
      problem_id: String(row.problem_id),
      index: Number(row.sample_index),
      ...(row.extracted !== null && { extracted: String(row.extracted) }),
      score: Number(row.score),
      max_score: Number(row.max_score),
      feedback: String(row.feedback) as FeedbackSource,
    }));
  }

  /** Votes kept and dropped, by feedback source. */
  voteCounts(): Record<string, { kept: number; dropped: number }> {
    if (!hasTable(this.#db, "feedback_votes")) return {};
    const out: Record<string, { kept: number; dropped: number }> = {};
    const rows = this.#db.prepare(
      "SELECT feedback, kept, COUNT(*) AS n FROM feedback_votes GROUP BY feedback, kept",
    ).all();
    for (const row of rows) {
      const entry = out[String(row.feedback)] ??= { kept: 0, dropped: 0 };
      entry[Number(row.kept) ? "kept" : "dropped"] += Number(row.n);
    }
    return out;
  }

  /** True when scores for `problemId` under `feedback` were saved (a resumed run skips it). */
  isScored(problemId: string, feedback: FeedbackSource): boolean {
    return this.#db.prepare(
      "SELECT 1 FROM feedback_scores WHERE problem_id = ? AND feedback = ? LIMIT 1",
    ).get(problemId, feedback) !== undefined;
  }
}

/**
 * The samples each written pair was made of, found by completion text among the
 * problem's scored samples (equal texts share a verdict, so the first is taken).
 *
 * @example
 * ```ts
 * import { pairSamplesOf } from "./store.ts";
 * import assert from "node:assert";
 * const scored = ["a", "b"].map((completion, index) => ({
 *   problem_id: "p", index, completion, score: 1 - index, max_score: 1,
 *   feedback: "self_consistency" as const,
 * }));
 * const [link] = pairSamplesOf([{ id: "x", problem_id: "p", chosen: "a", rejected: "b" }], scored);
 * assert.deepEqual(link, { pair_id: "x", problem_id: "p", chosen_index: 0, rejected_index: 1 });
 * ```
 */
export function pairSamplesOf(
  pairs: readonly Pick<Pair, "id" | "problem_id" | "chosen" | "rejected">[],
  scored: readonly ScoredSample[],
): PairSamples[] {
  const indexOf = new Map<string, number>();
  for (const s of scored) if (!indexOf.has(s.completion)) indexOf.set(s.completion, s.index);
  return pairs.flatMap((p) => {
    const chosen = indexOf.get(p.chosen);
    const rejected = indexOf.get(p.rejected);
    if (chosen === undefined || rejected === undefined) return [];
    return [{
      pair_id: p.id,
      problem_id: p.problem_id,
      chosen_index: chosen,
      rejected_index: rejected,
    }];
  });
}

function writable(statement: StatementSync | undefined): StatementSync {
  if (!statement) throw new ReadOnlyStoreError("Cannot save feedback: the database is read-only");
  return statement;
}
