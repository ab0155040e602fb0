import assert from "node:assert";
import { openRunDatabase } from "../store/database.ts";
import { FeedbackStore, ReadOnlyStoreError } from "./store.ts";

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
