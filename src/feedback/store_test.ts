import assert from "node:assert";
import { openRunDatabase } from "../store/database.ts";
import { PairLog } from "../store/pair_log.ts";
import { FeedbackStore, pairSamplesOf } from "./store.ts";
import { ReadOnlyStoreError } from "../store/database.ts";

Deno.test("FeedbackStore saves and reads back code votes per input and math votes", () => {
  const db = openRunDatabase(":memory:");
  try {
    const store = new FeedbackStore(db);
    store.saveVotes("self_consistency", [
      { problem_id: "c", input: "1", label: "2", votes: 5, total: 6, decided: true, kept: true },
      { problem_id: "c", input: "2", votes: 0, total: 0, decided: true, kept: false },
      { problem_id: "m", label: "\\frac{1}{2}", votes: 3, total: 8, decided: true, kept: true },
    ]);
    assert.deepEqual(store.votes("c"), [
      {
        problem_id: "c",
        input: "1",
        label: "2",
        votes: 5,
        total: 6,
        decided: true,
        kept: true,
        feedback: "self_consistency",
      },
      {
        problem_id: "c",
        input: "2",
        votes: 0,
        total: 0,
        decided: true,
        kept: false,
        feedback: "self_consistency",
      },
    ]);
    assert.equal(store.votes("m")[0].label, "\\frac{1}{2}");
    assert.deepEqual(store.votes("none"), []);
  } finally {
    db.close();
  }
});

Deno.test("FeedbackStore replaces a problem's rows when saved again", () => {
  const db = openRunDatabase(":memory:");
  try {
    const store = new FeedbackStore(db);
    const vote = { problem_id: "c", votes: 1, total: 1, decided: false, kept: true };
    store.saveVotes("frontier", [{ ...vote, input: "a" }, { ...vote, input: "b" }]);
    store.saveVotes("frontier", [{ ...vote, input: "a", decided: true }]);
    assert.deepEqual(store.votes("c").map((v) => [v.input, v.decided]), [["a", true]]);
    const scored = (index: number, score: number) => ({
      problem_id: "c",
      index,
      completion: "x",
      score,
      max_score: 4,
      feedback: "frontier" as const,
    });
    store.saveScores([scored(0, 1), scored(1, 2)]);
    store.saveScores([scored(0, 3)]);
    assert.deepEqual(store.scores("c"), [
      { problem_id: "c", index: 0, score: 3, max_score: 4, feedback: "frontier" },
    ]);
  } finally {
    db.close();
  }
});

Deno.test("FeedbackStore.isScored() tells a resumed run which problems are done", () => {
  const db = openRunDatabase(":memory:");
  try {
    const store = new FeedbackStore(db);
    assert.equal(store.isScored("p", "gold"), false);
    store.saveScores([{
      problem_id: "p",
      index: 0,
      completion: "c",
      extracted: "4",
      score: 1,
      max_score: 1,
      feedback: "gold",
    }]);
    assert.equal(store.isScored("p", "gold"), true);
    assert.equal(store.isScored("p", "self_consistency"), false);
    assert.equal(store.scores("p")[0].extracted, "4");
  } finally {
    db.close();
  }
});

Deno.test("FeedbackStore opened read-only reads and refuses writes", () => {
  const path = Deno.makeTempFileSync({ suffix: ".db" });
  try {
    const db = openRunDatabase(path);
    new FeedbackStore(db).saveVotes("gold", [
      { problem_id: "p", label: "1", votes: 1, total: 1, decided: true, kept: true },
    ]);
    db.close();
    const reader = openRunDatabase(path, { readOnly: true });
    try {
      const store = new FeedbackStore(reader, { readOnly: true });
      assert.equal(store.votes("p").length, 1);
      assert.throws(() => store.saveVotes("gold", []), ReadOnlyStoreError);
      assert.throws(() => store.saveScores([]), /read-only/);
    } finally {
      reader.close();
    }
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(path + suffix);
      } catch { /* not created */ }
    }
  }
});

Deno.test("FeedbackStore.checkedPairs() joins written pairs with the gold verdicts of their samples", () => {
  const db = openRunDatabase(":memory:");
  try {
    const store = new FeedbackStore(db);
    const log = new PairLog(db);
    const sc = (index: number, completion: string) => ({
      problem_id: "p",
      index,
      completion,
      score: 1,
      max_score: 1,
      feedback: "self_consistency" as const,
    });
    const scored = [sc(0, "a"), sc(1, "b"), sc(2, "c")];
    const pairs = log.append([
      { ...draft("a", "b"), confidence: 0.9 },
      { ...draft("c", "b"), confidence: 0.4 },
      draft("a", "missing"),
    ]);
    assert.equal(pairSamplesOf(pairs, scored).length, 2); // "missing" is no sample of p
    store.savePairSamples(pairSamplesOf(pairs, scored));
    assert.deepEqual(store.checkedPairs(log), []); // no gold scores yet
    store.saveScores([0, 1, 2].map((index) => ({
      ...sc(index, ""),
      score: index === 1 ? 0 : 1,
      feedback: "gold" as const,
    })));
    assert.deepEqual(store.checkedPairs(log), [
      { confidence: 0.9, chosen_right: true, rejected_right: false },
      { confidence: 0.4, chosen_right: true, rejected_right: false },
    ]);
  } finally {
    db.close();
  }
});

function draft(chosen: string, rejected: string) {
  return {
    problem_id: "p",
    prompt: "q",
    chosen,
    rejected,
    chosen_score: 1,
    rejected_score: 0,
    feedback: "self_consistency" as const,
    run: "r",
  };
}
