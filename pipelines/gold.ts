/**
 * Recipe `gold`: the ground-truth baseline. Problems that carry a gold answer or
 * gold tests (`tests` or `test_code`) score their samples against them and pair by
 * the same policies as pseudo feedback. Recipe `eval` reuses the gold scoring.
 *
 * @module
 */
import {
  type CodeProblem,
  drain,
  goldCodeScore,
  goldMathFeedback,
  map,
  type MathProblem,
  pipe,
  type Problem,
  type ProblemSamples,
  type Sample,
  type ScoredCode,
  scoredCode,
  type ScoredMath,
  scoredMath,
} from "../mod.ts";
import {
  pairBy,
  policySampling,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
  recordResults,
} from "./context.ts";
import { codePairPolicy, comparableTests, programsOf, sameFor } from "./code_common.ts";
import { mathPairPolicy } from "./math_common.ts";

/** True when a problem carries gold feedback. */
export function hasGold(problem: Problem): boolean {
  return problem.kind === "math"
    ? problem.answer !== undefined
    : Boolean(problem.tests?.length || problem.test_code);
}

/** The problems a gold-scored recipe works on (those carrying gold feedback). */
export function goldProblems(
  context: RecipeContext,
  counts: { resumed: number },
): AsyncIterable<Problem> {
  return recipeProblems(context, (p): p is Problem => hasGold(p), counts);
}

/** Each sample's gold score out of `max`, by sample index. */
export interface GoldScores {
  score: (index: number) => number;
  max: number;
  programs?: (string | undefined)[];
}

/** Scores a code problem's samples on its gold tests or `check(candidate)`. */
export async function goldCodeScores(
  context: RecipeContext,
  problem: CodeProblem,
  samples: readonly Sample[],
): Promise<GoldScores> {
  const programs = programsOf(context, problem, samples);
  const tests = comparableTests(problem, problem.tests ?? []);
  const matrix = tests.length
    ? await context.executor.matrix(problem, programs, tests.map((t) => t.input), context.signal)
    : undefined;
  const checks = tests.length
    ? undefined
    : await context.executor.check(problem, programs, context.signal);
  const comparable = { ...problem, tests };
  const scores = programs.map((_, p) =>
    goldCodeScore(comparable, matrix ? { tests: matrix[p] } : { check: checks?.[p] }, {
      same: sameFor(problem),
    })
  );
  const max = tests.length ? tests.length : 1;
  return { score: (index) => scores[index]?.score ?? 0, max, programs };
}

/** Runs the recipe over the context's problems with gold feedback. */
export async function gold(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const codePolicy = codePairPolicy(context);
  const mathPolicy = mathPairPolicy(context);
  const finished = await drain(pipe(
    goldProblems(context, counts),
    policySampling(context, { samples: config.n, window: config.window }),
    map((item) => goldScored(context, item), {
      signal,
      concurrency: context.executor.problemsAtOnce,
      ordered: false,
      name: "score",
      metrics: run.metrics.stage("score"),
    }),
    pairBy<GoldScored>(
      context,
      (item) => "programs" in item ? codePolicy(item) : mathPolicy(item),
    ),
    recordResults(context),
  ));
  return { recipe: "gold", finished, resumed: counts.resumed };
}

/** A problem scored against its gold answer or tests. */
type GoldScored =
  | ScoredCode<{ problem: CodeProblem; samples: Sample[]; programs: (string | undefined)[] }>
  | ScoredMath<{ problem: MathProblem; samples: Sample[] }>;

/** The gold score of a problem's samples: on its tests (code) or against its answer (math). */
async function goldScored(
  context: RecipeContext,
  { problem, samples }: ProblemSamples<Problem>,
): Promise<GoldScored> {
  const options = { recipe: context.recipe, feedback: "gold" as const };
  if (problem.kind === "code") {
    const scores = await goldCodeScores(context, problem, samples);
    const programs = scores.programs ?? [];
    return scoredCode({ problem, samples, programs }, {
      score: scores.score,
      maxScore: scores.max,
    }, options);
  }
  return scoredMath({ problem, samples }, goldMathFeedback(problem, samples), {
    ...options,
    detail: (_, scoring) => ({
      samples: samples.length,
      ...(scoring ? { correct: scoring.vote.votes } : {}),
    }),
  });
}
