/**
 * Recipe `code-frontier`: the frontier model's test cases (or the majority output
 * of its own programs on the test inputs) are the tests; each sampled program is
 * scored by the tests it passes and paired by the code pair policy.
 *
 * @module
 */
import {
  AnswerVote,
  type CodeProblem,
  CodeTrust,
  countPasses,
  drain,
  inputRuns,
  map,
  outputOf,
  pipe,
  scoreCode,
  type Stage,
  stage,
} from "../mod.ts";
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
  comparableTests,
  labelAgreement,
  runPrograms,
  sameFor,
} from "./code_common.ts";
import { frontierSolutionSamples, frontierTests, withTestInputs } from "./frontier_source.ts";

/** A problem with the expected output of each test input. */
type Tested = CodeProblem & { expected: { input: string; output: string }[] };

/** Runs the recipe over the context's problems. */
export async function codeFrontier(context: RecipeContext): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const counts = { resumed: 0 };
  const finished = await drain(pipe(
    recipeProblems(context, isCode, counts),
    frontierExpected(context),
    policySampling(context, { samples: config.n, window: config.window }),
    runPrograms(context, (problem) => inputRuns(problem, problem.expected.map((t) => t.input))),
    scoreCode({
      recipe: context.recipe,
      feedback: "frontier",
      scoring: ({ problem, programs, results }) => ({
        score: (index) =>
          countPasses(results[index] ?? [], {
            expected: problem.expected.map((t) => t.output),
            same: sameFor(problem),
          }),
        maxScore: problem.expected.length,
        trust: new CodeTrust(results, { same: sameFor(problem) }),
        detail: {
          executions: programs.filter((p) => p !== undefined).length * problem.expected.length,
          ...labelAgreement(
            problem,
            problem.expected.map((t) => t.input),
            problem.expected.map((t) => t.output),
          ),
        },
      }),
      signal,
      metrics: run.metrics.stage("score"),
    }),
    pairBy(context, codePairPolicy(context)),
    recordResults(context),
  ));
  return { recipe: "code-frontier", finished, resumed: counts.resumed };
}

/**
 * The test source stage: each problem with its expected outputs — the frontier
 * model's test cases, or (`--frontier-tests solutions`) the majority output of its
 * programs on the test inputs.
 */
function frontierExpected(context: RecipeContext): Stage<CodeProblem, Tested> {
  return stage(
    "test source",
    (problems: AsyncIterable<CodeProblem>) =>
      context.config.frontierTests === "solutions"
        ? majorityOfFrontierPrograms(context, withTestInputs(context, problems))
        : (async function* () {
          for await (const problem of frontierTests(context, problems)) {
            yield { ...problem, expected: comparableTests(problem, problem.tests ?? []) };
          }
        })(),
  );
}

/**
 * The frontier model's programs run on each problem's test inputs; the majority
 * output of those that run `ok` is each input's expected output (ties to the
 * earliest program; inputs where none ran are dropped).
 */
function majorityOfFrontierPrograms(
  context: RecipeContext,
  problems: AsyncIterable<CodeProblem>,
): AsyncIterable<Tested> {
  return pipe(
    frontierSolutionSamples(context, problems),
    runPrograms(context),
    map(({ problem, programs, results }): Tested => {
      const expected: { input: string; output: string }[] = [];
      (problem.test_inputs ?? []).forEach((input, i) => {
        const vote = new AnswerVote({ equivalent: sameFor(problem) });
        programs.forEach((_, p) => vote.add(p, outputOf(results[p]?.[i])));
        const leader = vote.leader();
        if (leader) expected.push({ input, output: leader.answer });
      });
      return { ...problem, expected };
    }, { signal: context.signal }),
  );
}
