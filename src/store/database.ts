/**
 * The run database: one SQLite file per run directory (`node:sqlite`), holding the
 * sample cache, execution results, votes and the pair log. Each table belongs to one
 * module, which creates it with {@link ensureSchema} and is the only one to read or
 * write it; others ask that module. Times are stored as milliseconds since the
 * epoch in every table.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { PfpoError } from "../errors.ts";

/** A write was attempted on a store opened read-only (e.g. by `deno task serve`). */
export class ReadOnlyStoreError extends PfpoError {}

/** The database file name inside a run directory. */
export const RUN_DATABASE_FILE = "run.db";

const RUN_META_SCHEMA =
  "CREATE TABLE IF NOT EXISTS run_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

/** Options for {@link openRunDatabase}. */
export interface OpenRunDatabaseOptions {
  /** Open without write access (e.g. to serve a running run). Default `false`. */
  readOnly?: boolean;
}

/**
 * Opens (creating if needed) a run database at `path` in WAL mode, so that readers
 * (the server, other processes) see committed rows while the run writes.
 *
 * @example Open an in-memory database
 * ```ts
 * import { openRunDatabase } from "./database.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * assert.equal(db.prepare("SELECT 1 AS one").get()?.one, 1);
 * db.close();
 * ```
 */
export function openRunDatabase(path: string, options: OpenRunDatabaseOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  db.exec("PRAGMA busy_timeout = 5000");
  if (!options.readOnly) {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    ensureSchema(db, RUN_META_SCHEMA);
  }
  return db;
}

/** Runs idempotent `CREATE … IF NOT EXISTS` statements. */
export function ensureSchema(db: DatabaseSync, sql: string): void {
  db.exec(sql);
}

/**
 * True when the database has table `name` (a run creates its tables as it goes, so
 * a reader of a running run may find one missing).
 *
 * @example
 * ```ts
 * import { hasTable, openRunDatabase } from "./database.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * assert.equal(hasTable(db, "t"), false);
 * db.exec("CREATE TABLE t (a INTEGER)");
 * assert.equal(hasTable(db, "t"), true);
 * ```
 */
export function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
}

/**
 * Runs the migration `name` once per database, in one transaction with the note in
 * `run_meta` that it ran (a database made by an older version is brought up to date
 * when a writer opens it; readers never migrate).
 *
 * @example Scale a column once
 * ```ts
 * import { migrateOnce, openRunDatabase } from "./database.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * db.exec("CREATE TABLE t (at REAL); INSERT INTO t VALUES (2)");
 * const toMs = () => db.exec("UPDATE t SET at = at * 1000");
 * migrateOnce(db, "t.at ms", toMs);
 * migrateOnce(db, "t.at ms", toMs);
 * assert.equal(db.prepare("SELECT at FROM t").get()?.at, 2000);
 * ```
 */
export function migrateOnce(db: DatabaseSync, name: string, migration: () => void): void {
  const key = `migration:${name}`;
  if (getRunMeta(db, key) !== undefined) return;
  ensureSchema(db, RUN_META_SCHEMA);
  transaction(db, () => {
    if (getRunMeta(db, key) !== undefined) return; // another process ran it first
    migration();
    setRunMeta(db, key, new Date().toISOString());
  });
}

/**
 * Adds `column` to `table` with its SQL `definition` (type, default) unless the
 * table has it: the idempotent migration of a database made by an older version.
 * Returns true when the column is there afterwards (false on a read-only database
 * that lacks it).
 *
 * @example Add a column twice
 * ```ts
 * import { ensureColumn, openRunDatabase } from "./database.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * db.exec("CREATE TABLE t (a INTEGER)");
 * assert.ok(ensureColumn(db, "t", "b", "TEXT NOT NULL DEFAULT 'x'"));
 * assert.ok(ensureColumn(db, "t", "b", "TEXT NOT NULL DEFAULT 'x'"));
 * ```
 */
export function ensureColumn(
  db: DatabaseSync,
  table: string,
  column: string,
  definition: string,
  options: { readOnly?: boolean } = {},
): boolean {
  const has = () =>
    db.prepare(`PRAGMA table_info(${table})`).all().some((row) => row.name === column);
  if (has()) return true;
  if (options.readOnly) return false;
  try {
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  } catch (error) {
    // Another process may have added it between the check and the change.
    if (!has()) throw error;
  }
  return true;
}

/** A transaction open on a database: its savepoint depth and what waits for its commit. */
interface OpenTransaction {
  depth: number;
  afterCommit: (() => void)[];
}

const openTransactions = new WeakMap<DatabaseSync, OpenTransaction>();

/**
 * Runs `fn` inside a transaction, committing when it returns and rolling back when
 * it throws. Called inside another transaction on the same database, it is a
 * savepoint of that one: nothing it wrote is committed before the outer one is, and
 * all of it is rolled back with the outer one.
 *
 * @example Writes of a failed transaction are all undone, nested ones too
 * ```ts
 * import { openRunDatabase, transaction } from "./database.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * db.exec("CREATE TABLE t (a INTEGER)");
 * assert.throws(() =>
 *   transaction(db, () => {
 *     transaction(db, () => db.exec("INSERT INTO t VALUES (1)"));
 *     throw new Error("failed after the nested write");
 *   })
 * );
 * assert.equal(db.prepare("SELECT COUNT(*) AS n FROM t").get()?.n, 0);
 * ```
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  const open = openTransactions.get(db);
  if (open) return savepoint(db, open, fn);
  const started: OpenTransaction = { depth: 0, afterCommit: [] };
  db.exec("BEGIN IMMEDIATE");
  openTransactions.set(db, started);
  let result: T;
  try {
    result = fn();
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  } finally {
    openTransactions.delete(db);
  }
  for (const callback of started.afterCommit) callback();
  return result;
}

function savepoint<T>(db: DatabaseSync, open: OpenTransaction, fn: () => T): T {
  const name = `nested_${++open.depth}`;
  const waiting = open.afterCommit.length;
  db.exec(`SAVEPOINT ${name}`);
  try {
    const result = fn();
    db.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    db.exec(`ROLLBACK TO ${name}`);
    db.exec(`RELEASE ${name}`);
    open.afterCommit.length = waiting;
    throw error;
  } finally {
    open.depth--;
  }
}

/**
 * Calls `callback` once what was written is committed: at once outside a
 * transaction, after the commit of the open one inside it (never, if it rolls back).
 */
export function afterCommit(db: DatabaseSync, callback: () => void): void {
  const open = openTransactions.get(db);
  if (open) open.afterCommit.push(callback);
  else callback();
}

/** Reads a value from the run's key/value metadata table. */
export function getRunMeta(db: DatabaseSync, key: string): string | undefined {
  try {
    const row = db.prepare("SELECT value FROM run_meta WHERE key = ?").get(key);
    return row ? String(row.value) : undefined;
  } catch {
    return undefined; // a read-only database made before the table existed
  }
}

/** Writes a value into the run's key/value metadata table. */
export function setRunMeta(db: DatabaseSync, key: string, value: string): void {
  db.prepare(
    "INSERT INTO run_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(key, value);
}
