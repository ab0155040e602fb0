import assert from "node:assert";
import { Metrics } from "../metrics/metrics.ts";
import type { ExecutionResult, ExecutionStatus } from "../model/execution.ts";
import { CodeVote, countPasses, outputOf, scoreCodeSamples } from "./code.ts";

const ok = (stdout: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
});
const returned = (value: string): ExecutionResult => ({ ...ok("printed\n"), return_value: value });
const failed = (status: ExecutionStatus): ExecutionResult => ({
  status,
  stdout: "partial",
  stderr: "error",
  duration_ms: 1,
});

Deno.test("CodeVote takes the majority output per input and scores agreement on kept inputs", () => {
  const vote = new CodeVote("p", { inputs: ["a", "b", "c"], minRuns: 1 });
  vote.addProgram(0, [ok("1"), ok("x"), ok("5")]);
  vote.addProgram(1, [ok("1"), ok("y"), ok("6")]);
  vote.addProgram(2, [ok("2"), ok("y"), ok("6")]);
  vote.addProgram(3, [ok("1"), ok("y"), ok("5")]);
  vote.close();
  assert.deepEqual(vote.expected(), ["1", "y", "5"]);
  assert.deepEqual([0, 1, 2, 3].map((p) => vote.score(p)), [2, 2, 1, 3]);
  assert.deepEqual(vote.votes()[0], {
    problem_id: "p",
    input: "a",
    label: "1",
    votes: 3,
    total: 4,
    decided: true,
    kept: true,
  });
});

Deno.test("CodeVote lets only ok runs vote and scores failed runs zero there", () => {
  const vote = new CodeVote("p", { inputs: ["a"], minRuns: 1 });
  vote.addProgram(0, [failed("runtime_error")]);
  vote.addProgram(1, [failed("timeout")]);
  vote.addProgram(2, [ok("partial")]);
  vote.addProgram(3, [failed("memory_limit")]);
  vote.close();
  // The failed runs printed "partial" too, but they do not vote.
  assert.deepEqual(vote.votes()[0].votes, 1);
  assert.deepEqual(vote.votes()[0].total, 1);
  assert.deepEqual([0, 1, 2, 3].map((p) => vote.score(p)), [0, 0, 1, 0]);
});

Deno.test("CodeVote gives ties to the earliest program", () => {
  const vote = new CodeVote("p", { inputs: ["a"], minRuns: 1 });
  vote.add(3, 0, ok("late"));
  vote.add(2, 0, ok("late"));
  vote.add(1, 0, ok("early"));
  vote.add(0, 0, ok("early"));
  assert.deepEqual(vote.expected(), ["early"]);
});

Deno.test("CodeVote drops inputs with too few successful runs", () => {
  const vote = new CodeVote("p", { inputs: ["a", "b"] }); // default minRuns 3
  vote.addProgram(0, [ok("1"), ok("1")]);
  vote.addProgram(1, [ok("1"), failed("runtime_error")]);
  vote.addProgram(2, [ok("2"), ok("1")]);
  vote.close();
  assert.deepEqual(vote.expected(), ["1", undefined]);
  assert.equal(vote.kept, 1);
  assert.deepEqual(vote.votes().map((v) => v.kept), [true, false]);
  assert.deepEqual([0, 1, 2].map((p) => vote.score(p)), [1, 1, 0]);
  const strict = new CodeVote("p", { inputs: ["a"], minRuns: 5 });
  for (let p = 0; p < 4; p++) strict.add(p, 0, ok("1"));
  assert.equal(strict.kept, 0);
  strict.add(4, 0, ok("1"));
  assert.equal(strict.kept, 1);
});

Deno.test("CodeVote with every program failing keeps nothing and scores zero", () => {
  const vote = new CodeVote("p", { inputs: ["a", "b"], minRuns: 1 });
  for (let p = 0; p < 3; p++) vote.addProgram(p, [failed("compile_error"), failed("timeout")]);
  vote.close();
  assert.deepEqual(vote.expected(), [undefined, undefined]);
  assert.equal(vote.kept, 0);
  assert.deepEqual(vote.votes().map((v) => [v.label, v.total, v.kept]), [
    [undefined, 0, false],
    [undefined, 0, false],
  ]);
  assert.deepEqual([0, 1, 2].map((p) => vote.score(p)), [0, 0, 0]);
});

Deno.test("CodeVote groups outputs with the judge's comparison", () => {
  const tolerant = (a: string, b: string) => a.trim() === b.trim();
  const vote = new CodeVote("p", { inputs: ["a"], minRuns: 1, same: tolerant });
  vote.addProgram(0, [ok("3\n")]);
  vote.addProgram(1, [ok("4")]);
  vote.addProgram(2, [ok("3")]);
  assert.deepEqual(vote.expected(), ["3\n"]);
  assert.equal(vote.score(2), 1);
});

