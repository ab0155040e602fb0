/**
 * Gold feedback: scores against a problem's real answer or real tests, the
 * ground-truth baseline of the method and the yardstick for pseudo feedback.
 *
 * @module
 */
import type { ExecutionResult } from "../model/execution.ts";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { Equivalence } from "./answer_vote.ts";
import { countPasses } from "./code.ts";
import { type MathAnswerOptions, type MathFeedback, scoreMathAnswers } from "./math.ts";

/**
 * Scores samples against a math problem's gold answer; `undefined` when the problem
 * has none.
 *
 * @example Gold answer
 * ```ts
 * import { goldMathFeedback } from "./gold.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "math" as const, prompt: "1+1?", answer: "2" };
 * const samples = [{ problem_id: "p", index: 0, completion: "\\boxed{2}" }];
 * const feedback = goldMathFeedback(problem, samples);
 * assert.equal(feedback?.scored[0].score, 1);
 * ```
 */
export function goldMathFeedback(
  problem: MathProblem,
  samples: readonly Sample[],
  options: MathAnswerOptions = {},
): MathFeedback | undefined {
  if (problem.answer === undefined) return undefined;
  return scoreMathAnswers(samples, {
    ...options,
    problemId: problem.id,
    label: problem.answer,
    feedback: "gold",
  });
}

/** What one program's gold runs gave. */
export interface GoldRuns {
  /** Results on the problem's `tests`, in test order. */
  tests?: readonly (ExecutionResult | undefined)[];
  /** The result of the program run with the problem's `test_code` (`check(candidate)`). */
  check?: ExecutionResult;
}

/** A program's gold score. */
export interface GoldScore {
  /** Tests passed, or 1 when `check(candidate)` ran `ok`. */
  score: number;
  /** The problem's tests, or 1 for its `check(candidate)`. */
  max_score: number;
}

/** Options for {@link goldCodeScore}. */
export interface GoldCodeOptions {
  /** The judge's comparison of an expected and an actual output. Default: the judge's (see `countPasses`). */
  same?: Equivalence;
}

/**
 * A program's score on a code problem's gold tests: the tests passed out of
 * `tests.length` when the problem has test cases, else 1 or 0 by whether its
 * `check(candidate)` run ended `ok`; `undefined` without gold tests.
 *
 * @example Gold check() passed
 * ```ts
 * import { goldCodeScore } from "./gold.ts";
 * import assert from "node:assert";
 * const problem = {
 *   id: "h", kind: "code" as const, language: "python" as const, style: "function" as const,
 *   entry_point: "f", prompt: "def f(x):", test_code: "def check(candidate): ...",
 * };
 * const check = { status: "ok" as const, stdout: "", stderr: "", duration_ms: 3 };
 * assert.deepEqual(goldCodeScore(problem, { check }), { score: 1, max_score: 1 });
 * ```
 */
export function goldCodeScore(
  problem: CodeProblem,
  runs: GoldRuns,
  options: GoldCodeOptions = {},
): GoldScore | undefined {
  if (problem.tests?.length) {
    const expected = problem.tests.map((test) => test.output);
    const score = countPasses(runs.tests ?? [], { expected, same: options.same });
    return { score, max_score: expected.length };
  }
  if (problem.test_code !== undefined) {
    return { score: runs.check?.status === "ok" ? 1 : 0, max_score: 1 };
  }
  return undefined;
}
