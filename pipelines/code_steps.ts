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
  codePrefixValueStage,
  type CodeProblem,
  codeSolutionText,
  codeStepPairStage,
  CodeTrust,
  map,
  pipe,
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
import { comparableTests, programsOf, runPrograms, sameFor, voteOutputs } from "./code_common.ts";
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
  const { config, run, signal, executor } = context;
  const counts = { resumed: 0 };
  const feedback = recipe === "code-step-frontier" ? "frontier" : "self_consistency";
  return runSteps<CodeProblem, TestCase[]>(context, {
    recipe,
    kind: "code",
    feedback,
    inputs: inputs(context, recipe, counts),
    value: codePrefixValueStage({
      executor,
      tests: (item) => item.target,
      program: (problem, completed) => programOf(config, problem, completed),
      same: sameFor,
      concurrency: executor.problemsAtOnce,
      programs: executor.programsAtOnce,
      signal,
      metrics: (stage) => run.metrics.stage(stage),
      onFailed: executor.unfinished,
    }),
    pairs: codeStepPairStage({
      rule: (item) => ({
        prompt: pairPrompt(config, item.problem),
        run: run.name,
        feedback,
        completions: config.stepCompletions,
        tests: item.target.length,
        labelConfidence: item.labelConfidence,
        seed: problemSeed(config, item.problem.id),
        minPassFraction: config.stepMinPass,
        margin: config.stepMargin,
        reduction: config.stepReduction,
      }),
      minConfidence: config.minConfidence,
      signal,
      metrics: run.metrics.stage("step-pairs"),
    }),
    detail: (item) => ({ tests: item.target.length }),
  }, counts);
}

/**
 * Each code problem with its pseudo tests and its solutions cut at their programs'
 * end: the frontier model's test cases, or (self-consistency) the majority output
 * of the sampled programs, run through the extract → execute stages, per input.
 */
function inputs(
  context: RecipeContext,
  recipe: RecipeName,
  counts: { resumed: number },
): AsyncIterable<StepInput<CodeProblem, TestCase[]>> {
  const { config, run, signal } = context;
  const problems = recipeProblems(context, isCode, counts);
  if (recipe === "code-step-frontier") {
    return pipe(
      policySamples(context, frontierTests(context, problems), { samples: config.n }),
      map(({ problem, samples }) => {
        const tests = comparableTests(problem, problem.tests ?? []);
        return stepInput(problem, samples, programsOf(context, problem, samples), tests);
      }, { signal, name: "extract", metrics: run.metrics.stage("extract") }),
    );
  }
  return pipe(
    policySamples(context, withTestInputs(context, problems), { samples: config.n }),
    runPrograms(context),
    map(({ problem, samples, programs, results }) => {
      const inputs = problem.test_inputs ?? [];
      const expected = voteOutputs(context, problem, programs, results).expected();
      const tests = inputs.flatMap((input, i) =>
        expected[i] === undefined ? [] : [{ input, output: expected[i] as string }]
      );
      // The majority's tests are as sure as the trusted behaviour that passes them.
      const trust = new CodeTrust(results, { same: sameFor(problem) });
      return stepInput(problem, samples, programs, tests, trust.testsConfidence(expected));
    }, { signal, name: "vote", metrics: run.metrics.stage("vote") }),
  );
}

/** A problem's step input: its tests (with P(they are right); the frontier's are taken as right) and its solutions, or `no_tests`. */
function stepInput(
  problem: CodeProblem,
  samples: readonly Sample[],
  programs: readonly (string | undefined)[],
  tests: TestCase[],
  labelConfidence?: number,
): StepInput<CodeProblem, TestCase[]> {
  const base = { problem, samples: samples.length };
  if (tests.length === 0) return { ...base, status: "no_tests" };
  const solutions = samples.flatMap((sample) => {
    const program = programs[sample.index];
    return program === undefined
      ? []
      : [{ index: sample.index, text: solutionText(problem, sample, program) }];
  });
  return { ...base, target: tests, labelConfidence, solutions };
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
