/**
 * What the math recipes share: pairing a problem's scored samples, storing votes,
 * scores and pairs, and recording the problem as finished.
 *
 * @module
 */
import {
  appendPairs,
  type FeedbackSource,
  type MathFeedback,
  mathPairs,
  type MathProblem,
  pairSamplesOf,
  ruleMinConfidence,
} from "../mod.ts";
import type { RecipeName } from "./flags.ts";
import { pairPrompt, problemKey, problemSeed, type RecipeContext } from "./context.ts";

/**
 * Pairs the samples of a problem whose label was kept (chosen matches the label,
 * rejected does not), stores the vote, the scores and the pairs, and records the
 * problem as finished with `detail` added to its outcome.
 */
export function finishMathProblem(
  context: RecipeContext,
  recipe: RecipeName,
  problem: MathProblem,
  result: {
    feedback: FeedbackSource;
    scoring?: MathFeedback;
    detail: Record<string, number | boolean>;
  },
): void {
  const { flags, run } = context;
  const { scoring } = result;
  const kept = scoring?.vote.kept ?? false;
  const drafts = scoring && kept
    ? mathPairs(scoring.scored, {
      prompt: pairPrompt(flags, problem),
      run: run.name,
      seed: problemSeed(flags, problem.id),
      cap: flags["pair-cap"],
      mode: flags["pair-mode"],
      ...(result.feedback === "gold"
        ? { confidence: () => 1 }
        : scoring.confidence !== undefined && { confidence: () => scoring.confidence! }),
      minConfidence: ruleMinConfidence(flags.rules, "math", flags["min-confidence"]),
    })
    : [];
  const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
  if (scoring) context.feedback.savePairSamples(pairSamplesOf(pairs, scoring.scored));
  if (scoring) {
    context.feedback.saveVotes(result.feedback, [scoring.vote]);
    context.feedback.saveScores(scoring.scored);
  }
  const outcome = {
    status: kept ? "done" : "no_label",
    detail: {
      recipe,
      pairs: drafts.length,
      new_pairs: pairs.length,
      ...(scoring ? { votes: scoring.vote.votes, voters: scoring.vote.total } : {}),
      ...result.detail,
    },
  };
  run.finishProblem(problemKey(recipe, problem.id), outcome);
  context.onProblem(problem.id, outcome);
}
