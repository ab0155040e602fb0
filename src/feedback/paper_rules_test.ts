import assert from "node:assert/strict";
import type { ExecutionResult } from "../model/execution.ts";
import { CodeVote } from "./code.ts";
import { paperCodeVote, paperMathFeedback } from "./paper_rules.ts";

const ok = (stdout: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
});
const samples = (...completions: string[]) =>
  completions.map((completion, index) => ({ problem_id: "p", index, completion }));

Deno.test("paperCodeVote('apps') keeps an input with one run and compares outputs exactly", () => {
  const vote = new CodeVote("p", { inputs: ["a", "b"], ...paperCodeVote("apps") });
  vote.addProgram(0, [ok("1.0\n"), ok("")]);
  vote.addProgram(1, [ok("1.0"), { ...ok(""), status: "timeout" }]);
  vote.addProgram(2, [ok("1.0"), { ...ok(""), status: "timeout" }]);
  vote.close();
  // "1.0" and "1.0\n" differ as strings; the tie-free majority is "1.0". The empty
  // output of program 0 is input b's only vote and is kept.
  assert.deepEqual(vote.expected(), ["1.0", ""]);
  assert.deepEqual([0, 1, 2].map((p) => vote.score(p)), [1, 1, 1]);
});

Deno.test("paperCodeVote('oss') needs five voting runs and lets empty outputs not vote", () => {
  const vote = new CodeVote("p", { inputs: ["a", "b"], ...paperCodeVote("oss") });
  for (let p = 0; p < 6; p++) vote.addProgram(p, [ok(p < 2 ? "" : "7"), ok(String(p % 2))]);
  vote.close();
  // Input a: 4 non-empty votes (< 5), dropped; input b: 6 votes, tie to the first seen.
  assert.deepEqual(vote.expected(), [undefined, "0"]);
});

Deno.test("paperMathFeedback() takes the exact-string majority, ties to the first seen", () => {
  const { vote, scored } = paperMathFeedback(
    "p",
    samples("\\boxed{0.5}", "\\boxed{1/2}", "\\boxed{2}", "\\boxed{2}", "\\boxed{1/2}"),
  );
  // Exact strings: "1/2" ×2 and "2" ×2; "1/2" was seen first. Scoring uses equivalence,
  // so "0.5" is a positive.
  assert.equal(vote.label, "1/2");
  assert.deepEqual(scored.map((s) => s.score), [1, 1, 0, 0, 1]);
});

Deno.test("paperMathFeedback() filters with a strict share over all samples, empty answers included", () => {
  const four = samples("\\boxed{3}", "\\boxed{3}", "\\boxed{3}", "nothing");
  assert.equal(paperMathFeedback("p", four, { minShare: 0.75 }).vote.kept, false);
  assert.equal(paperMathFeedback("p", four, { minShare: 0.7 }).vote.kept, true);
  const kept = paperMathFeedback("p", four, { minShare: 0.7 });
  assert.deepEqual(kept.scored.map((s) => s.score), [1, 1, 1, 0]);
  assert.equal(kept.vote.total, 3);
  assert.ok(kept.confidence! > 0 && kept.confidence! < 1);
  assert.deepEqual(paperMathFeedback("p", samples("none", "")).vote.kept, false);
});
