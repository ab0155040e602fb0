/**
 * Recipe `math-self-consistency`: sample k solutions per problem in windows, stop
 * early when the vote is decided, label each problem with the majority answer,
 * score every sample against it and pair (chosen matches the label, rejected not).
 *
 * @module
 */
import {
  drain,
  isEquivalent,
  isPaperRules,
  MathSelfConsistency,
  paperMathFeedback,
  pipe,
  scoreMath,
  voteAnswers,
} from "../mod.ts";
import {
  isMath,
  pairBy,
  policySampling,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
  recordResults,
} from "./context.ts";
import { mathPairPolicy } from "./math_common.ts";

/** Runs the recipe over the context's problems. */
export async function mathSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const keeper = new MathSelfConsistency({
    earlyStop: {
      rule: config.earlyStop,
      window: config.window ?? config.n,
      max: config.n,
      threshold: config.threshold,
    },
    minShare: config.minShare,
    metrics: run.metrics,
  });
  const { max, window } = keeper.earlyStop;
  const finished = await drain(pipe(
    recipeProblems(context, isMath, counts),
    policySampling(context, { samples: max, window, decide: keeper.decide }),
    voteAnswers({
      vote: (problemId, samples) => {
        const voted = keeper.finish(problemId, samples);
        return isPaperRules(config.rules)
          ? paperMathFeedback(problemId, samples, { minShare: config.minShare })
          : voted;
      },
      signal,
      metrics: run.metrics.stage("vote"),
    }),
    scoreMath({
      recipe: context.recipe,
      feedback: "self_consistency",
      scoring: (item) => item.scoring,
      detail: ({ problem, samples, drawable, stoppedEarly, scoring: { vote } }) => ({
        samples: samples.length,
        saved: stoppedEarly ? drawable - samples.length : 0,
        ...(problem.answer !== undefined && vote.label !== undefined
          ? { label_correct: isEquivalent(vote.label, problem.answer) }
          : {}),
      }),
      signal,
      metrics: run.metrics.stage("score"),
    }),
    pairBy(context, mathPairPolicy(context)),
    recordResults(context),
  ));
  return { recipe: "math-self-consistency", finished, resumed: counts.resumed };
}
