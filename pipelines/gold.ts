/**
 * Recipe `gold`: the ground-truth baseline. Problems that carry a gold answer or
 * gold tests (`tests` or `test_code`) score their samples against them and pair by
 * the same policies as pseudo feedback. Recipe `eval` reuses the gold scoring.
 *
 * @module
 */
import {
  checkRuns,
  type CodeProblem,
  drain,
  type Executed,
  goldCodeScore,
  goldMathFeedback,
  inputRuns,
  map,
  type MathProblem,
  pipe,
  type Problem,
  type ProblemSamples,
  type ProgramInput,
  type Sample,
  type ScoredCode,
  scoredCode,
  type ScoredMath,
  scoredMath,
  type Stage,
  type WithPrograms,
} from "../mod.ts";
import {
  forCodeProblems,
  pairBy,
  policySampling,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
  recordResults,
} from "./context.ts";
import { codePairPolicy, comparableTests, runPrograms, sameFor } from "./code_common.ts";
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

/**
 * The runs of a code problem's gold feedback: one per gold test (whose output can
 * be compared), else the problem's `check(candidate)`.
 */
export function goldRuns(problem: CodeProblem): ProgramInput[] {
  const tests = comparableTests(problem, problem.tests ?? []);
  return tests.length ? inputRuns(problem, tests.map((t) => t.input)) : checkRuns(problem);
}

/** A code problem's samples with their programs run on its gold runs. */
export type GoldExecuted = Executed<WithPrograms<ProblemSamples<CodeProblem>>>;

/**
 * The extract → execute stages of the gold-scored recipes: code problems' programs
 * run on their {@link goldRuns}; math problems' samples go around them.
 */
export function goldExecution(
  context: RecipeContext,
): Stage<ProblemSamples, GoldExecuted | ProblemSamples<MathProblem>> {
  return forCodeProblems(runPrograms(context, goldRuns), context.signal);
}

/** Each sample's gold score out of `max`, by sample index. */
export interface GoldScores {
  score: (index: number) => number;
  max: number;
}

/** A code problem's samples scored on its gold tests or `check(candidate)` runs. */
export function goldCodeScores({ problem, results }: GoldExecuted): GoldScores {
  const tests = comparableTests(problem, problem.tests ?? []);
  const comparable = { ...problem, tests };
  const scores = results.map((row) =>
    goldCodeScore(comparable, tests.length ? { tests: row } : { check: row[0] }, {
      same: sameFor(problem),
    })
  );
  return { score: (index) => scores[index]?.score ?? 0, max: tests.length ? tests.length : 1 };
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
    goldExecution(context),
    map((item) => goldScored(context, item), {
      signal,
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
function goldScored(
  context: RecipeContext,
  item: GoldExecuted | ProblemSamples<MathProblem>,
): GoldScored {
  const options = { recipe: context.recipe, feedback: "gold" as const };
  if ("results" in item) {
    const { problem, samples, programs } = item;
    const scores = goldCodeScores(item);
    return scoredCode({ problem, samples, programs }, {
      score: scores.score,
      maxScore: scores.max,
    }, options);
  }
  const { problem, samples } = item;
  return scoredMath({ problem, samples }, goldMathFeedback(problem, samples), {
    ...options,
    detail: (_, scoring) => ({
      samples: samples.length,
      ...(scoring ? { correct: scoring.vote.votes } : {}),
    }),
  });
}
