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
import { ensureSchema } from "../store/database.ts";

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
  readonly #insert: StatementSync;
  readonly #select: StatementSync;
  readonly #count: StatementSync;

  /** Opens the cache in `db`, creating its table when needed. */
  constructor(db: DatabaseSync) {
    ensureSchema(db, SCHEMA);
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO sample_cache
       (request_key, sample_index, problem_id, completion, finish_reason, failure, failure_detail, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#select = db.prepare(
      `SELECT sample_index, problem_id, completion, finish_reason, failure, failure_detail
       FROM sample_cache WHERE request_key = ? AND sample_index BETWEEN ? AND ?`,
    );
    this.#count = db.prepare("SELECT COUNT(*) AS n FROM sample_cache");
  }

  /**
   * Stores a sample under `key` at its index; the first sample stored for an index
   * wins. Returns false when the index was already stored.
   */
  put(key: string, sample: Sample): boolean {
    const result = this.#insert.run(
      key,
      sample.index,
      sample.problem_id,
      sample.completion,
      sample.finish_reason ?? null,
      sample.failure ?? null,
      sample.failure_detail ?? null,
      Date.now() / 1000,
    );
    return Number(result.changes) === 1;
  }

  /** The cached samples under `key` at `indices`, marked `cached: true`, by index. */
  get(key: string, indices: readonly number[]): Map<number, Sample> {
    const found = new Map<number, Sample>();
    if (indices.length === 0) return found;
    const wanted = new Set(indices);
    const rows = this.#select.all(key, Math.min(...indices), Math.max(...indices));
    for (const row of rows) {
      const index = Number(row.sample_index);
      if (!wanted.has(index)) continue;
      const sample: Sample = {
        problem_id: String(row.problem_id),
        index,
        completion: String(row.completion),
        cached: true,
      };
      if (row.finish_reason !== null) sample.finish_reason = String(row.finish_reason);
      if (row.failure !== null) sample.failure = String(row.failure) as SampleFailure;
      if (row.failure_detail !== null) sample.failure_detail = String(row.failure_detail);
      found.set(index, sample);
    }
    return found;
  }

  /** Samples stored in total. */
  size(): number {
    return Number(this.#count.get()?.n ?? 0);
  }
}
