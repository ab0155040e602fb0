import assert from "node:assert/strict";
import { ExecutionCache } from "../../sandbox/cache.ts";
import { SampleCache } from "../sampling/cache.ts";
import { openRunDatabase } from "./database.ts";

const SECONDS = 1_700_000_000.5;

function oldDatabase(path: string): void {
  const db = openRunDatabase(path);
  db.exec(`
    CREATE TABLE sample_cache (
      request_key TEXT NOT NULL, sample_index INTEGER NOT NULL, problem_id TEXT NOT NULL,
      completion TEXT NOT NULL, finish_reason TEXT, failure TEXT, failure_detail TEXT,
      created_at REAL NOT NULL, PRIMARY KEY (request_key, sample_index)
    ) WITHOUT ROWID;
    CREATE TABLE sandbox_executions (key TEXT PRIMARY KEY, result TEXT NOT NULL, created_at REAL NOT NULL);
  `);
  db.prepare("INSERT INTO sample_cache VALUES ('k', 0, 'p', 'old', NULL, NULL, NULL, ?)").run(
    SECONDS,
  );
  db.prepare("INSERT INTO sandbox_executions VALUES ('x', '{\"status\":\"ok\"}', ?)").run(SECONDS);
  db.close();
}

Deno.test("the sample and execution caches store times in ms and migrate a database in seconds once", async () => {
  const path = `${await Deno.makeTempDir()}/run.db`;
  oldDatabase(path);
  const before = Date.now();
  for (let open = 0; open < 2; open++) {
    const db = openRunDatabase(path);
    const samples = new SampleCache(db);
    const executions = new ExecutionCache({ db });
    if (open === 0) {
      samples.put("k", { problem_id: "p", index: 1, completion: "new" });
      executions.set("y", { status: "ok", stdout: "", stderr: "", duration_ms: 1 });
    }
    const times = (table: string) =>
      db.prepare(`SELECT created_at AS at FROM ${table} ORDER BY created_at`).all().map((row) =>
        Number(row.at)
      );
    for (const table of ["sample_cache", "sandbox_executions"]) {
      const [old, fresh] = times(table);
      assert.equal(old, SECONDS * 1000, `${table}: the old row is in ms, converted once`);
      assert.ok(fresh >= before && fresh <= Date.now(), `${table}: a new row is in ms`);
    }
    assert.deepEqual(samples.forProblem("p").map((s) => s.completion), ["old", "new"]);
    db.close();
  }
});
