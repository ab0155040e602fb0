import assert from "node:assert/strict";
import { openRunDatabase } from "./database.ts";
import { pairId, PairLog } from "./pair_log.ts";

const draft = (i: number) => ({
  problem_id: `p${i % 3}`,
  prompt: "q",
  chosen: `good ${i}`,
  rejected: "bad",
  chosen_score: 1,
  rejected_score: 0,
  feedback: "self_consistency" as const,
  run: "r",
});

Deno.test("PairLog.append() drops duplicates and keeps seq without gaps", () => {
  const log = new PairLog(openRunDatabase(":memory:"));
  const written = log.append([draft(1), draft(1), draft(2)]);
  assert.deepEqual(written.map((p) => p.seq), [1, 2]);
  assert.deepEqual(log.append([draft(2), draft(3)]).map((p) => p.seq), [3]);
  assert.equal(written[0].id, pairId(draft(1)));
  assert.equal(log.lastSeq(), 3);
  assert.deepEqual(log.forProblem("p0").map((p) => p.chosen), ["good 3"]);
});

Deno.test("PairLog.after() pages and shards partition the log", () => {
  const log = new PairLog(openRunDatabase(":memory:"));
  log.append(Array.from({ length: 10 }, (_, i) => draft(i)));
  assert.deepEqual(log.after(3, { limit: 2 }).map((p) => p.seq), [4, 5]);
  const shards = [0, 1, 2].map((shard) => log.after(0, { shard, shards: 3 }).map((p) => p.seq));
  assert.deepEqual(
    shards.flat().sort((a, b) => a - b),
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
  assert.deepEqual(shards[1], [1, 4, 7, 10]);
});

Deno.test("PairLog.follow() sends the backlog, then new pairs, and ends when the run finishes", async () => {
  const log = new PairLog(openRunDatabase(":memory:"), { pollMs: 5 });
  log.append([draft(1), draft(2)]);
  const seen: number[] = [];
  const following = (async () => {
    for await (const pair of log.follow(0, { shard: 0, shards: 2 })) seen.push(pair.seq);
  })();
  await new Promise((r) => setTimeout(r, 20));
  log.append([draft(3), draft(4), draft(5)]);
  await new Promise((r) => setTimeout(r, 20));
  log.markFinished();
  await following;
  assert.deepEqual(seen, [2, 4]);
});

Deno.test("PairLog.follow() stops when its signal aborts", async () => {
  const log = new PairLog(openRunDatabase(":memory:"), { pollMs: 5 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const out = await Array.fromAsync(log.follow(0, { signal: controller.signal }));
  assert.deepEqual(out, []);
});

const stepDraft = (i: number) => ({ ...draft(i), chosen: `prefix ${i}`, level: "step" as const });

Deno.test("PairLog adds the level column to a log made before levels, once", () => {
  const path = `${Deno.makeTempDirSync()}/run.db`;
  const old = openRunDatabase(path);
  old.exec(`CREATE TABLE pairs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, problem_id TEXT NOT NULL,
    body TEXT NOT NULL, committed_at REAL NOT NULL)`);
  old.prepare("INSERT INTO pairs (id, problem_id, body, committed_at) VALUES (?, ?, ?, ?)")
    .run(pairId(draft(1)), "p1", JSON.stringify(draft(1)), 0);
  old.close();
  const readOnly = new PairLog(openRunDatabase(path, { readOnly: true }), { readOnly: true });
  assert.equal(readOnly.after(0)[0].level, "solution", "an old log reads as solution pairs");
  assert.equal(readOnly.after(0, { level: "step" }).length, 0);
  for (let i = 0; i < 2; i++) {
    const db = openRunDatabase(path);
    const log = new PairLog(db);
    log.append([stepDraft(2 + i)]);
    db.close();
  }
  const log = new PairLog(openRunDatabase(path));
  assert.deepEqual(log.after(0).map((p) => p.level), ["solution", "step", "step"]);
  assert.deepEqual(log.countByLevel(), { solution: 1, step: 2 });
});

Deno.test("PairLog.after() filters by level and mixes solution pairs in by a replay ratio", () => {
  const log = new PairLog(openRunDatabase(":memory:"));
  log.append(Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? stepDraft(i) : draft(i))));
  const all = log.after(0, { limit: 1000 });
  assert.equal(log.after(0, { level: "step", limit: 1000 }).length, 100);
  assert.equal(log.after(0, { level: "solution", limit: 1000 }).length, 300);
  assert.equal(log.after(0, { replayRatio: 1, limit: 1000 }).length, 400);
  assert.equal(log.after(0, { replayRatio: 0, limit: 1000 }).length, 100);
  const half = log.after(0, { replayRatio: 0.5, limit: 1000 });
  const solutions = half.filter((p) => p.level === "solution").length;
  assert.ok(Math.abs(solutions - 150) <= 3, `${solutions} of 300 solution pairs at ratio 0.5`);
  assert.equal(half.filter((p) => p.level === "step").length, 100);
  // Pages, shards and restarts pick the same pairs.
  const paged = [...log.after(0, { replayRatio: 0.5, limit: 50 })];
  while (paged.length < half.length) {
    paged.push(...log.after(paged.at(-1)!.seq, { replayRatio: 0.5, limit: 50 }));
  }
  assert.deepEqual(paged.map((p) => p.seq), half.map((p) => p.seq));
  const sharded = [0, 1].flatMap((shard) =>
    log.after(0, { replayRatio: 0.5, shard, shards: 2, limit: 1000 })
  );
  assert.deepEqual(sharded.map((p) => p.seq).sort((a, b) => a - b), half.map((p) => p.seq));
  assert.ok(all.every((p) => p.level === (p.chosen.startsWith("prefix") ? "step" : "solution")));
  assert.throws(() => log.after(0, { replayRatio: 0.5, level: "step" }), /give no level/);
  assert.throws(() => log.after(0, { replayRatio: 2 }), /replay ratio/);
});

Deno.test("pairId() tells a step pair from a solution pair with the same texts", () => {
  assert.notEqual(pairId(draft(1)), pairId({ ...draft(1), level: "step" }));
  assert.equal(pairId(draft(1)), pairId({ ...draft(1), level: "solution" }));
});

Deno.test("PairLog keeps each pair's confidence and filters reads by it", () => {
  const log = new PairLog(openRunDatabase(":memory:"));
  log.append([
    { ...draft(1), confidence: 0.9 },
    { ...draft(2), confidence: 0.3 },
    draft(3),
  ]);
  assert.equal(log.after(0)[0].confidence, 0.9);
  assert.deepEqual(log.after(0, { minConfidence: 0.5 }).map((p) => p.seq), [1]);
  assert.deepEqual(log.after(0, { minConfidence: 0 }).map((p) => p.seq), [1, 2]);
  assert.deepEqual(log.after(0).map((p) => p.seq), [1, 2, 3]);
});

Deno.test("PairLog adds the confidence column to a log made before it, once, from the bodies", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/run.db`;
  try {
    const old = openRunDatabase(path);
    old.exec(`CREATE TABLE pairs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
      problem_id TEXT NOT NULL, body TEXT NOT NULL, committed_at REAL NOT NULL)`);
    const insert = old.prepare(
      "INSERT INTO pairs (id, problem_id, body, committed_at) VALUES (?, ?, ?, 0)",
    );
    insert.run("a", "p", JSON.stringify({ ...draft(1), confidence: 0.8 }));
    insert.run("b", "p", JSON.stringify(draft(2)));
    old.close();
    // A reader of the old file filters through the bodies.
    const reader = openRunDatabase(path, { readOnly: true });
    assert.deepEqual(
      new PairLog(reader, { readOnly: true }).after(0, { minConfidence: 0.5 }).map((p) => p.seq),
      [1],
    );
    reader.close();
    for (let i = 0; i < 2; i++) {
      const db = openRunDatabase(path);
      const log = new PairLog(db);
      assert.deepEqual(log.after(0, { minConfidence: 0.5 }).map((p) => p.seq), [1]);
      const column = db.prepare("SELECT confidence FROM pairs ORDER BY seq").all();
      assert.deepEqual(column.map((row) => row.confidence), [0.8, null]);
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
