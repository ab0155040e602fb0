import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../io/jsonl.ts";
import { readParquet } from "../io/parquet.ts";
import type { Pair } from "../model/pair.ts";
import { Run, RunConfigMismatchError } from "./run.ts";

const draft = (chosen: string) => ({
  problem_id: "p",
  prompt: "q",
  chosen,
  rejected: "no",
  chosen_score: 1,
  rejected_score: 0,
  feedback: "gold" as const,
  run: "r",
});

Deno.test("Run.open() resumes a directory: finished problems, pairs and seq carry over", async () => {
  const dir = join(await Deno.makeTempDir(), "r");
  const first = await Run.open(dir, { config: { seed: 1 }, identity: ["seed"] });
  assert.equal(first.resumed, false);
  assert.equal(first.name, "r");
  first.pairs.append([draft("a"), draft("b")]);
  first.finishProblem("gold:p", { status: "done", detail: { recipe: "gold", pairs: 2 } });
  const written = await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
  assert.deepEqual(written, first.pairs.after(0), "pairs.jsonl follows the log before the end");
  first.close();
  // A killed run may leave the file short or cut mid-line: opening rewrites it.
  await Deno.writeTextFile(join(dir, "pairs.jsonl"), '{"seq":1,"id":"x"}\n{"seq":2,');

  const second = await Run.open(dir, { config: { seed: 1 }, identity: ["seed"] });
  assert.equal(second.resumed, true);
  assert.ok(second.isFinished("gold:p"));
  assert.ok(!second.isFinished("gold:q"));
  assert.equal(second.pairs.append([draft("b"), draft("c")]).map((p) => p.seq).join(), "3");
  assert.deepEqual([...second.outcomes()].map((o) => o.problem_id), ["gold:p"]);
  assert.equal(await second.exportPairs({ parquet: true }), 3);
  const exported = await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
  assert.deepEqual(exported.map((p) => p.chosen), ["a", "b", "c"]);
  const rows = await Array.fromAsync(readParquet(join(dir, "pairs.parquet")));
  assert.deepEqual(rows, exported.map((p) => ({ ...p, step: null })));
  second.finish();
  assert.ok(second.pairs.isFinished());
  second.close();
});

Deno.test("Run.open() refuses a directory whose identity settings differ", async () => {
  const dir = await Deno.makeTempDir();
  (await Run.open(dir, { config: { seed: 1 }, identity: ["seed"] })).close();
  await assert.rejects(
    Run.open(dir, { config: { seed: 2 }, identity: ["seed"] }),
    (e: unknown) =>
      e instanceof RunConfigMismatchError &&
      e.message ===
        `Cannot resume the run in ${dir}: its seed was 1, now 2; use another --run directory`,
  );
});

Deno.test("Run.writeSummary() writes JSON and text", async () => {
  const dir = await Deno.makeTempDir();
  const run = await Run.open(dir, { config: {} });
  await run.writeSummary({ pairs: 0 }, "No pairs\n");
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "summary.json"))), { pairs: 0 });
  assert.equal(await Deno.readTextFile(join(dir, "summary.txt")), "No pairs\n");
  run.close();
});
