/**
 * Recipe `code-self-consistency`: test inputs (the problem's, or the frontier
 * model's), sampled programs run on every input in the sandbox, the majority
 * output per input as its pseudo expected output, each program scored by the
 * inputs it agrees on, and pairs by the code pair policy.
 *
 * @module
 */
import { CodeTrust, drain, map, pipe } from "../mod.ts";
import {
  isCode,
  policySamples,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import {
  finishCodeProblem,
  labelAgreement,
  runPrograms,
  sameFor,
  voteOutputs,
} from "./code_common.ts";
import { withTestInputs } from "./frontier_source.ts";

/** Runs the recipe over the context's problems. */
export async function codeSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const problems = withTestInputs(context, recipeProblems(context, isCode, counts));
  const finished = await drain(pipe(
    policySamples(context, problems, { samples: flags.n, window: flags.window }),
    runPrograms(context, (problem) => problem.test_inputs ?? []),
    map(({ problem, samples, programs, results }) => {
      const inputs = problem.test_inputs ?? [];
      const vote = voteOutputs(context, problem, programs, results);
      finishCodeProblem(context, "code-self-consistency", { problem, samples, programs }, {
        feedback: "self_consistency",
        score: (index) => vote.score(index),
        maxScore: vote.kept,
        votes: vote.votes(),
        trust: new CodeTrust(results, { same: sameFor(problem) }),
        detail: {
          inputs: inputs.length,
          executions: programs.filter((p) => p !== undefined).length * inputs.length,
          ...labelAgreement(problem, inputs, vote.expected()),
        },
      });
    }, { signal, name: "record", metrics: run.metrics.stage("record") }),
  ));
  return { recipe: "code-self-consistency", finished, resumed: counts.resumed };
}
