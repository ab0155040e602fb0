/**
 * Recipe `eval`: accuracy of a served model (or recorded samples) on a benchmark
 * with gold answers or tests: per-sample accuracy, maj@k for math, and pass@k with
 * the unbiased estimator 1 − C(n−c, k) / C(n, k). Greedy evaluation is `--n 1
 * --temperature 0`. It writes no pairs.
 *
 * Problems keep their dataset's `meta` in their outcome, so figures come out the
 * way LiveCodeBench's leaderboard reports them: over the evaluated problems that
 * meet the `--where` conditions on those fields (a release window such as
 * `--where contest_date>=2024-08-01 --where contest_date<2025-02-01` scores an
 * earlier, larger run again without sampling anew), overall and by `difficulty`.
 *
 * @module
 */
import {
  AnswerVote,
  drain,
  extractAnswer,
  isEquivalent,
  map,
  matchesWhere,
  type MathProblem,
  type OutcomeDetail,
  parseWhere,
  passAtK,
  pipe,
  type Problem,
  type ProblemMeta,
  type ProblemOutcome,
  type ProblemSamples,
} from "../mod.ts";
import { policySampling, type RecipeContext, type RecipeReport, recordResults } from "./context.ts";
import { goldCodeScores, type GoldExecuted, goldExecution, goldProblems } from "./gold.ts";

/** Runs the evaluation and returns its figures. */
export async function evaluate(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const finished = await drain(pipe(
    goldProblems(context, counts),
    policySampling(context, { samples: config.n, window: config.window }),
    goldExecution(context),
    map(evaluated, {
      signal,
      name: "score",
      metrics: run.metrics.stage("score"),
    }),
    recordResults(context),
  ));
  const figures = evalFigures(context);
  const window = releaseWindow(context);
  if (window) console.log(`eval release window: ${window}`);
  return { recipe: "eval", finished, resumed: counts.resumed, figures };
}

/**
 * A problem's samples checked against its gold answer or tests: how many are
 * right, and (math) whether the majority answer is; no pairs.
 */
function evaluated(item: GoldExecuted | ProblemSamples<MathProblem>) {
  const { problem, samples } = item;
  let correct: boolean[];
  let majority: boolean | undefined;
  if (!("results" in item)) {
    const gold = item.problem.answer as string;
    const vote = new AnswerVote({ equivalent: isEquivalent });
    correct = samples.map((sample) => {
      const answer = extractAnswer(sample.completion);
      vote.add(sample.index, answer);
      return answer !== undefined && isEquivalent(answer, gold);
    });
    const leader = vote.leader();
    majority = leader !== undefined && isEquivalent(leader.answer, gold);
  } else {
    const scores = goldCodeScores(item);
    correct = samples.map((s) => scores.score(s.index) >= scores.max);
  }
  const detail: EvalOutcomeDetail = {
    recipe: "eval",
    kind: problem.kind,
    samples: samples.length,
    correct: correct.filter(Boolean).length,
    ...(majority !== undefined ? { majority_correct: majority } : {}),
    ...Object.fromEntries(
      Object.entries(problem.meta ?? {}).map(([k, v]) => [`${META}${k}`, v]),
    ),
  };
  const outcome: ProblemOutcome = { status: "done", detail };
  return { problem, feedback: "gold" as const, scored: [], votes: [], drafts: [], outcome };
}

/** The prefix of the problem's `meta` fields in an eval outcome's detail. */
const META = "meta.";

/**
 * An eval outcome's figures: the samples drawn, how many were correct, whether the
 * majority answer was (math), and the problem's `meta` fields under `meta.`. A
 * problem without samples (`no_samples`) has only `samples: 0`, and counts as wrong.
 */
interface EvalOutcomeDetail extends OutcomeDetail {
  recipe: "eval";
  samples: number;
  kind?: Problem["kind"];
  correct?: number;
  majority_correct?: boolean;
}

function isEvalOutcome(detail: OutcomeDetail): detail is EvalOutcomeDetail {
  return detail.recipe === "eval" && typeof detail.samples === "number";
}

interface EvalRow {
  n: number;
  c: number;
  majority?: boolean;
  meta: ProblemMeta;
}

/** The run's eval outcomes whose problems meet the `--where` conditions on their `meta`. */
function evalRows(context: RecipeContext): EvalRow[] {
  const where = context.config.where.map(parseWhere);
  const rows: EvalRow[] = [];
  for (const outcome of context.run.outcomes()) {
    const detail = outcome.detail;
    if (!isEvalOutcome(detail)) continue;
    const meta: ProblemMeta = {};
    for (const [key, value] of Object.entries(detail)) {
      if (key.startsWith(META) && value !== undefined) meta[key.slice(META.length)] = value;
    }
    if (!where.every((c) => !(c.field in meta) || matchesWhere(meta, c))) continue;
    rows.push({
      n: detail.samples,
      c: detail.correct ?? 0,
      ...(detail.majority_correct !== undefined ? { majority: detail.majority_correct } : {}),
      meta,
    });
  }
  return rows;
}

/** The first and last `contest_date` of the evaluated problems, when they carry one. */
function releaseWindow(context: RecipeContext): string | undefined {
  const dates = evalRows(context).map((r) => r.meta.contest_date).filter((d) =>
    typeof d === "string"
  ) as string[];
  if (dates.length === 0) return undefined;
  dates.sort();
  return `contest_date ${dates[0].slice(0, 10)} … ${
    (dates.at(-1) as string).slice(0, 10)
  } (${dates.length} problems)`;
}

/**
 * Accuracy, maj@k and pass@k over the problems the run evaluated (this and earlier
 * invocations) that meet `--where`; pass@1 and counts by `difficulty` too when the
 * problems carry one of a few named levels (LiveCodeBench's easy, medium, hard).
 */
export function evalFigures(context: RecipeContext): Record<string, number> {
  const rows = evalRows(context);
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
  const levels = [...new Set(rows.map((r) => r.meta.difficulty))];
  if (levels.length <= MAX_LEVELS && levels.every((l) => typeof l === "string")) {
    for (const level of (levels as string[]).sort(byLevel)) {
      const group = rows.filter((r) => r.meta.difficulty === level);
      figures[`problems ${level}`] = group.length;
      figures[`pass@1 ${level}`] = mean(group.map((r) => passAtK(r.n, r.c, 1)));
    }
  }
  return figures;
}

const MAX_LEVELS = 8;
const LEVEL_ORDER = ["easy", "medium", "hard"];

function byLevel(a: string, b: string): number {
  const rank = (l: string) => LEVEL_ORDER.includes(l) ? LEVEL_ORDER.indexOf(l) : LEVEL_ORDER.length;
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
