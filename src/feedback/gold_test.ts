import assert from "node:assert";
import type { ExecutionResult } from "../model/execution.ts";
import type { CodeProblem } from "../model/problem.ts";
import { goldCodeScore, goldMathFeedback } from "./gold.ts";

const ok = (stdout: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
});
const numeric = (a: string, b: string) => Number(a) === Number(b);

Deno.test("goldMathFeedback() scores against the gold answer and skips problems without one", () => {
  const samples = ["\\boxed{18}", "\\boxed{18.0}", "\\boxed{9}"].map((completion, index) => ({
    problem_id: "g",
    index,
    completion,
  }));
  const problem = { id: "g", kind: "math" as const, prompt: "?", answer: "18" };
  const feedback = goldMathFeedback(problem, samples, { equivalent: numeric });
  assert.deepEqual(feedback?.scored.map((s) => [s.score, s.feedback]), [
    [1, "gold"],
    [1, "gold"],
    [0, "gold"],
  ]);
  assert.equal(feedback?.vote.problem_id, "g");
  const { answer: _, ...unanswered } = problem;
  assert.equal(goldMathFeedback(unanswered, samples, { equivalent: numeric }), undefined);
});

Deno.test("goldCodeScore() counts gold tests passed, else uses check(), else gives nothing", () => {
  const base = { id: "c", kind: "code", language: "python", prompt: "?" } as const;
  const stdio: CodeProblem = {
    ...base,
    style: "stdio",
    tests: [{ input: "1", output: "2\n" }, { input: "2", output: "4\n" }],
    test_code: "ignored when tests exist",
  };
  const trim = (a: string, b: string) => a.trim() === b.trim();
  assert.deepEqual(goldCodeScore(stdio, { tests: [ok("2\n"), ok("5\n")] }), {
    score: 1,
    max_score: 2,
  });
  assert.deepEqual(goldCodeScore(stdio, { tests: [ok("2"), ok("4")] }, { same: trim }), {
    score: 2,
    max_score: 2,
  });
  assert.deepEqual(goldCodeScore(stdio, {}), { score: 0, max_score: 2 });
  const fn: CodeProblem = { ...base, style: "function", entry_point: "f", test_code: "check" };
  const crash: ExecutionResult = { ...ok(""), status: "runtime_error" };
  assert.deepEqual(goldCodeScore(fn, { check: ok("") }), { score: 1, max_score: 1 });
  assert.deepEqual(goldCodeScore(fn, { check: crash }), { score: 0, max_score: 1 });
  assert.deepEqual(goldCodeScore(fn, {}), { score: 0, max_score: 1 });
  assert.equal(goldCodeScore({ ...base, style: "stdio" }, {}), undefined);
});
