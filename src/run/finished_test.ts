import assert from "node:assert/strict";
import { FieldError } from "../errors.ts";
import { openRunDatabase, ReadOnlyStoreError } from "../store/database.ts";
import { FinishedProblems } from "./finished.ts";

Deno.test("FinishedProblems keeps typed outcomes in the order they finished", () => {
  const db = openRunDatabase(":memory:");
  const finished = new FinishedProblems(db);
  finished.record("gold:a", { status: "done", detail: { recipe: "gold", samples: 8, pairs: 2 } });
  finished.record("gold:b", { status: "no_label", detail: { recipe: "gold", samples: 8 } });
  assert.equal(finished.count(), 2);
  assert.ok(finished.has("gold:b") && !finished.has("gold:c"));
  const all = [...finished.all()];
  assert.deepEqual(all.map((o) => [o.problem_id, o.status, o.detail.samples]), [
    ["gold:a", "done", 8],
    ["gold:b", "no_label", 8],
  ]);
  assert.deepEqual(finished.recent(1).map((o) => o.problem_id), ["gold:b"]);
  db.close();
});

Deno.test("FinishedProblems names an outcome it cannot read and refuses writes read-only", () => {
  const db = openRunDatabase(":memory:");
  const reader = new FinishedProblems(db, { readOnly: true });
  assert.deepEqual(reader.recent(5), [], "no table yet: nothing finished");
  new FinishedProblems(db);
  db.prepare("INSERT INTO run_problems VALUES ('x', 'exploded', '{}', 0)").run();
  assert.throws(() => [...reader.all()], (error) => {
    assert.ok(error instanceof FieldError);
    assert.match(error.message, /run_problems.*x.*"exploded"/);
    return true;
  });
  assert.throws(
    () => reader.record("y", { status: "done", detail: {} }),
    ReadOnlyStoreError,
  );
  db.close();
});
