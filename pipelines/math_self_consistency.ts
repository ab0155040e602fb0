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
  map,
  MathSelfConsistency,
  paperMathFeedback,
  pipe,
} from "../mod.ts";
import {
  isMath,
  policySamples,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import { finishMathProblem } from "./math_common.ts";

/** Runs the recipe over the context's problems. */
export async function mathSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const vote = new MathSelfConsistency({
    earlyStop: {
      rule: flags["early-stop"],
      window: flags.window ?? flags.n,
      max: flags.n,
      threshold: flags.threshold,
    },
    minShare: flags["min-share"],
    metrics: run.metrics,
  });
  const problems = recipeProblems(context, isMath, counts);
  const groups = policySamples(context, problems, {
    samples: vote.earlyStop.max,
    window: vote.earlyStop.window,
    decide: vote.decide,
  });
  const finished = await drain(pipe(
    groups,
    map(({ problem, samples, drawable, stoppedEarly }) => {
      const voted = vote.finish(problem.id, samples);
      const scoring = isPaperRules(flags.rules)
        ? paperMathFeedback(problem.id, samples, { minShare: flags["min-share"] })
        : voted;
      const { label } = scoring.vote;
      finishMathProblem(context, "math-self-consistency", problem, {
        feedback: "self_consistency",
        scoring,
        detail: {
          samples: samples.length,
          saved: stoppedEarly ? drawable - samples.length : 0,
          ...(problem.answer !== undefined && label !== undefined
            ? { label_correct: isEquivalent(label, problem.answer) }
            : {}),
        },
      });
    }, { signal, name: "vote", metrics: run.metrics.stage("vote") }),
  ));
  return { recipe: "math-self-consistency", finished, resumed: counts.resumed };
}
