/**
 * Recipe `code-self-consistency`: test inputs (the problem's, or the frontier
 * model's), sampled programs run on every input in the sandbox, the majority
 * output per input as its pseudo expected output, each program scored by the
 * inputs it agrees on, and pairs by the code pair policy.
 *
 * @module
 */
import { CodeTrust, drain, pipe, scoreCode, voteOutputs } from "../mod.ts";
import {
  isCode,
  pairBy,
  policySampling,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
  recordResults,
} from "./context.ts";
import {
  codePairPolicy,
  labelAgreement,
  outputVoting,
  runPrograms,
  sameFor,
} from "./code_common.ts";
import { testInputSource } from "./frontier_source.ts";

/** Runs the recipe over the context's problems. */
export async function codeSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const finished = await drain(pipe(
    recipeProblems(context, isCode, counts),
    testInputSource(context),
    policySampling(context, { samples: config.n, window: config.window }),
    runPrograms(context),
    voteOutputs({ vote: outputVoting(context), signal, metrics: run.metrics.stage("vote") }),
    scoreCode({
      recipe: context.recipe,
      feedback: "self_consistency",
      scoring: ({ problem, programs, results, vote }) => ({
        score: (index) => vote.score(index),
        maxScore: vote.kept,
        votes: vote.votes(),
        trust: new CodeTrust(results, { same: sameFor(problem) }),
        detail: {
          inputs: problem.test_inputs?.length ?? 0,
          executions: programs.filter((p) => p !== undefined).length *
            (problem.test_inputs?.length ?? 0),
          ...labelAgreement(problem, problem.test_inputs ?? [], vote.expected()),
        },
      }),
      signal,
      metrics: run.metrics.stage("score"),
    }),
    pairBy(context, codePairPolicy(context)),
    recordResults(context),
  ));
  return { recipe: "code-self-consistency", finished, resumed: counts.resumed };
}
