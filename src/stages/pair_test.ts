import assert from "node:assert/strict";
import type { ScoredSample } from "../model/feedback.ts";
import type { OutcomeStatus } from "../run/finished.ts";
import { codePairs } from "../feedback/pairs.ts";
import { pipe } from "../stream/stage.ts";
import { pairStage } from "./pair.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const scored = (id: string, scores: number[]): ScoredSample[] =>
  scores.map((score, index) => ({
    problem_id: id,
    index,
    completion: `${id}-${index}`,
    score,
    max_score: 10,
    feedback: "frontier",
  }));
const item = (id: string, status: OutcomeStatus, scores: number[]) => ({
  problem: { id },
  feedback: "frontier" as const,
  scored: scored(id, scores),
  votes: [],
  outcome: { status, detail: {} },
});
const policy = (i: { scored: ScoredSample[] }) => codePairs(i.scored, { prompt: "Q", run: "r" });

Deno.test("pairStage() pairs done problems by the policy and gives others none", async () => {
  const [done, skipped] = await Array.fromAsync(pipe(
    [item("a", "done", [10, 0]), item("b", "no_tests", [10, 0])],
    pairStage({ policy }),
  ));
  assert.deepEqual(done.drafts.map((d) => [d.chosen, d.rejected]), [["a-0", "a-1"]]);
  assert.deepEqual(skipped.drafts, []);
});

Deno.test("pairStage() stops reading when the consumer breaks", async () => {
  const first = await assertEarlyBreak(
    pairStage({ policy }),
    (i) => item(`p${i}`, "done", [10, 0]),
  );
  assert.equal(first.drafts.length, 1);
});