Deno.test("CodeVote groups with the judge by default: canonical values, stdout by lines", () => {
  const values = new CodeVote("p", { inputs: ["x"], minRuns: 1 });
  values.addProgram(0, [returned("[1,2]")]);
  values.addProgram(1, [returned("[1.0,2]")]);
  values.addProgram(2, [returned("[2,1]")]);
  assert.deepEqual(values.votes()[0].votes, 2);
  assert.deepEqual([0, 1, 2].map((p) => values.score(p)), [1, 1, 0]);
  const stdout = new CodeVote("p", { inputs: ["x"], minRuns: 1 });
  stdout.addProgram(0, [ok("1 2\n")]);
  stdout.addProgram(1, [ok("1 2  \n\n")]);
  stdout.addProgram(2, [ok("1  2\n")]);
  assert.deepEqual([0, 1, 2].map((p) => stdout.score(p)), [1, 1, 0]);
});

Deno.test("countPasses() judges by default: canonical values, stdout by lines", () => {
  assert.equal(
    countPasses([returned("0.0"), returned("[1,2]")], { expected: ["0", "[1,2.0]"] }),
    2,
  );
  assert.equal(countPasses([returned("1")], { expected: ["2"] }), 0);
  assert.equal(countPasses([ok("6  \n")], { expected: ["6"] }), 1);
});

Deno.test("CodeVote votes on return values, not prints, for function calls", () => {
  const vote = new CodeVote("p", { inputs: ["[1]"], minRuns: 1 });
  vote.addProgram(0, [returned("1")]);
  vote.addProgram(1, [returned("2")]);
  vote.addProgram(2, [returned("2")]);
  assert.deepEqual(vote.expected(), ["2"]);
});

Deno.test("CodeVote updates while open and refuses results once closed", () => {
  const vote = new CodeVote("p", { inputs: ["a"], minRuns: 1 });
  vote.add(0, 0, ok("1"));
  assert.equal(vote.votes()[0].decided, false);
  assert.deepEqual(vote.expected(), ["1"]);
  vote.add(1, 0, ok("2"));
  vote.add(2, 0, ok("2"));
  assert.deepEqual(vote.expected(), ["2"]);
  vote.close();
  assert.equal(vote.closed, true);
  assert.equal(vote.votes()[0].decided, true);
  assert.throws(() => vote.add(3, 0, ok("1")), /closed/);
  assert.throws(() => new CodeVote("q", { inputs: ["a"] }).add(0, 1, ok("1")), /out of range/);
});

Deno.test("CodeVote applies a minimum share", () => {
  const vote = new CodeVote("p", { inputs: ["a"], minRuns: 1, minShare: 0.5 });
  ["1", "2", "3", "1"].forEach((out, p) => vote.add(p, 0, ok(out)));
  assert.equal(vote.kept, 1);
  vote.add(4, 0, ok("4"));
  assert.equal(vote.kept, 0);
});

Deno.test("CodeVote.close() counts each input's vote in metrics", async () => {
  const metrics = new Metrics();
  const vote = new CodeVote("p", { inputs: ["a", "b"], minRuns: 2, metrics });
  vote.addProgram(0, [ok("1"), ok("1")]);
  vote.addProgram(1, [ok("1"), failed("timeout")]);
  vote.close();
  vote.close();
  const text = await metrics.registry.metrics();
  assert.match(text, /pfpo_votes_decided_total\{kind="code",kept="true"\} 1/);
  assert.match(text, /pfpo_votes_decided_total\{kind="code",kept="false"\} 1/);
});

Deno.test("countPasses() counts ok runs with the expected output and skips unknown ones", () => {
  const results = [ok("1"), failed("runtime_error"), ok("3"), ok("4"), undefined];
  assert.equal(countPasses(results, { expected: ["1", "partial", "3", undefined, "5"] }), 2);
  const loose = (a: string, b: string) => Math.abs(Number(a) - Number(b)) < 1e-6;
  assert.equal(countPasses([ok("0.1000001")], { expected: ["0.1"], same: loose }), 1);
});

Deno.test("outputOf() reads the return value, else stdout, only for ok runs", () => {
  assert.equal(outputOf(ok("x")), "x");
  assert.equal(outputOf(returned("[1, 2]")), "[1, 2]");
  assert.equal(outputOf(failed("output_limit")), undefined);
  assert.equal(outputOf(undefined), undefined);
});

Deno.test("scoreCodeSamples() records score, maximum, program and source", () => {
  const samples = [0, 1].map((index) => ({ problem_id: "p", index, completion: `c${index}` }));
  const scored = scoreCodeSamples(samples, {
    score: (i) => i * 2,
    maxScore: 5,
    feedback: "self_consistency",
    program: (i) => i === 0 ? "def f(): pass" : undefined,
  });
  assert.deepEqual(scored, [
    {
      problem_id: "p",
      index: 0,
      completion: "c0",
      extracted: "def f(): pass",
      score: 0,
      max_score: 5,
      feedback: "self_consistency",
    },
    {
      problem_id: "p",
      index: 1,
      completion: "c1",
      score: 2,
      max_score: 5,
      feedback: "self_consistency",
    },
  ]);
});
