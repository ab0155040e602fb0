/**
 * The pair log: preference pairs appended to the run database with a monotonic
 * `seq` and a content-hash `id`, readable from any `seq` onward while the run writes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ConfigError } from "../errors.ts";
import type { Pair, PairDraft, PairLevel } from "../model/pair.ts";
import {
  afterCommit,
  ensureColumn,
  ensureSchema,
  getRunMeta,
  hasTable,
  ReadOnlyStoreError,
  setRunMeta,
  transaction,
} from "./database.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pairs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  problem_id TEXT NOT NULL,
  body TEXT NOT NULL,
  committed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pairs_problem ON pairs (problem_id);
`;

/** Options for reading pairs. */
export interface PairReadOptions {
  /** Most pairs to return. Default 1000. */
  limit?: number;
  /** This reader's shard, from 0; with `shards`, only pairs with `seq % shards == shard`. */
  shard?: number;
  /** Number of shards. Default 1 (no sharding). */
  shards?: number;
  /** Only pairs with `seq <= upTo`. */
  upTo?: number;
  /** Only pairs of this level. Default: both levels. */
  level?: PairLevel;
  /**
   * The training mix of the paper's later iterations: every step pair, and this
   * share (0–1) of the solution pairs, picked by `seq` so that every reader, shard
   * and resumed stream picks the same ones. Not with `level`.
   */
  replayRatio?: number;
  /** Only pairs whose `confidence` is at least this (pairs without one are left out). */
  minConfidence?: number;
}

/** Options for {@link PairLog.follow}. */
export interface PairFollowOptions extends Omit<PairReadOptions, "limit" | "upTo"> {
  /** Stops following when aborted. */
  signal?: AbortSignal;
  /** Pairs read per query. Default 500. */
  batchSize?: number;
}

/** Options for {@link PairLog}. */
export interface PairLogOptions {
  /** How often a waiting reader checks for pairs written by another process (ms). Default 100. */
  pollMs?: number;
  /** The database was opened read-only: no table is created and appends throw. */
  readOnly?: boolean;
}

/**
 * The content id of a pair: `sha256-` + hex digest over its problem, prompt, chosen
 * and rejected texts. Equal content gives an equal id, so duplicates are dropped.
 */
export function pairId(draft: PairDraft): string {
  const hash = createHash("sha256");
  const content = [draft.problem_id, draft.prompt, draft.chosen, draft.rejected];
  // Solution pairs keep the ids they had before levels existed.
  hash.update(JSON.stringify(draft.level === "step" ? [...content, "step"] : content));
  return `sha256-${hash.digest("hex")}`;
}

/**
 * An append-only log of pairs in SQLite.
 *
 * @example Append and read back
 * ```ts
 * import { openRunDatabase } from "./database.ts";
 * import { PairLog } from "./pair_log.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * const draft = {
 *   problem_id: "p", prompt: "q", chosen: "a", rejected: "b",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold" as const, run: "r",
 * };
 * const written = log.append([draft, draft]);
 * assert.equal(written.length, 1); // the duplicate is dropped
 * assert.equal(log.after(0)[0].seq, 1);
 * ```
 */
export class PairLog {
  readonly #db: DatabaseSync;
  readonly #pollMs: number;
  readonly #insert?: StatementSync;
  readonly #exists?: StatementSync;
  readonly #waiters = new Set<() => void>();
  readonly #listeners = new Set<() => void>();
  /** The SQL of a row's level: the column, or a constant on an old read-only log. */
  readonly #level: string;
  /** The SQL of a row's confidence: the column, or the body's on an old read-only log. */
  readonly #confidence: string;

