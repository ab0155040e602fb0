/**
 * The problems a run has finished (`run_problems`), with their outcomes: what a
 * resumed run skips, what the summary totals and what the dashboard lists. This
 * module alone reads and writes the table.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { FieldError } from "../errors.ts";
import { ensureSchema, hasTable, ReadOnlyStoreError } from "../store/database.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run_problems (
  problem_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  detail TEXT NOT NULL,
  finished_at REAL NOT NULL
);
`;

/** Every way a problem can end. */
export const OUTCOME_STATUSES = [
  "done",
  "no_label",
  "all_same",
  "no_tests",
  "no_samples",
  "no_prefix",
] as const;

/**
 * How a problem ended: `done` (its pairs were drawn), or why it gave none —
 * `no_label` (the vote kept no label), `all_same` (every sample scored alike),
 * `no_tests` (a code problem without test inputs), `no_samples` (the recorded file
 * has none for it), `no_prefix` (no step prefix to branch from).
 */
export type OutcomeStatus = typeof OUTCOME_STATUSES[number];

/**
 * The figures a problem's outcome records: those the summary totals over every
 * recipe are typed here; a recipe adds its own (e.g. `inputs`, `votes`).
 */
export interface OutcomeDetail {
  /** The recipe that finished the problem (a pipeline running several keys by it). */
  recipe?: string;
  /** Samples drawn for the problem. */
  samples?: number;
  /** Samples early stopping saved. */
  saved?: number;
  /** Pairs the recipe's policy drew. */
  pairs?: number;
  /** Of those, pairs new to the log. */
  new_pairs?: number;
  /** Whether the pseudo label agreed with the gold answer (math, when gold exists). */
  label_correct?: boolean;
  /** Test inputs whose pseudo label could be checked against gold (code). */
  labels_checked?: number;
  /** Of those, labels that agreed with gold. */
  labels_correct?: number;
  /** The recipe's own figures. */
  [figure: string]: number | string | boolean | undefined;
}

/** What a problem's processing left behind, kept so a resumed run can skip it. */
export interface ProblemOutcome {
  /** How the problem ended. */
  status: OutcomeStatus;
  /** Its figures, for the summary and the dashboard. */
  detail: OutcomeDetail;
}

/** A finished problem's outcome under the key it was finished with. */
export interface FinishedOutcome extends ProblemOutcome {
  /** The problem's key (`<recipe>:<problem id>` in the pipeline). */
  problem_id: string;
}

/**
 * The finished problems of a run database.
 *
 * @example Finish a problem, read it back read-only
 * ```ts
 * import { openRunDatabase } from "../store/database.ts";
 * import { FinishedProblems } from "./finished.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * const reader = new FinishedProblems(db, { readOnly: true });
 * assert.equal(reader.count(), 0);
 * new FinishedProblems(db).record("gold:p", { status: "done", detail: { pairs: 1 } });
 * assert.ok(reader.has("gold:p"));
 * assert.deepEqual(reader.recent(5).map((o) => o.problem_id), ["gold:p"]);
 * ```
 */
export class FinishedProblems {
  readonly #db: DatabaseSync;
  readonly #readOnly: boolean;
  readonly #statements = new Map<string, StatementSync>();

  /**
   * Opens the table in `db`, creating it unless `readOnly` (then reads find nothing
   * until the run has created it, and `record` throws {@link ReadOnlyStoreError}).
   */
  constructor(db: DatabaseSync, options: { readOnly?: boolean } = {}) {
    this.#db = db;
    this.#readOnly = options.readOnly ?? false;
    if (!this.#readOnly) ensureSchema(db, SCHEMA);
  }

  /** True when the problem `key` is finished. */
  has(key: string): boolean {
    return this.#readable() &&
      this.#prepare("SELECT 1 FROM run_problems WHERE problem_id = ?").get(key) !== undefined;
  }

  /** Records that the problem `key` is finished (after its pairs and scores are stored). */
  record(key: string, outcome: ProblemOutcome): void {
    if (this.#readOnly) {
      throw new ReadOnlyStoreError("Cannot record a finished problem: the database is read-only");
    }
    this.#prepare(
      "INSERT OR REPLACE INTO run_problems (problem_id, status, detail, finished_at) VALUES (?, ?, ?, ?)",
    ).run(key, outcome.status, JSON.stringify(outcome.detail), Date.now());
  }

  /** How many problems are finished. */
  count(): number {
    if (!this.#readable()) return 0;
    return Number(this.#prepare("SELECT COUNT(*) AS n FROM run_problems").get()?.n ?? 0);
  }

  /** Every finished problem's outcome, in the order they finished. */
  *all(): Generator<FinishedOutcome> {
    if (!this.#readable()) return;
    const rows = this.#db.prepare(
      "SELECT problem_id, status, detail FROM run_problems ORDER BY finished_at, rowid",
    ).iterate();
    for (const row of rows) yield outcomeOfRow(row);
  }

  /** The `limit` most recently finished problems, newest first. */
  recent(limit: number): FinishedOutcome[] {
    if (!this.#readable()) return [];
    return this.#prepare(
      "SELECT problem_id, status, detail FROM run_problems ORDER BY finished_at DESC, rowid DESC LIMIT ?",
    ).all(limit).map(outcomeOfRow);
  }

  #readable(): boolean {
    return !this.#readOnly || this.#statements.size > 0 || hasTable(this.#db, "run_problems");
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, statement = this.#db.prepare(sql));
    return statement;
  }
}

/** The one place outcomes are read back from the table. */
function outcomeOfRow(row: Record<string, unknown>): FinishedOutcome {
  const key = String(row.problem_id);
  const status = OUTCOME_STATUSES.find((s) => s === row.status);
  const detail: unknown = JSON.parse(String(row.detail));
  if (status === undefined || typeof detail !== "object" || detail === null) {
    throw new FieldError(
      "run_problems",
      `has an unreadable outcome for ${key}: status ${JSON.stringify(row.status)}`,
    );
  }
  return { problem_id: key, status, detail: detail as OutcomeDetail };
}
