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
