/**
 * The vote stages: self-consistency over a problem's samples — the majority output
 * per test input of its programs (code), the majority final answer (math).
 *
 * @module
 */
import type { ExecutionResult } from "../model/execution.ts";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import { CodeVote, type CodeVoteOptions } from "../feedback/code.ts";
import type { MathFeedback } from "../feedback/math.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import { sameOutput, sameValue } from "../../sandbox/judge.ts";

/** Options shared by the vote stages. */
export interface VoteStageOptions {
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The judge's comparison for a problem's outputs: canonical return values for
 * function-style problems, whitespace-tolerant lines for stdio.
 *
 * @example Function-style outputs compare as values
 * ```ts
 * import { sameFor } from "./vote.ts";
 * import assert from "node:assert";
 * const problem = {
 *   id: "p", kind: "code", language: "python", style: "function", entry_point: "f", prompt: "",
 * } as const;
 * assert.ok(sameFor(problem)("1", "1.0"));
 * ```
 */
export function sameFor(problem: CodeProblem): (a: string, b: string) => boolean {
  return problem.style === "function" ? (a, b) => sameValue(a, b) : (a, b) => sameOutput(a, b);
}

/** How the outputs vote: {@link CodeVoteOptions} but the inputs and comparison (the problem's). */
export type OutputVoteOptions = Omit<CodeVoteOptions, "inputs" | "same">;

/**
 * Multi-test-case self-consistency over a problem's programs: every program's
 * results (`results[program][input]`) vote per input of `problem.test_inputs`; the
 * vote is closed.
 */
export function voteOnOutputs(
  item: {
    problem: CodeProblem;
    programs: readonly (string | undefined)[];
    results: readonly (ExecutionResult | undefined)[][];
  },
  options: OutputVoteOptions = {},
): CodeVote {
  const { problem, programs, results } = item;
  const vote = new CodeVote(problem.id, {
    ...options,
    inputs: problem.test_inputs ?? [],
    same: sameFor(problem),
  });
  programs.forEach((program, index) => {
    if (program !== undefined) vote.addProgram(index, results[index] as ExecutionResult[]);
  });
  vote.close();
  return vote;
}

/** What the code vote stage reads: a problem's programs and their execution results. */
export interface ExecutedPrograms {
  /** The problem. */
  problem: CodeProblem;
  /** The program of each sample, by sample index (`undefined`: none was extracted). */
  programs: readonly (string | undefined)[];
  /** Results by program and input: `results[program][input]`. */
  results: readonly (ExecutionResult | undefined)[][];
}

/**
 * The code vote stage: adds the closed per-input vote of each problem's programs.
 *
 * @example The majority output of two programs out of three
 * ```ts
 * import { voteOutputs } from "./vote.ts";
 * import type { CodeProblem } from "../model/problem.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const problem: CodeProblem = {
 *   id: "p", kind: "code", language: "python", style: "stdio", prompt: "", test_inputs: [""],
 * };
 * const item = { problem, programs: ["a", "b", "c"], results: [[ok("1")], [ok("1")], [ok("2")]] };
 * const [out] = await Array.fromAsync(pipe([item], voteOutputs({ vote: { minRuns: 2 } })));
 * assert.deepEqual(out.vote.expected(), ["1"]);
 * ```
 */
export function voteOutputs<T extends ExecutedPrograms>(
  options: VoteStageOptions & { vote?: OutputVoteOptions } = {},
): Stage<T, T & { vote: CodeVote }> {
  return map((item: T) => ({ ...item, vote: voteOnOutputs(item, options.vote) }), {
    name: "vote",
    ...stageOptions(options),
  });
}

/** Options for {@link voteAnswers}. */
export interface AnswerVoteStageOptions extends VoteStageOptions {
  /**
   * A problem's label from its samples' answers, e.g. `MathSelfConsistency.finish`
   * (which kept the windows' votes) or `paperMathFeedback`.
   */
  vote: (problemId: string, samples: readonly Sample[]) => MathFeedback;
}

/**
 * The math vote stage: adds each problem's majority answer as its label, with each
 * sample scored against it (`scoring`).
 *
 * @example The majority of three answers
 * ```ts
 * import { voteAnswers } from "./vote.ts";
 * import { MathSelfConsistency } from "../feedback/math.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "math", prompt: "1+1" } as const;
 * const samples = ["2", "2", "3"].map((a, index) => ({
 *   problem_id: "p", index, completion: `\\boxed{${a}}`,
 * }));
 * const keeper = new MathSelfConsistency();
 * const [out] = await Array.fromAsync(
 *   pipe([{ problem, samples }], voteAnswers({ vote: keeper.finish.bind(keeper) })),
 * );
 * assert.equal(out.scoring.vote.label, "2");
 * ```
 */
export function voteAnswers<T extends { problem: MathProblem; samples: readonly Sample[] }>(
  options: AnswerVoteStageOptions,
): Stage<T, T & { scoring: MathFeedback }> {
  return map((item: T) => ({ ...item, scoring: options.vote(item.problem.id, item.samples) }), {
    name: "vote",
    ...stageOptions(options),
  });
}

function stageOptions(options: VoteStageOptions): VoteStageOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
}
