/**
 * The frontier model's contributions, from a live server (`--frontier-base-url`)
 * or from recorded frontier completions (`--frontier-samples`, same format as
 * recorded policy samples): math answers, code test inputs, code test cases, and
 * code solutions.
 *
 * @module
 */
import {
  type CodeProblem,
  ConfigError,
  extractAnswer,
  fromIterable,
  frontierAnswers,
  frontierSolutions,
  frontierTestCases,
  frontierTestInputs,
  type MathProblem,
  parseAssertTests,
  parseGeneratedInputs,
  parseGeneratedTests,
  pipe,
  type Problem,
  type ProblemSamples,
  recordedSampler,
  type Sample,
  type Stage,
  testInputs,
} from "../mod.ts";
import {
  EXAMPLE_FRONTIER,
  EXAMPLE_PROBLEMS,
  frontierEndpoint,
  type RecipeContext,
  sampledOnly,
} from "./context.ts";

/** A math problem with the frontier model's answer as its pseudo label. */
export interface FrontierLabel {
  problem: MathProblem;
  label?: string;
}

function recordedFrontier(context: RecipeContext): string {
  const { config } = context;
  if (config.frontierSamples) return config.frontierSamples;
  if (config.problems === EXAMPLE_PROBLEMS) return EXAMPLE_FRONTIER;
  throw new ConfigError(
    "No frontier source: give --frontier-base-url and --frontier-model, or --frontier-samples FILE",
  );
}

function server(context: RecipeContext) {
  const endpoint = frontierEndpoint(context.config);
  return endpoint && {
    endpoint,
    db: context.run.db,
    metrics: context.run.metrics,
    signal: context.signal,
    maxInFlight: context.config.maxInFlight,
    retry: { maxRetries: context.config.maxRetries },
  };
}

async function* firstCompletions<P extends Problem>(
  context: RecipeContext,
  problems: AsyncIterable<P>,
  samples = 1,
): AsyncGenerator<ProblemSamples<P>> {
  const stage = recordedSampler(recordedFrontier(context), {
    samples,
    signal: context.signal,
    metrics: context.run.metrics,
  });
  yield* stage.grouped(problems);
}

/** Each math problem with the frontier model's final answer. */
export async function* frontierMathLabels(
  context: RecipeContext,
  problems: AsyncIterable<MathProblem>,
): AsyncGenerator<FrontierLabel> {
  const live = server(context);
  if (live) {
    for await (const result of pipe(problems, frontierAnswers(live))) {
      if (!context.health.accept(result.problem.id, [result])) continue;
      yield { problem: result.problem, ...(result.answer ? { label: result.answer } : {}) };
    }
    return;
  }
  for await (const { problem, samples } of firstCompletions(context, problems)) {
    const label = samples[0] && extractAnswer(samples[0].completion);
    yield { problem, ...(label ? { label } : {}) };
  }
}

/**
 * Each code problem with test inputs: its own `test_inputs` when it has them, else
 * the frontier model's (live or recorded); with no frontier source, the problem as
 * it is (without inputs, it is recorded `no_tests`).
 */
export function withTestInputs(
  context: RecipeContext,
  problems: AsyncIterable<CodeProblem>,
): AsyncIterable<CodeProblem> {
  return pipe(problems, testInputSource(context));
}

/** The test inputs stage of {@link withTestInputs}. */
export function testInputSource(context: RecipeContext): Stage<CodeProblem, CodeProblem> {
  const live = server(context);
  const { config } = context;
  const count = config.testCount;
  if (live) {
    return testInputs({
      signal: context.signal,
      generate: async function* (batch) {
        for await (const result of pipe(batch, frontierTestInputs({ ...live, count }))) {
          if (context.health.accept(result.problem.id, [result])) yield result.problem;
        }
      },
    });
  }
  const recorded = Boolean(config.frontierSamples || config.problems === EXAMPLE_PROBLEMS);
  // No frontier model to ask: the problems go on without inputs (recorded `no_tests`).
  if (!recorded) return testInputs({ signal: context.signal });
  return testInputs({
    signal: context.signal,
    generate: async function* (batch) {
      for await (
        const { problem, samples } of firstCompletions(context, fromIterable(batch), Infinity)
      ) {
        const parsed = samples[0] && parseGeneratedInputs(samples[0].completion, problem);
        yield {
          ...problem,
          test_inputs: parsed?.kept.length ? parsed.kept : assertInputs(problem, samples, count),
        };
      }
    },
  });
}

/**
 * The inputs of the `assert f(...) == ...` lines of recorded completions (CodeT's
 * generated tests), each once, at most `count`: function-style problems only.
 */
function assertInputs(problem: CodeProblem, samples: readonly Sample[], count: number): string[] {
  if (problem.style !== "function") return [];
  const text = samples.map((sample) => sample.completion).join("\n");
  const tests = parseAssertTests(text, { entryPoint: problem.entry_point }).kept;
  return [...new Set(tests.map((test) => test.input))].slice(0, count);
}

/** Each code problem with the frontier model's test cases in `tests`. */
export async function* frontierTests(
  context: RecipeContext,
  problems: AsyncIterable<CodeProblem>,
): AsyncGenerator<CodeProblem> {
  const live = server(context);
  if (live) {
    const stage = frontierTestCases({ ...live, count: context.config.testCount });
    for await (const result of pipe(problems, stage)) {
      if (context.health.accept(result.problem.id, [result])) yield result.problem;
    }
    return;
  }
  for await (const { problem, samples } of firstCompletions(context, problems)) {
    const text = samples[0]?.completion ?? "";
    const parsed = parseGeneratedTests(text, problem) ??
      (problem.style === "function"
        ? parseAssertTests(text, { entryPoint: problem.entry_point })
        : undefined);
    yield { ...problem, tests: parsed?.kept ?? [] };
  }
}

/**
 * Each code problem with the frontier model's own solutions (`--frontier-solutions`
 * of them): its samples, whose programs the code recipes extract.
 */
export function frontierSolutionSamples(
  context: RecipeContext,
  problems: AsyncIterable<CodeProblem>,
): AsyncIterable<ProblemSamples<CodeProblem>> {
  const count = context.config.frontierSolutions;
  const live = server(context);
  return live
    ? sampledOnly(context, frontierSolutions({ ...live, samples: count }).grouped(problems))
    : firstCompletions(context, problems, count);
}
