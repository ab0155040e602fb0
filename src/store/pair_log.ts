/**
 * The pair log: preference pairs appended to the run database with a monotonic
 * `seq` and a content-hash `id`, readable from any `seq` onward while the run writes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Pair, PairDraft } from "../model/pair.ts";
import { ensureSchema, getRunMeta, setRunMeta, transaction } from "./database.ts";

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
  hash.update(JSON.stringify([draft.problem_id, draft.prompt, draft.chosen, draft.rejected]));
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

  /** Opens the pair log of a run database (creating its table when writable). */
  constructor(db: DatabaseSync, options: PairLogOptions = {}) {
    this.#db = db;
    this.#pollMs = options.pollMs ?? 100;
    if (!options.readOnly) {
      ensureSchema(db, SCHEMA);
      this.#insert = db.prepare(
        "INSERT INTO pairs (id, problem_id, body, committed_at) VALUES (?, ?, ?, ?)",
      );
      this.#exists = db.prepare("SELECT 1 FROM pairs WHERE id = ?");
    }
  }

  /**
   * Appends pairs in one transaction and returns those that were new (a pair whose
   * id is already in the log is skipped).
   */
  append(drafts: readonly PairDraft[]): Pair[] {
    const insert = this.#insert;
    const exists = this.#exists;
    if (!insert || !exists) {
      throw new Error("Cannot append to the pair log: the database is read-only");
    }
    const written = transaction(this.#db, () => {
      const out: Pair[] = [];
      const now = Date.now();
      for (const draft of drafts) {
        const id = pairId(draft);
        // Checked first: a rejected insert would still use up an AUTOINCREMENT value.
        if (exists.get(id)) continue;
        const result = insert.run(id, draft.problem_id, JSON.stringify(draft), now);
        out.push({ seq: Number(result.lastInsertRowid), id, ...draft });
      }
      return out;
    });
    if (written.length > 0) this.#wake();
    return written;
  }

  /** Pairs with `seq > after`, in `seq` order. */
  after(after: number, options: PairReadOptions = {}): Pair[] {
    const limit = options.limit ?? 1000;
    const shards = options.shards ?? 1;
    const shard = options.shard ?? 0;
    const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;
    return this.#db.prepare(
      "SELECT seq, id, body FROM pairs WHERE seq > ? AND seq <= ? AND seq % ? = ? ORDER BY seq LIMIT ?",
    ).all(after, upTo, shards, shard % shards, limit).map(rowToPair);
  }

  /** The pairs of one problem, in `seq` order. */
  forProblem(problemId: string): Pair[] {
    return this.#db.prepare("SELECT seq, id, body FROM pairs WHERE problem_id = ? ORDER BY seq")
      .all(problemId).map(rowToPair);
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

function rowToPair(row: Record<string, unknown>): Pair {
  return { seq: Number(row.seq), id: String(row.id), ...JSON.parse(String(row.body)) };
}
