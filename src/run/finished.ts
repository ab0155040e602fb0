/**
 * The problems a run has finished (`run_problems`), with their outcomes: what a
 * resumed run skips, what the summary totals and what the dashboard lists. This
 * module alone reads and writes the table.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ensureSchema, hasTable, ReadOnlyStoreError } from "../store/database.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run_problems (
  problem_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  detail TEXT NOT NULL,
  finished_at REAL NOT NULL
);
`;

/** What a problem's processing left behind, kept so a resumed run can skip it. */
export interface ProblemOutcome {
  /** `"done"`, or why the problem gave nothing (e.g. `"no_label"`). */
  status: string;
  /** Figures for the summary (samples, pairs, …). */
  detail: Record<string, number | string | boolean>;
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

function outcomeOfRow(row: Record<string, unknown>): FinishedOutcome {
  return {
    problem_id: String(row.problem_id),
    status: String(row.status),
    detail: JSON.parse(String(row.detail)),
  };
}
