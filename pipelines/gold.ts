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
  type Sample,
} from "../mod.ts";
import { policySamples, type RecipeContext, recipeProblems, type RecipeReport } from "./context.ts";
import { comparableTests, finishCodeProblem, programsOf, sameFor } from "./code_common.ts";
import { finishMathProblem } from "./math_common.ts";

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
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const problems = goldProblems(context, counts);
  const finished = await drain(pipe(
    policySamples(context, problems, { samples: flags.n, window: flags.window }),
    map(async ({ problem, samples }) => {
      if (problem.kind === "code") {
        const scores = await goldCodeScores(context, problem, samples);
        finishCodeProblem(context, "gold", {
          problem,
          samples,
          programs: scores.programs ?? [],
        }, { feedback: "gold", score: scores.score, maxScore: scores.max });
      } else {
        finishGoldMath(context, problem, samples);
      }
    }, {
      signal,
      concurrency: context.executor.problemsAtOnce,
      ordered: false,
      name: "gold",
      metrics: run.metrics.stage("gold"),
    }),
  ));
  return { recipe: "gold", finished, resumed: counts.resumed };
}

function finishGoldMath(
  context: RecipeContext,
  problem: MathProblem,
  samples: readonly Sample[],
): void {
  const scoring = goldMathFeedback(problem, samples);
  finishMathProblem(context, "gold", problem, {
    feedback: "gold",
    ...(scoring ? { scoring } : {}),
    detail: { samples: samples.length, ...(scoring ? { correct: scoring.vote.votes } : {}) },
  });
}
