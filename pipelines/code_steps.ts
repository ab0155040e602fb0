/**
 * Recipes `code-step-self-consistency` and `code-step-frontier`: step-level pairs
 * for code. The pseudo tests are those of the solution-level recipes (the majority
 * output per generated input, or the frontier model's test cases); each sampled
 * solution is cut at the end of its program and then into prefixes; each prefix is
 * continued `--step-completions` times (the paper: 5 on its first code iteration,
 * 3 later), every completed program runs on the tests in the sandbox, and the
 * prefix's value is its completions' average (or maximum) pass count.
 *
 * @module
 */
import {
  type CodeProblem,
  codeSolutionText,
  codeStepPairs,
  type CodeValueReduction,
  countPasses,
  type Sample,
  type TestCase,
} from "../mod.ts";
import {
  isCode,
  pairPrompt,
  policySamples,
  problemSeed,
  programOf,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import { comparableTests, programsOf, sameFor, voteOutputs } from "./code_common.ts";
import { frontierTests, withTestInputs } from "./frontier_source.ts";
import type { RecipeName } from "./flags.ts";
import { runSteps, type StepInput } from "./steps_common.ts";

/** Runs `code-step-self-consistency`: prefixes valued on the majority-output tests. */
export function codeStepSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  return codeSteps(context, "code-step-self-consistency");
}

/** Runs `code-step-frontier`: prefixes valued on the frontier model's test cases. */
export function codeStepFrontier(context: RecipeContext): Promise<RecipeReport> {
  return codeSteps(context, "code-step-frontier");
}

function codeSteps(context: RecipeContext, recipe: RecipeName): Promise<RecipeReport> {
  const { flags, run, signal, executor } = context;
  const counts = { resumed: 0 };
  return runSteps<CodeProblem, TestCase[]>(context, {
    recipe,
    kind: "code",
    inputs: inputs(context, recipe, counts),
    async value(cut, prefix, samples) {
      const programs = samples.map((s) =>
        programOf(flags, cut.problem, { ...s, completion: prefix.text + s.completion })
      );
      const inputs = cut.target.map((t) => t.input);
      const expected = cut.target.map((t) => t.output);
      const results = await executor.matrix(cut.problem, programs, inputs, signal);
      return programs.map((_, i) =>
        countPasses(results[i] ?? [], { expected, same: sameFor(cut.problem) })
      );
    },
    pairs: (cut, valued) =>
      codeStepPairs(valued, {
        prompt: pairPrompt(flags, cut.problem),
        run: run.name,
        feedback: recipe === "code-step-frontier" ? "frontier" : "self_consistency",
        completions: flags["step-completions"],
        tests: cut.target.length,
        seed: problemSeed(flags, cut.problem.id),
        minPassFraction: flags["step-min-pass"],
        margin: flags["step-margin"],
        reduction: flags["step-reduction"] as CodeValueReduction,
      }),
    detail: (cut) => ({ tests: cut.target.length }),
  }, counts);
}

/** Each code problem with its pseudo tests and its solutions cut at their programs' end. */
async function* inputs(
  context: RecipeContext,
  recipe: RecipeName,
  counts: { resumed: number },
): AsyncGenerator<StepInput<CodeProblem, TestCase[]>> {
  const { flags, signal, executor } = context;
  const problems = recipeProblems(context, isCode, counts);
  const tested = recipe === "code-step-frontier"
    ? frontierTests(context, problems)
    : withTestInputs(context, problems);
  for await (const { problem, samples } of policySamples(context, tested, { samples: flags.n })) {
    const programs = programsOf(context, problem, samples);
    let tests: TestCase[];
    if (recipe === "code-step-frontier") {
      tests = comparableTests(problem, problem.tests ?? []);
    } else {
      const inputs = problem.test_inputs ?? [];
      const results = await executor.matrix(problem, programs, inputs, signal);
      const expected = voteOutputs(context, problem, programs, results).expected();
      tests = inputs.flatMap((input, i) =>
        expected[i] === undefined ? [] : [{ input, output: expected[i] as string }]
      );
    }
    const base = { problem, samples: samples.length };
    if (tests.length === 0) {
      yield { ...base, status: "no_tests" };
      continue;
    }
    const solutions = samples.flatMap((sample) => {
      const program = programs[sample.index];
      return program === undefined
        ? []
        : [{ index: sample.index, text: solutionText(problem, sample, program) }];
    });
    yield { ...base, target: tests, solutions };
  }
}

/**
 * The solution a code sample's prefixes are cut from: the completion up to the end
 * of its program; for a continuation (the program is the prompt and the completion
 * cut at a stop), the completion up to that stop.
 */
function solutionText(problem: CodeProblem, sample: Sample, program: string): string {
  if (!sample.completion.includes(program) && program.startsWith(problem.prompt)) {
    return program.slice(problem.prompt.length);
  }
  return codeSolutionText(sample.completion, program);
}
