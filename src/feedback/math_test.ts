import assert from "node:assert";
import { Metrics } from "../metrics/metrics.ts";
import type { Sample } from "../model/sample.ts";
import { ANSWER_GROUP_FEATURES } from "./answer_groups.ts";
import { mathLabelConfidence } from "./confidence.ts";
import { MathSelfConsistency, scoreMathAnswers } from "./math.ts";

const numeric = (a: string, b: string) => Number(a) === Number(b);
const boxed = (answers: (string | undefined)[], problemId = "p"): Sample[] =>
  answers.map((a, index) => ({
    problem_id: problemId,
    index,
    completion: a === undefined ? "I could not finish." : `so the answer is \\boxed{${a}}.`,
  }));

Deno.test("MathSelfConsistency.finish() labels the majority and scores every sample", () => {
  const sc = new MathSelfConsistency({ equivalent: numeric });
  const { vote, scored } = sc.finish("p", boxed(["3", "5", "3.0", undefined, "5", "03"]));
  assert.deepEqual(vote, {
    problem_id: "p",
    label: "3",
    votes: 3,
    total: 5,
    decided: true,
    kept: true,
  });
  assert.deepEqual(scored.map((s) => s.score), [1, 0, 1, 0, 0, 1]);
  assert.deepEqual(scored.map((s) => s.extracted), ["3", "5", "3.0", undefined, "5", "03"]);
  assert.ok(scored.every((s) => s.max_score === 1 && s.feedback === "self_consistency"));
});

Deno.test("MathSelfConsistency.finish() gives ties to the answer seen first", () => {
  const sc = new MathSelfConsistency({ equivalent: numeric });
  assert.equal(sc.finish("p", boxed(["8", "2", "2", "8"])).vote.label, "8");
  assert.equal(sc.finish("q", boxed(["2", "8", "8", "2"], "q")).vote.label, "2");
});

Deno.test("MathSelfConsistency.finish() with no answers keeps no label and scores nothing", () => {
  const sc = new MathSelfConsistency({ equivalent: numeric });
  const samples: Sample[] = [
    ...boxed([undefined, undefined]),
    { problem_id: "p", index: 2, completion: "", failure: "http_error" },
    // A cut-off completion does not vote even if it boxed something on the way.
    { problem_id: "p", index: 3, completion: "\\boxed{1} and then", failure: "length" },
  ];
  const { vote, scored } = sc.finish("p", samples);
  assert.equal(vote.label, undefined);
  assert.equal(vote.total, 0);
  assert.equal(vote.kept, false);
  assert.deepEqual(scored, []);
});

Deno.test("MathSelfConsistency.finish() drops a label under the minimum share", () => {
  const sc = new MathSelfConsistency({ equivalent: numeric, minShare: 0.5 });
  const weak = sc.finish("p", boxed(["1", "2", "3", "1"]));
  assert.equal(weak.vote.label, "1");
  assert.equal(weak.vote.kept, true);
  const weaker = sc.finish("q", boxed(["1", "2", "3", "1", "4"], "q"));
  assert.equal(weaker.vote.kept, false);
  assert.deepEqual(weaker.scored, []);
});

Deno.test("MathSelfConsistency.decide() follows the early-stop rule window by window", () => {
  const sc = new MathSelfConsistency({
    equivalent: numeric,
    earlyStop: { rule: "esc", window: 2, max: 6 },
  });
  const samples = boxed(["1", "2", "2", "2", "1", "1"]);
  assert.equal(sc.decide("p", []), "more");
  assert.equal(sc.decide("p", samples.slice(0, 2)), "more");
  assert.equal(sc.decide("p", samples.slice(0, 4)), "stop");
  assert.equal(sc.finish("p", samples.slice(0, 4)).vote.label, "2");
  // Without agreement the rule runs to max.
  assert.equal(sc.decide("q", boxed(["1", "2", "3", "4"], "q")), "more");
  assert.equal(sc.decide("q", boxed(["1", "2", "3", "4", "5", "6"], "q")), "stop");
});

Deno.test("MathSelfConsistency extracts each sample once across decisions", () => {
  let extractions = 0;
  const sc = new MathSelfConsistency({
    equivalent: numeric,
    extract: (text) => {
      extractions++;
      return /\\boxed\{(.*)\}/.exec(text)?.[1];
    },
    earlyStop: { rule: "adaptive", window: 2, max: 10 },
  });
  const samples = boxed(["1", "1", "2", "1", "1", "1"]);
  for (const n of [2, 4, 6]) sc.decide("p", samples.slice(0, n));
  sc.finish("p", samples);
  assert.equal(extractions, 6);
});

