/**
 * The score stages: each sample scored against its problem's pseudo label or tests
 * (or gold ones), with the problem's outcome — `done`, or why it gives no pairs
 * (`no_tests`, `no_label`).
 *
 * @module
 */
import type { FeedbackSource, ScoredSample, Vote } from "../model/feedback.ts";
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { TestCase } from "../model/problem.ts";
import type { OutcomeDetail, ProblemOutcome } from "../run/finished.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import { scoreCodeSamples } from "../feedback/code.ts";
import type { CodeTrust } from "../feedback/confidence.ts";
import type { MathFeedback } from "../feedback/math.ts";
import { canonicalFromPython } from "../../sandbox/judge.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";

/** A problem whose samples are scored: what the pair and record stages read. */
export interface ScoredProblem<P extends { id: string } = { id: string }> {
  /** The problem. */
  problem: P;
  /** Where the label or tests came from. */
  feedback: FeedbackSource;
  /** Each sample's score (empty when the problem has no label). */
  scored: ScoredSample[];
  /** The votes behind the label or tests, stored with the scores. */
  votes: Vote[];
  /** The problem's outcome (the record stage adds its pair counts). */
  outcome: ProblemOutcome;
}

/** Options shared by the score stages. */
export interface ScoreStageOptions {
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
  /** The recipe, named in each outcome. */
  recipe: string;
}

/** How a code problem's samples are scored. */
export interface CodeScoring {
  /** Each sample's score, by sample index. */
  score: (index: number) => number;
  /** The best score possible (0: the problem has no tests, it is `no_tests`). */
  maxScore: number;
  /** The votes behind the tests (self-consistency), to store. */
  votes?: Vote[];
  /** The matrix's clusters, which give each pair its confidence. */
  trust?: CodeTrust;
  /** Extra figures for the problem's outcome. */
  detail?: OutcomeDetail;
}

/** What the code score stage reads: a problem's samples and their programs. */
export interface ProgramsOfSamples {
  /** The problem. */
  problem: CodeProblem;
  /** Its samples. */
  samples: readonly Sample[];
  /** The program of each sample, by sample index (`undefined`: none was extracted). */
  programs: readonly (string | undefined)[];
}

/** A scored code problem: its {@link CodeScoring} and scored samples. */
export type ScoredCode<T> = T & ScoredProblem<CodeProblem> & { scoring: CodeScoring };

/** Options for {@link scoreCode}. */
export interface ScoreCodeStageOptions<T> extends ScoreStageOptions {
  /** Where the tests came from. */
  feedback: FeedbackSource;
  /** How the problem's samples score (from its vote, its tests, or gold). */
  scoring: (item: T) => CodeScoring | Promise<CodeScoring>;
  /** Problems scored at once (scoring that runs programs overlaps). Default 1. */
  concurrency?: number;
}

/**
 * The code score stage: each sample's score out of `maxScore`; the outcome is
 * `done`, or `no_tests` when there was nothing to pass.
 *
 * @example Scores from a function of the sample index
 * ```ts
 * import { scoreCode } from "./score.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "code", language: "python", style: "stdio", prompt: "" } as const;
 * const samples = [0, 1].map((index) => ({ problem_id: "p", index, completion: `c${index}` }));
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, samples, programs: ["a", "b"] }],
 *   scoreCode({ recipe: "r", feedback: "frontier", scoring: () => ({ score: (i) => i, maxScore: 2 }) }),
 * ));
 * assert.deepEqual(out.scored.map((s) => s.score), [0, 1]);
 * assert.equal(out.outcome.status, "done");
 * ```
 */
export function scoreCode<T extends ProgramsOfSamples>(
  options: ScoreCodeStageOptions<T>,
): Stage<T, ScoredCode<T>> {
  return map(async (item: T) => scoredCode(item, await options.scoring(item), options), {
    name: "score",
    concurrency: options.concurrency ?? 1,
    ordered: false,
    ...stageOptions(options),
  });
}