  /**
   * Opens the pair log of a run database (creating its table when writable, and
   * adding the `level` and `confidence` columns to a log made before they existed).
   */
  constructor(db: DatabaseSync, options: PairLogOptions = {}) {
    this.#db = db;
    this.#pollMs = options.pollMs ?? 100;
    const readOnly = options.readOnly ?? false;
    if (!readOnly) ensureSchema(db, SCHEMA);
    const created = PairLog.exists(db);
    const hasLevel = created &&
      ensureColumn(db, "pairs", "level", "TEXT NOT NULL DEFAULT 'solution'", { readOnly });
    this.#level = hasLevel ? "level" : "'solution'";
    const hadConfidence = created &&
      ensureColumn(db, "pairs", "confidence", "REAL", { readOnly: true });
    const hasConfidence = hadConfidence ||
      (created && ensureColumn(db, "pairs", "confidence", "REAL", { readOnly }));
    if (hasConfidence && !hadConfidence) {
      // Added now: fill it from the pairs' bodies.
      db.exec(
        "UPDATE pairs SET confidence = json_extract(body, '$.confidence') WHERE confidence IS NULL",
      );
    }
    this.#confidence = hasConfidence ? "confidence" : "json_extract(body, '$.confidence')";
    if (!readOnly) {
      ensureSchema(db, "CREATE INDEX IF NOT EXISTS pairs_level ON pairs (level, seq)");
      this.#insert = db.prepare(
        "INSERT INTO pairs (id, problem_id, level, body, committed_at, confidence)" +
          " VALUES (?, ?, ?, ?, ?, ?)",
      );
      this.#exists = db.prepare("SELECT 1 FROM pairs WHERE id = ?");
    }
  }

  /**
   * Appends pairs in one transaction (or as part of the open one) and returns those
   * that were new (a pair whose id is already in the log is skipped).
   */
  append(drafts: readonly PairDraft[]): Pair[] {
    const insert = this.#insert;
    const exists = this.#exists;
    if (!insert || !exists) {
      throw new ReadOnlyStoreError("Cannot append to the pair log: the database is read-only");
    }
    const written = transaction(this.#db, () => {
      const out: Pair[] = [];
      const now = Date.now();
      for (const draft of drafts) {
        const id = pairId(draft);
        // Checked first: a rejected insert would still use up an AUTOINCREMENT value.
        if (exists.get(id)) continue;
        const level = draft.level ?? "solution";
        const body = JSON.stringify({ ...draft, level });
        const confidence = draft.confidence ?? null;
        const result = insert.run(id, draft.problem_id, level, body, now, confidence);
        out.push({ seq: Number(result.lastInsertRowid), id, ...draft, level });
      }
      return out;
    });
    if (written.length > 0) {
      // Inside a larger transaction (a problem's record), followers hear of the
      // pairs only once they are committed.
      afterCommit(this.#db, () => {
        for (const listener of this.#listeners) listener();
        this.#wake();
      });
    }
    return written;
  }

  /**
   * Calls `listener` synchronously after each append that committed new pairs (in
   * this process); returns the function that stops the calls.
   */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Pairs with `seq > after`, in `seq` order. */
  after(after: number, options: PairReadOptions = {}): Pair[] {
    const limit = options.limit ?? 1000;
    const shards = options.shards ?? 1;
    const shard = options.shard ?? 0;
    const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;
    const mix = this.#mixFilter(options);
    const { minConfidence } = options;
    const confident = minConfidence === undefined ? "" : `AND ${this.#confidence} >= ?`;
    return this.#db.prepare(
      `SELECT seq, id, body FROM pairs WHERE seq > ? AND seq <= ? AND seq % ? = ? ${mix.sql}
       ${confident} ORDER BY seq LIMIT ?`,
    ).all(
      after,
      upTo,
      shards,
      shard % shards,
      ...mix.params,
      ...(minConfidence === undefined ? [] : [minConfidence]),
      limit,
    ).map(rowToPair);
  }

  /** True when a run has created the pair log in `db` (a run only just started may not have). */
  static exists(db: DatabaseSync): boolean {
    return hasTable(db, "pairs");
  }

  /** Pairs in the log. */
  count(): number {
    return Number(this.#db.prepare("SELECT COUNT(*) AS n FROM pairs").get()?.n ?? 0);
  }

  /** Pairs in the log, by feedback source. */
  countByFeedback(): Record<string, number> {
    const rows = this.#db.prepare(
      "SELECT json_extract(body, '$.feedback') AS k, COUNT(*) AS n FROM pairs GROUP BY k ORDER BY k",
    ).all();
    return Object.fromEntries(rows.map((row) => [String(row.k), Number(row.n)]));
  }

  /** Pairs written so far by level. */
  countByLevel(): Record<PairLevel, number> {
    const counts: Record<PairLevel, number> = { solution: 0, step: 0 };
    const rows = this.#db.prepare(
      `SELECT ${this.#level} AS level, COUNT(*) AS n FROM pairs GROUP BY 1`,
    )
      .all();
    for (const row of rows) counts[row.level as PairLevel] = Number(row.n);
    return counts;
  }

  #mixFilter(options: PairReadOptions): { sql: string; params: (string | number)[] } {
    const { level, replayRatio } = options;
    if (replayRatio !== undefined) {
      if (level !== undefined) {
        throw new ConfigError("Cannot read pairs: a replay ratio mixes levels, give no level");
      }
      if (!(replayRatio >= 0 && replayRatio <= 1)) {
        throw new ConfigError(`Invalid replay ratio: must be in [0, 1], got ${replayRatio}`);
      }
      // Fibonacci hashing of seq: the picked share of any run of seqs is close to the ratio.
      return {
        sql: `AND (${this.#level} = 'step' OR (seq * ${GOLDEN}) % ${TWO_32} < ?)`,
        params: [Math.round(replayRatio * TWO_32)],
      };
    }
    if (level !== undefined) return { sql: `AND ${this.#level} = ?`, params: [level] };
    return { sql: "", params: [] };
  }

  /** The pairs of one problem, in `seq` order. */
  forProblem(problemId: string): Pair[] {
    return this.#db.prepare("SELECT seq, id, body FROM pairs WHERE problem_id = ? ORDER BY seq")
      .all(problemId).map(rowToPair);
  }

  /** The pair with id `id`, if the log holds it. */
  get(id: string): Pair | undefined {
    const row = this.#db.prepare("SELECT seq, id, body FROM pairs WHERE id = ?").get(id);
    return row ? rowToPair(row) : undefined;
  }

  /** The highest `seq` written so far (0 when empty). */
  lastSeq(): number {
    const row = this.#db.prepare("SELECT MAX(seq) AS seq FROM pairs").get();
    return Number(row?.seq ?? 0);
  }

  /** The commit time (ms since the epoch) of the pair at `seq`, if any. */
  committedAt(seq: number): number | undefined {
    const row = this.#db.prepare("SELECT committed_at FROM pairs WHERE seq = ?").get(seq);
    return row ? Number(row.committed_at) : undefined;
  }

  /** Marks the run as finished: followers end once they have read everything. */
  markFinished(): void {
    setRunMeta(this.#db, "pairs_finished", "1");
    this.#wake();
  }

  /** Marks the run as writing again (a resumed run). */
  markWriting(): void {
    setRunMeta(this.#db, "pairs_finished", "0");
  }

  /** True when the run that writes this log has finished. */
  isFinished(): boolean {
    return getRunMeta(this.#db, "pairs_finished") === "1";
  }

  /**
   * Resolves when a pair with `seq > after` exists, the run has finished, or
   * `signal` aborts; wakes at once for appends from this process and polls for
   * appends from other processes.
   */
  async waitFor(after: number, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted && this.lastSeq() <= after && !this.isFinished()) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, this.#pollMs);
        this.#waiters.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  /**
   * Every pair with `seq > after`: first the backlog, then each new pair as it is
   * committed; ends when the run has finished and everything was read, or when
   * `signal` aborts. Reads lazily: a slow consumer holds back the reads.
   */
  async *follow(after: number, options: PairFollowOptions = {}): AsyncGenerator<Pair> {
    for await (const page of this.followPages(after, options)) yield* page;
  }

  /**
   * The same as {@link PairLog.follow}, a page (at most `batchSize` pairs) at a time:
   * each page is what the log holds when it is read, so a reader that sends pages
   * (e.g. one network write per page) does one step per page rather than per pair.
   */
  async *followPages(after: number, options: PairFollowOptions = {}): AsyncGenerator<Pair[]> {
    const { signal, batchSize = 500 } = options;
    let cursor = after;
    while (!signal?.aborted) {
      const finished = this.isFinished();
      const horizon = this.lastSeq();
      if (horizon > cursor) {
        const page = this.after(cursor, { ...options, limit: batchSize, upTo: horizon });
        // A short page means every row up to the horizon was scanned (shards skip rows).
        cursor = page.length < batchSize ? horizon : page[page.length - 1].seq;
        if (page.length > 0) yield page;
        continue;
      }
      if (finished) return;
      await this.waitFor(cursor, signal);
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

const GOLDEN = 2654435761;
const TWO_32 = 4294967296;

function rowToPair(row: Record<string, unknown>): Pair {
  return {
    seq: Number(row.seq),
    id: String(row.id),
    level: "solution",
    ...JSON.parse(String(row.body)),
  };
}
