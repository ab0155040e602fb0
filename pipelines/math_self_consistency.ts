/**
 * Recipe `math-self-consistency`: sample k solutions per problem in windows, stop
 * early when the vote is decided, label each problem with the majority answer,
 * score every sample against it and pair (chosen matches the label, rejected not).
 *
 * @module
 */
import { appendPairs, isEquivalent, map, mathPairs, MathSelfConsistency, pipe } from "../mod.ts";
import {
  isMath,
  pairPrompt,
  policySamples,
  problemKey,
  problemSeed,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";

/** Runs the recipe over the context's problems. */
export async function mathSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const vote = new MathSelfConsistency({
    earlyStop: {
      rule: flags["early-stop"] as "fixed" | "esc" | "adaptive",
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
  let finished = 0;
  const steps = pipe(
    groups,
    map(({ problem, samples, drawable, stoppedEarly }) => {
      const result = vote.finish(problem.id, samples);
      const drafts = result.vote.kept
        ? mathPairs(result.scored, {
          prompt: pairPrompt(flags, problem),
          run: run.name,
          seed: problemSeed(flags, problem.id),
          cap: flags["pair-cap"],
          mode: flags["pair-mode"] as "one" | "each_positive",
        })
        : [];
      const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
      context.feedback.saveVotes("self_consistency", [result.vote]);
      context.feedback.saveScores(result.scored);
      const gold = problem.answer;
      const outcome = {
        status: result.vote.kept ? "done" : "no_label",
        detail: {
          recipe: "math-self-consistency",
          samples: samples.length,
          saved: stoppedEarly ? drawable - samples.length : 0,
          votes: result.vote.votes,
          voters: result.vote.total,
          pairs: drafts.length,
          new_pairs: pairs.length,
          ...(gold !== undefined && result.vote.label !== undefined
            ? { label_correct: isEquivalent(result.vote.label, gold) }
            : {}),
        },
      };
      run.finishProblem(problemKey("math-self-consistency", problem.id), outcome);
      finished++;
      context.onProblem(problem.id, outcome);
    }, { signal, name: "vote", metrics: run.metrics.stage("vote") }),
  );
  for await (const _ of steps);
  return { recipe: "math-self-consistency", finished, resumed: counts.resumed };
}
