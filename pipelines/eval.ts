/**
 * Recipe `eval`: accuracy of a served model (or recorded samples) on a benchmark
 * with gold answers or tests: per-sample accuracy, maj@k for math, and pass@k with
 * the unbiased estimator 1 − C(n−c, k) / C(n, k). Greedy evaluation is `--n 1
 * --temperature 0`. It writes no pairs.
 *
 * @module
 */
import { AnswerVote, drain, extractAnswer, isEquivalent, map, passAtK, pipe } from "../mod.ts";
import { policySamples, problemKey, type RecipeContext, type RecipeReport } from "./context.ts";
import { goldCodeScores, goldProblems } from "./gold.ts";

/** Runs the evaluation and returns its figures. */
export async function evaluate(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const problems = goldProblems(context, counts);
  const finished = await drain(pipe(
    policySamples(context, problems, { samples: flags.n, window: flags.window }),
    map(async ({ problem, samples }) => {
      const n = samples.length;
      let correct: boolean[];
      let majority: boolean | undefined;
      if (problem.kind === "math") {
        const gold = problem.answer as string;
        const vote = new AnswerVote({ equivalent: isEquivalent });
        correct = samples.map((sample) => {
          const answer = extractAnswer(sample.completion);
          vote.add(sample.index, answer);
          return answer !== undefined && isEquivalent(answer, gold);
        });
        const leader = vote.leader();
        majority = leader !== undefined && isEquivalent(leader.answer, gold);
      } else {
        const scores = await goldCodeScores(context, problem, samples);
        correct = samples.map((s) => scores.score(s.index) >= scores.max);
      }
      const c = correct.filter(Boolean).length;
      const outcome = {
        status: "done",
        detail: {
          recipe: "eval",
          kind: problem.kind,
          samples: n,
          correct: c,
          ...(majority !== undefined ? { majority_correct: majority } : {}),
        },
      };
      run.finishProblem(problemKey("eval", problem.id), outcome);
      context.onProblem(problem.id, outcome);
    }, {
      signal,
      concurrency: 4,
      ordered: false,
      name: "eval",
      metrics: run.metrics.stage("eval"),
    }),
  ));
  return { recipe: "eval", finished, resumed: counts.resumed, figures: evalFigures(context) };
}

/** Accuracy, maj@k and pass@k over every problem the run evaluated (this and earlier invocations). */
export function evalFigures(context: RecipeContext): Record<string, number> {
  const rows: { n: number; c: number; majority?: boolean }[] = [];
  for (const outcome of context.run.outcomes()) {
    if (outcome.detail.recipe !== "eval") continue;
    rows.push({
      n: Number(outcome.detail.samples),
      c: Number(outcome.detail.correct),
      ...(typeof outcome.detail.majority_correct === "boolean"
        ? { majority: outcome.detail.majority_correct }
        : {}),
    });
  }
  if (rows.length === 0) return {};
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const figures: Record<string, number> = {
    problems: rows.length,
    accuracy: mean(rows.map((r) => (r.n ? r.c / r.n : 0))),
  };
  const majority = rows.filter((r) => r.majority !== undefined);
  const k = Math.min(...rows.map((r) => r.n));
  if (majority.length) figures[`maj@${k}`] = mean(majority.map((r) => (r.majority ? 1 : 0)));
  for (const at of new Set([1, 5, 10, k])) {
    if (at <= k && at >= 1) figures[`pass@${at}`] = mean(rows.map((r) => passAtK(r.n, r.c, at)));
  }
  return figures;
}
