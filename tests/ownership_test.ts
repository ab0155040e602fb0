/**
 * Each table of the run database is read and written by the one module that owns
 * it; every other module asks that module. This scans the program's sources (not
 * tests or benchmarks) for SQL naming a table outside its owner.
 */
import assert from "node:assert/strict";
import { relative } from "node:path";

const OWNERS: Record<string, string> = {
  run_meta: "src/store/database.ts",
  pairs: "src/store/pair_log.ts",
  sample_cache: "src/sampling/cache.ts",
  sandbox_executions: "sandbox/cache.ts",
  run_problems: "src/run/finished.ts",
  feedback_votes: "src/feedback/store.ts",
  feedback_scores: "src/feedback/store.ts",
  feedback_pair_samples: "src/feedback/store.ts",
};

const root = new URL("..", import.meta.url).pathname;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "node_modules") yield* sources(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

/** The tables `text` names in SQL (or in a schema helper's call). */
function tablesNamed(text: string): Set<string> {
  const found = new Set<string>();
  for (const table of Object.keys(OWNERS)) {
    const sql = new RegExp(`\\b(FROM|INTO|UPDATE|JOIN|EXISTS|TABLE)\\s+${table}\\b`);
    const helper = new RegExp(`(hasTable|ensureColumn)\\([^)]*["'\`]${table}["'\`]`);
    if (sql.test(text) || helper.test(text)) found.add(table);
  }
  return found;
}

Deno.test("tablesNamed() finds SQL and schema helpers naming a table", () => {
  assert.deepEqual([...tablesNamed('db.prepare("SELECT 1 FROM run_problems")')], ["run_problems"]);
  assert.deepEqual([...tablesNamed('hasTable(db, "pairs")')], ["pairs"]);
  assert.deepEqual([...tablesNamed('const file = "pairs.jsonl"; // the pairs')], []);
});

Deno.test("each run database table is named in SQL only by the module that owns it", async () => {
  const strays: string[] = [];
  for (const dir of ["src", "sandbox", "pipelines", "clients"]) {
    for await (const path of sources(`${root}${dir}`)) {
      const file = relative(root, path);
      for (const table of tablesNamed(await Deno.readTextFile(path))) {
        if (OWNERS[table] !== file) {
          strays.push(`${file} names ${table} (owned by ${OWNERS[table]})`);
        }
      }
    }
  }
  assert.deepEqual(strays, []);
});
