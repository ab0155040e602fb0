/**
 * Recipe `math-frontier`: the frontier model answers each problem; its final
 * answer is the pseudo label; the policy's samples are scored against it and
 * paired.
 *
 * @module
 */
import {
  appendPairs,
  isEquivalent,
  map,
  mathPairs,
  type MathProblem,
  pipe,
  scoreMathAnswers,
} from "../mod.ts";
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
import { frontierMathLabels } from "./frontier_source.ts";

/** A problem with the frontier model's label (`pseudo_label`). */
type Labelled = MathProblem & { pseudo_label?: string };

/** Runs the recipe over the context's problems. */
export async function mathFrontier(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const labelled = (async function* (): AsyncGenerator<Labelled> {
    for await (
      const { problem, label } of frontierMathLabels(
        context,
        recipeProblems(context, isMath, counts),
      )
    ) {
      yield label === undefined ? problem : { ...problem, pseudo_label: label };
    }
  })();
  let finished = 0;
  const steps = pipe(
    policySamples(context, labelled, { samples: flags.n, window: flags.window }),
    map(({ problem, samples }) => {
      const label = problem.pseudo_label;
      const result = label === undefined
        ? undefined
        : scoreMathAnswers(samples, { problemId: problem.id, label, feedback: "frontier" });
      const drafts = result
        ? mathPairs(result.scored, {
          prompt: pairPrompt(flags, problem),
          run: run.name,
          seed: problemSeed(flags, problem.id),
          cap: flags["pair-cap"],
          mode: flags["pair-mode"] as "one" | "each_positive",
        })
        : [];
      const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
      if (result) {
        context.feedback.saveVotes("frontier", [result.vote]);
        context.feedback.saveScores(result.scored);
      }
      const outcome = {
        status: result ? "done" : "no_label",
        detail: {
          recipe: "math-frontier",
          samples: samples.length,
          pairs: drafts.length,
          new_pairs: pairs.length,
          ...(result ? { votes: result.vote.votes, voters: result.vote.total } : {}),
          ...(label !== undefined && problem.answer !== undefined
            ? { label_correct: isEquivalent(label, problem.answer) }
            : {}),
        },
      };
      run.finishProblem(problemKey("math-frontier", problem.id), outcome);
      finished++;
      context.onProblem(problem.id, outcome);
    }, { signal, name: "score", metrics: run.metrics.stage("score") }),
  );
  for await (const _ of steps);
  return { recipe: "math-frontier", finished, resumed: counts.resumed };
}
