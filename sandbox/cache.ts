/**
 * The execution cache: results keyed by (language, program, input, limits), so an
 * identical run is never repeated. Persistent in the run database when one is
 * given, in memory otherwise.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ExecutionResult } from "../src/model/execution.ts";
import { ensureSchema, migrateOnce } from "../src/store/database.ts";
import type { WireProgramBase } from "./job.ts";
import type { WireInput } from "./protocol.ts";
import { LruCache } from "../src/lru.ts";

/**
 * Version of the execution semantics in the key: results stored under an earlier
 * version are not trusted: 2 gave programs their own isolation unit, 3 judges JavaScript
 * gold tests in a separate checker (before, a right program failed and a forged verdict passed),
 * 4 prints JavaScript format strings and large values as Deno does and gives a Python
 * program back the descriptors it closed (before, `open(0)` failed its later inputs), 5
 * runs TypeScript and modules importing `fs`, `readline` or `process` as a judge would
 * (before, `import * as readline from "readline"` was a compile error), wakes a module's
 * timers after it waited on the host (before, it timed out) and decodes
 * `readFileSync(0).toString()` (before, it gave the bytes' numbers joined by commas), 6
 * serves stdin to `read()` on "readable" and as bytes to "data" without `setEncoding`,
 * and calls a `once` listener once (before, such programs read no input or every line), 7
 * runs `process.on("exit")` listeners at a program's end (before, `process.on` threw), 8
 * prints a readline question to the interface's output stream, as Node does, 9 serves
 * `assert`, `util`, `events` and `perf_hooks` to `require` (before, a gold test that required
 * `node:assert` failed every program) and decodes stdin's bytes in a context about 6 times
 * faster (before, a large input's `readFileSync(0).toString()` could use up a time limit),
 * 10 runs a Python thread's target when it starts, serves `resource`, gives a recursion
 * through C three times the stack (before, these failed) and makes `sys.maxsize` 2**63 - 1,
 * 11 runs a Python program's `atexit` callbacks as it ends and gives the standard streams
 * their `mode` (before, output written from such a callback, and PyRival's fast input/output
 * template, were lost), 12 gives Python's standard streams CPython's newline handling (a
 * "\r\n" input line keeps its "\r") and makes `sys.__stdin__` and the others the same objects.
 */
const KEY_VERSION = 12;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sandbox_executions (
  key TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  created_at REAL NOT NULL
)`;

/** Options for {@link ExecutionCache}. */
export interface ExecutionCacheOptions {
  /** Keep results in this run database (table `sandbox_executions`). Default: in memory. */
  db?: DatabaseSync;
  /** Most results kept in memory (least recently used dropped first). Default 100000. */
  maxEntries?: number;
}

/**
 * Execution results by job key. Results with status `sandbox_error` are never
 * stored (they say nothing about the program).
 *
 * @example Store and find a result
 * ```ts
 * import { ExecutionCache } from "./cache.ts";
 * import assert from "node:assert";
 * const cache = new ExecutionCache();
 * const key = ExecutionCache.key({ language: "python", mode: "stdio", code: "print(1)", test_code: "",
 *   entry_point: "", timeout_ms: 5000, memory_mb: 512, max_output_bytes: 1048576 }, { stdin: "", args: "" });
 * cache.set(key, { status: "ok", stdout: "1\n", stderr: "", duration_ms: 3 });
 * assert.equal(cache.get(key)?.stdout, "1\n");
 * ```
 */
export class ExecutionCache {
  readonly #memory: LruCache<string, ExecutionResult>;
  readonly #db?: DatabaseSync;
  readonly #select?: StatementSync;
  readonly #insert?: StatementSync;

  /** Creates a cache, in `options.db` when given. */
  constructor(options: ExecutionCacheOptions = {}) {
    this.#memory = new LruCache(options.maxEntries ?? 100_000);
    this.#db = options.db;
    if (options.db) {
      const db = options.db;
      ensureSchema(db, SCHEMA);
      migrateOnce(db, "sandbox_executions.created_at in ms", () => {
        db.exec(
          "UPDATE sandbox_executions SET created_at = created_at * 1000 WHERE created_at < 1e11",
        );
      });
      this.#select = options.db.prepare("SELECT result FROM sandbox_executions WHERE key = ?");
      this.#insert = options.db.prepare(
        "INSERT OR REPLACE INTO sandbox_executions (key, result, created_at) VALUES (?, ?, ?)",
      );
    }
  }

  /** The cache key of one execution: a SHA-256 over language, mode, program, input and limits. */
  static key(program: WireProgramBase, input: WireInput): string {
    const parts = [
      KEY_VERSION,
      program.language,
      program.mode,
      program.code,
      program.test_code,
      input.stdin,
      program.entry_point,
      input.args,
      program.timeout_ms,
      program.memory_mb,
      program.max_output_bytes,
    ];
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  }

  /** The stored result for `key`, if any. */
  get(key: string): ExecutionResult | undefined {
    const hit = this.#memory.get(key);
    if (hit) return { ...hit };
    const row = this.#select?.get(key);
    if (!row) return undefined;
    const result = JSON.parse(String(row.result)) as ExecutionResult;
    this.#memory.set(key, result);
    return { ...result };
  }

  /** Stores `result` under `key` (ignored for `sandbox_error`). */
  set(key: string, result: ExecutionResult): void {
    if (result.status === "sandbox_error") return;
    const copy = { ...result };
    this.#memory.set(key, copy);
    this.#insert?.run(key, JSON.stringify(copy), Date.now());
  }

  /** Results stored in the run database, by status (empty without one). */
  countByStatus(): Record<string, number> {
    if (!this.#db) return {};
    const rows = this.#db.prepare(
      `SELECT json_extract(result, '$.status') AS status, COUNT(*) AS n
       FROM sandbox_executions GROUP BY status ORDER BY status`,
    ).all();
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  /** Results held in memory. */
  get size(): number {
    return this.#memory.size;
  }
}
