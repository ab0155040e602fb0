import assert from "node:assert";
import { AnswerVote, isKept } from "./answer_vote.ts";

const numeric = (a: string, b: string) => Number(a) === Number(b);

Deno.test("AnswerVote groups equivalent answers, not equal strings", () => {
  const vote = new AnswerVote({ equivalent: numeric });
  ["2", "2.0", "3", "02"].forEach((a, i) => vote.add(i, a));
  assert.deepEqual(vote.leader(), { answer: "2", group: 0, votes: 3 });
  assert.deepEqual(vote.progress().counts, [3, 1]);
  assert.equal(vote.groupOf(3), 0);
  assert.equal(vote.groupOf(2), 1);
});

Deno.test("AnswerVote ignores missing answers and counts an empty string as an answer", () => {
  const vote = new AnswerVote({ equivalent: (a, b) => a === b });
  assert.equal(vote.add(0, undefined), undefined);
  assert.equal(vote.add(1, undefined), undefined);
  assert.equal(vote.leader(), undefined);
  vote.add(2, "5");
  assert.equal(vote.total, 1);
  assert.equal(vote.drawn, 3);
  assert.deepEqual(vote.progress().groups, [undefined, undefined, 0]);
  // A program that prints nothing gave an output: "".
  vote.add(3, "");
  vote.add(4, "");
  assert.deepEqual(vote.leader(), { answer: "", group: 1, votes: 2 });
});

Deno.test("AnswerVote breaks ties toward the answer seen first", () => {
  const vote = new AnswerVote({ equivalent: numeric });
  ["7", "9", "9", "7"].forEach((a, i) => vote.add(i, a));
  assert.equal(vote.leader()?.answer, "7");
});

Deno.test("AnswerVote breaks ties by sample index when samples arrive out of order", () => {
  const vote = new AnswerVote({ equivalent: numeric });
  vote.add(3, "9");
  vote.add(0, "7");
  vote.add(2, "9.0");
  vote.add(1, "7.0");
  assert.deepEqual(vote.leader(), { answer: "7", group: 1, votes: 2 });
});

Deno.test("AnswerVote compares each distinct string once per group", () => {
  let calls = 0;
  const vote = new AnswerVote({
    equivalent: (a, b) => {
      calls++;
      return numeric(a, b);
    },
  });
  for (let i = 0; i < 30; i++) vote.add(i, ["1", "2", "3"][i % 3]);
  // "1" opens a group; "2" is compared with 1 group, "3" with 2: 3 comparisons in all.
  assert.equal(calls, 3);
  assert.equal(vote.comparisons, 3);
});

Deno.test("AnswerVote.add() keeps the first answer of a sample index", () => {
  const vote = new AnswerVote({ equivalent: numeric });
  vote.add(0, "1");
  assert.equal(vote.add(0, "2"), 0);
  assert.equal(vote.total, 1);
  assert.equal(vote.has(0), true);
  assert.equal(vote.has(1), false);
});

Deno.test("isKept() applies the minimum votes and share", () => {
  assert.equal(isKept(0, 0), false);
  assert.equal(isKept(1, 8), true);
  assert.equal(isKept(2, 8, { minVotes: 3 }), false);
  assert.equal(isKept(3, 8, { minShare: 0.375 }), true);
  assert.equal(isKept(3, 8, { minShare: 0.4 }), false);
});
