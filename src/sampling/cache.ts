/**
 * The sample cache: every completion a server returns is stored in the run database
 * as soon as it arrives, keyed by (endpoint, model, prompt, sampling parameters,
 * sample index). A re-run with the same settings takes the cached completions and
 * asks the server only for the missing ones, so a killed run loses at most the
 * requests that were in flight.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Sample, SampleFailure } from "../model/sample.ts";
import { ensureSchema, hasTable, migrateOnce, ReadOnlyStoreError } from "../store/database.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sample_cache (
  request_key TEXT NOT NULL,
  sample_index INTEGER NOT NULL,
  problem_id TEXT NOT NULL,
  completion TEXT NOT NULL,
  finish_reason TEXT,
  failure TEXT,
  failure_detail TEXT,
  created_at REAL NOT NULL,
  PRIMARY KEY (request_key, sample_index)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sample_cache_problem ON sample_cache (problem_id);
`;

/** What identifies a problem's samples: everything that changes what a server would return. */
export interface CacheKeyParts {
  baseURL: string;
  model: string;
  api: string;
  /** The request's prompt (messages or text). */
  input: unknown;
  /** The sampling parameters (temperature, top_p, max_tokens, stop, seed, extras). */
  params: unknown;
}

/**
 * The cache key of a problem's samples: `sha256-` + the hex digest of the parts as
 * canonical JSON (object keys sorted), so that equal settings give equal keys.
 *
 * @example Key order does not matter
 * ```ts
 * import { sampleCacheKey } from "./cache.ts";
 * import assert from "node:assert";
 * const base = { baseURL: "u", model: "m", api: "chat", input: "p" };
 * assert.equal(
 *   sampleCacheKey({ ...base, params: { temperature: 1, top_p: 0.9 } }),
 *   sampleCacheKey({ ...base, params: { top_p: 0.9, temperature: 1 } }),
 * );
 * ```
 */
export function sampleCacheKey(parts: CacheKeyParts): string {
  const hash = createHash("sha256");
  hash.update(canonicalJson(parts));
  return `sha256-${hash.digest("hex")}`;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, inner]) => inner !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}

/**
 * Completions stored in the run database.
 *
 * @example Store and read back
 * ```ts
 * import { openRunDatabase } from "../store/database.ts";
 * import { SampleCache } from "./cache.ts";
 * import assert from "node:assert";
 * const cache = new SampleCache(openRunDatabase(":memory:"));
 * cache.put("k", { problem_id: "p", index: 1, completion: "42", finish_reason: "stop" });
 * const found = cache.get("k", [0, 1]);
 * assert.equal(found.size, 1);
 * assert.equal(found.get(1)?.cached, true);
 * ```
 */
export class SampleCache {
  readonly #db: DatabaseSync;
  readonly #insert?: StatementSync;
  readonly #statements = new Map<string, StatementSync>();

  /**
   * Opens the cache in `db`, creating its table when needed (read-only: reads
   * find nothing until the run has created it, and `put` throws
   * {@link ReadOnlyStoreError}).
   */
  constructor(db: DatabaseSync, options: { readOnly?: boolean } = {}) {
    this.#db = db;
    if (options.readOnly) return;
    ensureSchema(db, SCHEMA);
    migrateOnce(db, "sample_cache.created_at in ms", () => {
      db.exec("UPDATE sample_cache SET created_at = created_at * 1000 WHERE created_at < 1e11");
    });
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO sample_cache
       (request_key, sample_index, problem_id, completion, finish_reason, failure, failure_detail, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Stores a sample under `key` at its index; the first sample stored for an index
   * wins. Returns false when the index was already stored.
   */
  put(key: string, sample: Sample): boolean {
    if (!this.#insert) {
      throw new ReadOnlyStoreError("Cannot store a sample: the database is read-only");
    }
    const result = this.#insert.run(
      key,
      sample.index,
      sample.problem_id,
      sample.completion,
      sample.finish_reason ?? null,
      sample.failure ?? null,
      sample.failure_detail ?? null,
      Date.now(),
    );
    return Number(result.changes) === 1;
  }

  /** The cached samples under `key` at `indices`, marked `cached: true`, by index. */
  get(key: string, indices: readonly number[]): Map<number, Sample> {
    const found = new Map<number, Sample>();
    if (indices.length === 0) return found;
    const wanted = new Set(indices);
    if (!this.#insert && !hasTable(this.#db, "sample_cache")) return found;
    const rows = this.#prepare(
      `SELECT ${COLUMNS} FROM sample_cache WHERE request_key = ? AND sample_index BETWEEN ? AND ?`,
    ).all(key, Math.min(...indices), Math.max(...indices));
    for (const row of rows) {
      const sample = sampleOfRow(row);
      if (wanted.has(sample.index)) found.set(sample.index, { ...sample, cached: true });
    }
    return found;
  }

  /** Every sample stored for problem `problemId`, in the order they arrived. */
  forProblem(problemId: string): Sample[] {
    if (!this.#insert && !hasTable(this.#db, "sample_cache")) return [];
    return this.#prepare(
      `SELECT ${COLUMNS} FROM sample_cache WHERE problem_id = ? ORDER BY created_at, sample_index`,
    ).all(problemId).map(sampleOfRow);
  }

  /** Samples stored in total. */
  size(): number {
    if (!this.#insert && !hasTable(this.#db, "sample_cache")) return 0;
    return Number(this.#prepare("SELECT COUNT(*) AS n FROM sample_cache").get()?.n ?? 0);
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, statement = this.#db.prepare(sql));
    return statement;
  }
}

const COLUMNS = "sample_index, problem_id, completion, finish_reason, failure, failure_detail";

function sampleOfRow(row: Record<string, unknown>): Sample {
  const sample: Sample = {
    problem_id: String(row.problem_id),
    index: Number(row.sample_index),
    completion: String(row.completion),
  };
  if (row.finish_reason !== null) sample.finish_reason = String(row.finish_reason);
  if (row.failure !== null) sample.failure = String(row.failure) as SampleFailure;
  if (row.failure_detail !== null) sample.failure_detail = String(row.failure_detail);
  return sample;
}
