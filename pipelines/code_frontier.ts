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
  map,
  outputOf,
  pipe,
} from "../mod.ts";
import {
  isCode,
  policySamples,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import {
  comparableTests,
  finishCodeProblem,
  labelAgreement,
  runPrograms,
  sameFor,
} from "./code_common.ts";
import { frontierPrograms, frontierTests, withTestInputs } from "./frontier_source.ts";

/** A problem with the expected output of each test input. */
type Tested = CodeProblem & { expected: { input: string; output: string }[] };

/** Runs the recipe over the context's problems. */
export async function codeFrontier(context: RecipeContext): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const counts = { resumed: 0 };
  const problems = recipeProblems(context, isCode, counts);
  const tested: AsyncIterable<Tested> = flags["frontier-tests"] === "solutions"
    ? majorityOfFrontierPrograms(context, withTestInputs(context, problems))
    : (async function* () {
      for await (const problem of frontierTests(context, problems)) {
        yield { ...problem, expected: comparableTests(problem, problem.tests ?? []) };
      }
    })();
  const finished = await drain(pipe(
    policySamples(context, tested, { samples: flags.n, window: flags.window }),
    runPrograms(context, (problem) => problem.expected.map((t) => t.input)),
    map(({ problem, samples, programs, results }) => {
      const inputs = problem.expected.map((t) => t.input);
      const expected = problem.expected.map((t) => t.output);
      finishCodeProblem(context, "code-frontier", { problem, samples, programs }, {
        feedback: "frontier",
        score: (index) => countPasses(results[index] ?? [], { expected, same: sameFor(problem) }),
        maxScore: expected.length,
        trust: new CodeTrust(results, { same: sameFor(problem) }),
        detail: {
          executions: programs.filter((p) => p !== undefined).length * inputs.length,
          ...labelAgreement(problem, inputs, expected),
        },
      });
    }, { signal, name: "record", metrics: run.metrics.stage("record") }),
  ));
  return { recipe: "code-frontier", finished, resumed: counts.resumed };
}

/**
 * The frontier model's programs run on each problem's test inputs; the majority
 * output of those that run `ok` is each input's expected output (ties to the
 * earliest program; inputs where none ran are dropped).
 */
async function* majorityOfFrontierPrograms(
  context: RecipeContext,
  problems: AsyncIterable<CodeProblem>,
): AsyncGenerator<Tested> {
  for await (const { problem, programs } of frontierPrograms(context, problems)) {
    const inputs = problem.test_inputs ?? [];
    const results = await context.executor.matrix(problem, programs, inputs, context.signal);
    const expected: { input: string; output: string }[] = [];
    inputs.forEach((input, i) => {
      const vote = new AnswerVote({ equivalent: sameFor(problem) });
      programs.forEach((_, p) => vote.add(p, outputOf(results[p]?.[i])));
      const leader = vote.leader();
      if (leader) expected.push({ input, output: leader.answer });
    });
    yield { ...problem, expected };
  }
}
