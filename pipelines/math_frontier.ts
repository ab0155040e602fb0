/**
 * Recipe `math-frontier`: the frontier model answers each problem; its final
 * answer is the pseudo label; the policy's samples are scored against it and
 * paired.
 *
 * @module
 */
import { drain, isEquivalent, map, type MathProblem, pipe, scoreMathAnswers } from "../mod.ts";
import {
  isMath,
  policySamples,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import { frontierMathLabels } from "./frontier_source.ts";
import { finishMathProblem } from "./math_common.ts";

/** A problem with the frontier model's label (`pseudo_label`). */
type Labelled = MathProblem & { pseudo_label?: string };

/** Runs the recipe over the context's problems. */
export async function mathFrontier(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const labelled = (async function* (): AsyncGenerator<Labelled> {
    const problems = recipeProblems(context, isMath, counts);
    for await (const { problem, label } of frontierMathLabels(context, problems)) {
      yield label === undefined ? problem : { ...problem, pseudo_label: label };
    }
  })();
  const finished = await drain(pipe(
    policySamples(context, labelled, { samples: flags.n, window: flags.window }),
    map(({ problem, samples }) => {
      const label = problem.pseudo_label;
      finishMathProblem(context, "math-frontier", problem, {
        feedback: "frontier",
        ...(label !== undefined
          ? {
            scoring: scoreMathAnswers(samples, {
              problemId: problem.id,
              label,
              feedback: "frontier",
            }),
          }
          : {}),
        detail: {
          samples: samples.length,
          ...(label !== undefined && problem.answer !== undefined
            ? { label_correct: isEquivalent(label, problem.answer) }
            : {}),
        },
      });
    }, { signal, name: "score", metrics: run.metrics.stage("score") }),
  ));
  return { recipe: "math-frontier", finished, resumed: counts.resumed };
}
