import assert from "node:assert/strict";
import { FeedbackStore } from "../feedback/store.ts";
import type { ProblemOutcome } from "../run/finished.ts";
import { openRunDatabase } from "../store/database.ts";
import { PairLog } from "../store/pair_log.ts";
import { pipe } from "../stream/stage.ts";
import { recordProblem, recordStage } from "./record.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const DONE: ProblemOutcome = { status: "done", detail: { recipe: "r" } };

function target(options: { failOn?: string } = {}) {
  const db = openRunDatabase(":memory:");
  db.exec("CREATE TABLE outcomes (key TEXT PRIMARY KEY, status TEXT)");
  const pairs = new PairLog(db);
  const run = {
    db,
    pairs,
    finishProblem(key: string, outcome: ProblemOutcome) {
      if (key === options.failOn) throw new Error("disk full");
      db.prepare("INSERT INTO outcomes VALUES (?, ?)").run(key, outcome.status);
    },
  };
  return { db, pairs, run, feedback: new FeedbackStore(db) };
}

const item = (id: string) => ({
  problem: { id },
  feedback: "self_consistency" as const,
  scored: ["A", "B"].map((completion, index) => ({
    problem_id: id,
    index,
    completion,
    score: 1 - index,
    max_score: 1,
    feedback: "self_consistency" as const,
  })),
  votes: [{ problem_id: id, label: "4", votes: 1, total: 2, decided: true, kept: true }],
  drafts: [{
    problem_id: id,
    prompt: "Q",
    chosen: "A",
    rejected: "B",
    chosen_score: 1,
    rejected_score: 0,
    feedback: "self_consistency" as const,
    run: "r",
  }],
  outcome: DONE,
});

const count = (db: ReturnType<typeof openRunDatabase>, table: string) =>
  Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n);

Deno.test("recordProblem() writes pairs, votes, scores and the outcome, then reports it", async () => {
  const { db, run, feedback } = target();
  const reported: [string, ProblemOutcome][] = [];
  const [out] = await Array.fromAsync(pipe(
    [item("p")],
    recordStage({ run, feedback, key: (id) => `r:${id}`, onRecorded: (...a) => reported.push(a) }),
  ));
  assert.equal(out.pairs.length, 1);
  assert.deepEqual(out.outcome.detail, { recipe: "r", pairs: 1, new_pairs: 1 });
  assert.deepEqual(reported, [["p", out.outcome]]);
  assert.deepEqual(
    ["pairs", "feedback_votes", "feedback_scores", "feedback_pair_samples", "outcomes"].map((t) =>
      count(db, t)
    ),
    [1, 1, 2, 1, 1],
  );
  assert.equal(db.prepare("SELECT key FROM outcomes").get()?.key, "r:p");
});

Deno.test("recordProblem() leaves nothing written when a write fails part way", () => {
  const { db, pairs, run, feedback } = target({ failOn: "bad" });
  let heard = 0;
  pairs.onAppend(() => heard++);
  const reported: string[] = [];
  recordProblem(item("good"), { run, feedback, onRecorded: (id) => reported.push(id) });
  assert.throws(
    () => recordProblem(item("bad"), { run, feedback, onRecorded: (id) => reported.push(id) }),
    /disk full/,
  );
  // The failed problem's pair, votes and scores were rolled back with its outcome.
  assert.deepEqual(pairs.after(0).map((p) => p.problem_id), ["good"]);
  assert.deepEqual(feedback.votes("bad"), []);
  assert.deepEqual(feedback.scores("bad"), []);
  assert.equal(count(db, "feedback_pair_samples"), 1);
  assert.equal(count(db, "outcomes"), 1);
  assert.equal(heard, 1, "followers hear only of committed pairs");
  assert.deepEqual(reported, ["good"]);
  // A re-run records the problem afresh.
  run.finishProblem = (key, outcome) =>
    db.prepare("INSERT INTO outcomes VALUES (?, ?)").run(key, outcome.status);
  const again = recordProblem(item("bad"), { run, feedback });
  assert.equal(again.pairs.length, 1);
  assert.equal(heard, 2);
});

Deno.test("recordStage() stops reading when the consumer breaks", async () => {
  const { run, feedback } = target();
  const first = await assertEarlyBreak(recordStage({ run, feedback }), (i) => item(`p${i}`));
  assert.equal(first.problem.id, "p0");
});