/** A code problem's samples scored by `scoring` (what {@link scoreCode} does to each). */
export function scoredCode<T extends ProgramsOfSamples>(
  item: T,
  scoring: CodeScoring,
  options: { feedback: FeedbackSource; recipe: string },
): ScoredCode<T> {
  const { samples, programs } = item;
  const { feedback, recipe } = options;
  const scored = scoreCodeSamples(samples, {
    score: scoring.score,
    maxScore: scoring.maxScore,
    feedback,
    program: (index) => programs[index],
  });
  const outcome: ProblemOutcome = {
    status: scoring.maxScore > 0 ? "done" : "no_tests",
    detail: {
      recipe,
      samples: samples.length,
      programs: programs.filter((p) => p !== undefined).length,
      tests: scoring.maxScore,
      ...scoring.detail,
    },
  };
  return { ...item, feedback, scoring, scored, votes: scoring.votes ?? [], outcome };
}

/** A scored math problem: its {@link MathFeedback} when it has a label. */
export type ScoredMath<T> = T & ScoredProblem<MathProblem> & { scoring?: MathFeedback };

/** Options for {@link scoreMath}. */
export interface ScoreMathStageOptions<T> extends ScoreStageOptions {
  /** Where the label came from. */
  feedback: FeedbackSource;
  /** The samples scored against the problem's label (`undefined`: it has none). */
  scoring: (item: T) => MathFeedback | undefined;
  /** Extra figures for the problem's outcome. */
  detail?: (item: T, scoring: MathFeedback | undefined) => OutcomeDetail;
}

/**
 * The math score stage: each sample 1 when its answer matches the label, else 0;
 * the outcome is `done` when the label was kept, else `no_label`.
 *
 * @example Score against a given label
 * ```ts
 * import { scoreMath } from "./score.ts";
 * import { scoreMathAnswers } from "../feedback/math.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "math", prompt: "1+1" } as const;
 * const samples = ["2", "3"].map((a, index) => ({ problem_id: "p", index, completion: `\\boxed{${a}}` }));
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, samples }],
 *   scoreMath({
 *     recipe: "r",
 *     feedback: "frontier",
 *     scoring: ({ samples }) =>
 *       scoreMathAnswers(samples, { problemId: "p", label: "2", feedback: "frontier" }),
 *   }),
 * ));
 * assert.deepEqual(out.scored.map((s) => s.score), [1, 0]);
 * assert.equal(out.outcome.status, "done");
 * ```
 */
export function scoreMath<T extends { problem: MathProblem }>(
  options: ScoreMathStageOptions<T>,
): Stage<T, ScoredMath<T>> {
  return map((item: T) => scoredMath(item, options.scoring(item), options), {
    name: "score",
    ...stageOptions(options),
  });
}

/** A math problem's samples scored against its label (what {@link scoreMath} does to each). */
export function scoredMath<T extends { problem: MathProblem }>(
  item: T,
  scoring: MathFeedback | undefined,
  options: Omit<ScoreMathStageOptions<T>, "scoring">,
): ScoredMath<T> {
  const { feedback, recipe } = options;
  const outcome: ProblemOutcome = {
    status: scoring?.vote.kept ? "done" : "no_label",
    detail: {
      recipe,
      ...(scoring ? { votes: scoring.vote.votes, voters: scoring.vote.total } : {}),
      ...options.detail?.(item, scoring),
    },
  };
  return {
    ...item,
    feedback,
    ...(scoring ? { scoring } : {}),
    scored: scoring?.scored ?? [],
    votes: scoring ? [scoring.vote] : [],
    outcome,
  };
}

/**
 * Test cases with their expected output in the form executions report it: the
 * canonical value of a Python literal for function-style problems (a test whose
 * output is not a literal is left out), the text for stdio.
 *
 * @example A function-style test's output becomes its canonical value
 * ```ts
 * import { comparableTests } from "./score.ts";
 * import assert from "node:assert";
 * const problem = {
 *   id: "p", kind: "code", language: "python", style: "function", entry_point: "f", prompt: "",
 * } as const;
 * const tests = comparableTests(problem, [{ input: "1", output: "(1, 2)" }, { input: "2", output: "?" }]);
 * assert.equal(tests.length, 1);
 * ```
 */
export function comparableTests(problem: CodeProblem, tests: readonly TestCase[]): TestCase[] {
  if (problem.style !== "function") return [...tests];
  return tests.flatMap((test) => {
    try {
      return [{ input: test.input, output: canonicalFromPython(test.output) }];
    } catch {
      return [];
    }
  });
}

function stageOptions(options: { signal?: AbortSignal; metrics?: StageMetrics }) {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
}
