/**
 * The feedback module end to end on hand-made data: samples → vote → scores →
 * pairs → pair log and feedback tables, for math and for code.
 */
import assert from "node:assert";
import {
  appendPairs,
  codePairs,
  CodeVote,
  countPasses,
  type ExecutionResult,
  FeedbackStore,
  mathPairs,
  MathSelfConsistency,
  Metrics,
  openRunDatabase,
  PairLog,
  type Sample,
  scoreCodeSamples,
} from "../mod.ts";

const numeric = (a: string, b: string) => Number(a) === Number(b);
const ok = (value: string): ExecutionResult => ({
  status: "ok",
  stdout: "",
  stderr: "",
  return_value: value,
  duration_ms: 1,
});
const crash: ExecutionResult = { status: "runtime_error", stdout: "", stderr: "x", duration_ms: 1 };

Deno.test("math self-consistency flows from windowed samples to the pair log and tables", async () => {
  const db = openRunDatabase(":memory:");
  try {
    const metrics = new Metrics();
    const log = new PairLog(db);
    const store = new FeedbackStore(db);
    const sc = new MathSelfConsistency({
      equivalent: numeric,
      earlyStop: { rule: "esc", window: 2, max: 6 },
      metrics,
    });
    const answers: Record<string, string[]> = {
      easy: ["4", "4.0", "4", "4", "4", "4"],
      hard: ["1", "2", "2", "3", "2", "1"],
    };
    for (const [id, list] of Object.entries(answers)) {
      const all: Sample[] = list.map((a, index) => ({
        problem_id: id,
        index,
        completion: `Work for ${id}/${index}. The answer is \\boxed{${a}}.`,
      }));
      // The sampler's window loop: ask before each window after the first.
      let drawn = 2;
      while (drawn < all.length && sc.decide(id, all.slice(0, drawn)) === "more") drawn += 2;
      const { vote, scored } = sc.finish(id, all.slice(0, drawn));
      store.saveVotes("self_consistency", [vote]);
      store.saveScores(scored);
      appendPairs(
        log,
        mathPairs(scored, { prompt: id, run: "t", seed: 1, mode: "each_positive" }),
        { metrics },
      );
    }
    assert.deepEqual(store.votes("easy").map((v) => [v.label, v.votes, v.total]), [["4", 2, 2]]);
    assert.deepEqual(store.votes("hard").map((v) => [v.label, v.votes, v.total]), [["2", 3, 6]]);
    assert.equal(store.scores("hard").filter((s) => s.score === 1).length, 3);
    const pairs = log.after(0);
    assert.deepEqual(pairs.map((p) => p.seq), [1, 2, 3]);
    assert.ok(pairs.every((p) => p.problem_id === "hard" && p.chosen.includes("{2}")));
    assert.ok(pairs.every((p) => p.id.startsWith("sha256-")));
    const text = await metrics.registry.metrics();
    assert.match(text, /pfpo_early_stop_samples_saved_total\{rule="esc"\} 4/);
    assert.match(text, /pfpo_pairs_written_total\{feedback="self_consistency"\} 3/);
  } finally {
    db.close();
  }
});

Deno.test("code self-consistency and frontier solutions flow from results to pairs", () => {
  const db = openRunDatabase(":memory:");
  try {
    const log = new PairLog(db);
    const inputs = Array.from({ length: 8 }, (_, i) => `${i}`);
    // Programs 0-3 compute the right answers, 4-5 are wrong on every input, 6 crashes.
    const right = inputs.map((i) => ok(`${Number(i) * 2}`));
    const wrong = inputs.map((i) => ok(`${Number(i) + 100}`));
    const results = [right, right, right, right, wrong, wrong, inputs.map(() => crash)];
    const samples: Sample[] = results.map((_, index) => ({
      problem_id: "c",
      index,
      completion: `program ${index}`,
    }));
    const vote = new CodeVote("c", { inputs });
    results.forEach((r, p) => vote.addProgram(p, r));
    vote.close();
    assert.equal(vote.kept, 8);
    const scored = scoreCodeSamples(samples, {
      score: (i) => vote.score(i),
      maxScore: vote.kept,
      feedback: "self_consistency",
    });
    assert.deepEqual(scored.map((s) => s.score), [8, 8, 8, 8, 0, 0, 0]);
    const pairs = appendPairs(log, codePairs(scored, { prompt: "c", run: "t" }));
    assert.equal(pairs.length, 12);
    new FeedbackStore(db).saveVotes("self_consistency", vote.votes());
    assert.equal(new FeedbackStore(db).votes("c").length, 8);

    // Frontier solutions: their majority output per input labels the policy programs.
    const frontier = new CodeVote("c", { inputs, minRuns: 2 });
    [right, right, wrong].forEach((r, p) => frontier.addProgram(p, r));
    frontier.close();
    const expected = frontier.expected();
    const frontierScores = results.map((r) => countPasses(r, { expected }));
    assert.deepEqual(frontierScores, [8, 8, 8, 8, 0, 0, 0]);
  } finally {
    db.close();
  }
});
