/**
 * Recipe `math-frontier`: the frontier model answers each problem; its final
 * answer is the pseudo label; the policy's samples are scored against it and
 * paired.
 *
 * @module
 */
import {
  drain,
  isEquivalent,
  type MathProblem,
  pipe,
  scoreMath,
  scoreMathAnswers,
  stage,
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
import { frontierMathLabels } from "./frontier_source.ts";
import { mathPairPolicy } from "./math_common.ts";

/** A problem with the frontier model's label (`pseudo_label`). */
type Labelled = MathProblem & { pseudo_label?: string };

/** Runs the recipe over the context's problems. */
export async function mathFrontier(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const finished = await drain(pipe(
    recipeProblems(context, isMath, counts),
    stage("test source", async function* (problems: AsyncIterable<MathProblem>) {
      for await (const { problem, label } of frontierMathLabels(context, problems)) {
        yield (label === undefined ? problem : { ...problem, pseudo_label: label }) as Labelled;
      }
    }),
    policySampling(context, { samples: config.n, window: config.window }),
    scoreMath({
      recipe: context.recipe,
      feedback: "frontier",
      scoring: ({ problem: { id, pseudo_label: label }, samples }) =>
        label === undefined
          ? undefined
          : scoreMathAnswers(samples, { problemId: id, label, feedback: "frontier" }),
      detail: ({ problem: { pseudo_label: label, answer }, samples }) => ({
        samples: samples.length,
        ...(label !== undefined && answer !== undefined
          ? { label_correct: isEquivalent(label, answer) }
          : {}),
      }),
      signal,
      metrics: run.metrics.stage("score"),
    }),
    pairBy(context, mathPairPolicy(context)),
    recordResults(context),
  ));
  return { recipe: "math-frontier", finished, resumed: counts.resumed };
}