Deno.test("MathSelfConsistency counts decided votes and samples saved in metrics", async () => {
  const metrics = new Metrics();
  const sc = new MathSelfConsistency({
    equivalent: numeric,
    metrics,
    earlyStop: { rule: "esc", window: 2, max: 8 },
  });
  const agree = boxed(["4", "4"], "a");
  assert.equal(sc.decide("a", agree), "stop");
  sc.finish("a", agree);
  const split = boxed(["1", "2", "1", "2", "1", "2", "1", "2"], "b");
  for (const n of [2, 4, 6, 8]) sc.decide("b", split.slice(0, n));
  sc.finish("b", split);
  const text = await metrics.registry.metrics();
  assert.match(text, /pfpo_votes_decided_total\{kind="math",kept="true"\} 2/);
  assert.match(text, /pfpo_early_stop_samples_saved_total\{rule="esc"\} 6/);
});

Deno.test("MathSelfConsistency rebuilds a vote evicted by the open-vote bound", () => {
  const sc = new MathSelfConsistency({ equivalent: numeric, maxOpen: 1 });
  sc.decide("p", boxed(["7", "7"]));
  sc.decide("q", boxed(["1"], "q"));
  assert.equal(sc.finish("p", boxed(["7", "7", "9"])).vote.votes, 2);
});

Deno.test("MathSelfConsistency rejects bad early-stop settings", () => {
  assert.throws(
    () => new MathSelfConsistency({ equivalent: numeric, earlyStop: { rule: "esc", max: 0 } }),
    /"max"/,
  );
});

Deno.test("scoreMathAnswers() scores against a label and compares each answer once", () => {
  let comparisons = 0;
  const { vote, scored } = scoreMathAnswers(boxed(["2", "2", "3", undefined]), {
    problemId: "p",
    label: "2.0",
    feedback: "frontier",
    equivalent: (a, b) => {
      comparisons++;
      return numeric(a, b);
    },
  });
  assert.deepEqual(scored.map((s) => s.score), [1, 1, 0, 0]);
  assert.ok(scored.every((s) => s.feedback === "frontier"));
  assert.deepEqual(vote, {
    problem_id: "p",
    label: "2.0",
    votes: 2,
    total: 3,
    decided: true,
    kept: true,
  });
  assert.equal(comparisons, 2);
});

Deno.test("MathSelfConsistency groups answers with isEquivalent by default", () => {
  const sc = new MathSelfConsistency();
  const { vote, scored } = sc.finish("p", boxed(["10{,}000", "9999", "10000", "\\frac{3}{8}"]));
  assert.deepEqual([vote.label, vote.votes, vote.total], ["10{,}000", 2, 4]);
  assert.deepEqual(scored.map((s) => s.score), [1, 0, 1, 0]);
  const frontier = scoreMathAnswers(boxed(["\\frac{3}{4}", "0.375"]), {
    problemId: "p",
    label: "\\frac{3}{8}",
    feedback: "frontier",
  });
  assert.deepEqual(frontier.scored.map((s) => s.score), [0, 1]);
});

Deno.test("MathSelfConsistency.finish() gives the label's confidence through the label model given", () => {
  const samples = boxed(["7", "7", "7", "3"]);
  const shipped = new MathSelfConsistency().finish("p", samples).confidence!;
  assert.equal(shipped, mathLabelConfidence([3, 1], 0, 4));
  const labelModel = { features: ANSWER_GROUP_FEATURES, weights: [0, 0, 0], bias: 0 };
  const refitted = new MathSelfConsistency({ labelModel }).finish("p", samples).confidence;
  assert.equal(refitted, 0.5);
  assert.notEqual(shipped, 0.5);
});

Deno.test("scoreMathAnswers() gives a frontier label a confidence that rises with the samples agreeing", () => {
  const score = (answers: string[]) =>
    scoreMathAnswers(boxed(answers), { problemId: "p", label: "7", feedback: "frontier" });
  const agreed = score(["7", "7", "7", "3"]);
  const alone = score(["3", "3", "3", "4"]);
  assert.deepEqual(agreed.scored.map((s) => s.score), [1, 1, 1, 0]);
  assert.equal(agreed.vote.votes, 3);
  assert.ok(agreed.confidence! > 0.8 && alone.confidence! < 0.5, `${agreed.confidence}`);
  const gold = scoreMathAnswers(boxed(["7"]), { problemId: "p", label: "7", feedback: "gold" });
  assert.equal(gold.confidence, undefined);
});

Deno.test("scoreMathAnswers() compares a gold label with each distinct answer once and no more", () => {
  let comparisons = 0;
  const { scored } = scoreMathAnswers(boxed(["1", "2", "3", "4", "2", "5"]), {
    problemId: "p",
    label: "2",
    feedback: "gold",
    equivalent: (a, b) => {
      comparisons++;
      return numeric(a, b);
    },
  });
  assert.deepEqual(scored.map((s) => s.score), [0, 1, 0, 0, 1, 0]);
  assert.equal(comparisons, 4); // "1", "3", "4", "5": "2" is the label's own string
});
