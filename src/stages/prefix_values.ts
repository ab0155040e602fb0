/**
 * The value stages of the step-level recipes: each completed prefix gets one value
 * per completion ({@link ValuedPrefix}).
 *
 * - Math ({@link mathPrefixValueStage}): 1 when prefix + completion reaches the
 *   label, else 0 ({@link mathCompletionValue}).
 * - Code ({@link codePrefixValueStage}): the tests the completed program passes. It
 *   is three stages: `extract` (the program of every prefix + completion),
 *   `execute` (the execute stage, through the run's executor, so an item's
 *   cancellation reaches its sandbox jobs and the figures count under the same
 *   stage metrics as the solution-level recipes) and `value` (passes counted by
 *   the judge's comparison).
 *
 * @module
 */
import type { Equivalence } from "../feedback/answer_vote.ts";
import { countPasses } from "../feedback/code.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import type { CodeProblem, Problem, TestCase } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { map } from "../stream/map.ts";
import { compose, type Stage } from "../stream/stage.ts";
import type { Prefix } from "../steps/prefixes.ts";
import type { ValuedPrefix } from "../steps/step_pairs.ts";
import { mathCompletionValue } from "../steps/values.ts";
import type { Executor } from "../../sandbox/executor.ts";
import { type Executed, executeStage, inputRuns } from "./execute.ts";
import type { ErrorSink } from "../stream/errors.ts";

/** What a value stage needs from an item: its prefixes and their completions. */
export interface CompletedPrefixes<P extends Problem = Problem> {
  /** The problem. */
  problem: P;
  /** Its prefixes. */
  prefixes: readonly Prefix[];
  /** Each prefix's completions, in prefix order. */
  completions: readonly (readonly Sample[])[];
}

/** An item after a value stage. */
export type WithValues<T> = T & { valued: ValuedPrefix[] };

/** Options shared by the value stages. */
export interface PrefixValueOptions {
  /** Cancels the stage: it ends with an `AbortedError`. */
  signal?: AbortSignal;
}

/** Options for {@link mathPrefixValueStage}. */
export interface MathPrefixValueOptions<T> extends PrefixValueOptions {
  /** The label an item's completions are checked against. */
  label: (item: T) => string;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The math value stage: each completion of a prefix is worth 1 when the answer of
 * prefix + completion is equivalent to the item's label.
 *
 * @example Value a prefix's two completions
 * ```ts
 * import { mathPrefixValueStage } from "./prefix_values.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "m", kind: "math", prompt: "6 × 3?" } as const;
 * const prefix = { problem_id: "m", sample: 0, steps: 1, of: 5, text: "6 × 3 = 18." };
 * const completions = [[" So \\boxed{18}.", " So \\boxed{24}."].map((completion, index) => ({
 *   problem_id: "m#0:1", index, completion,
 * }))];
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, label: "18", prefixes: [prefix], completions }],
 *   mathPrefixValueStage({ label: (item) => item.label }),
 * ));
 * assert.deepEqual(out.valued[0].values, [1, 0]);
 * ```
 */
export function mathPrefixValueStage<T extends CompletedPrefixes>(
  options: MathPrefixValueOptions<T>,
): Stage<T, WithValues<T>> {
  return map((item: T) => {
    const label = options.label(item);
    return withValues(
      item,
      item.completions.map((samples, i) =>
        samples.map((s) => mathCompletionValue(item.prefixes[i].text, s.completion, { label }))
      ),
    );
  }, {
    name: "value",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}

/** Options for {@link codePrefixValueStage}. */
export interface CodePrefixValueOptions<T> extends PrefixValueOptions {
  /** Where the completed programs run. */
  executor: Executor;
  /** The tests an item's completed programs run on. */
  tests: (item: T) => readonly TestCase[];
  /**
   * The program of a completed prefix (`completion` is prefix + completion), or
   * `undefined` when none can be extracted (it passes nothing).
   */
  program: (problem: CodeProblem, completed: Sample) => string | undefined;
  /** The judge's comparison of an expected and an actual output. Default: the judge's. */
  same?: (problem: CodeProblem) => Equivalence;
  /** Items executing at once. Default 4. */
  concurrency?: number;
  /** Programs of one item in flight at once. Default: all of them. */
  programs?: number;
  /** Hooks of each of the three stages' metrics, by stage name. */
  metrics?: (stage: "extract" | "execute" | "value") => StageMetrics;
  /**
   * Receives the problems whose programs could not be run, which then leave the
   * stream (the execute stage's `onFailed`). Default: the stream fails.
   */
  onFailed?: ErrorSink<{ problem: CodeProblem }>;
}

/** An item on its way through the code value stage. */
interface Completed<T> {
  item: T;
  problem: CodeProblem;
  programs: (string | undefined)[];
  runs: ReturnType<typeof inputRuns>;
  expected: string[];
}

/**
 * The code value stage: each completion of a prefix is worth the tests the
 * completed program passes.
 *
 * @example Value a prefix's completions on one test
 * ```ts
 * import { codePrefixValueStage } from "./prefix_values.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * // Stands in for the sandbox: a program prints what it names after "print".
 * const executor = {
 *   execute: (job: { code: string; inputs: readonly unknown[] }) =>
 *     Promise.resolve(job.inputs.map(() => ({
 *       status: "ok" as const, stdout: job.code.split("print ")[1], stderr: "", duration_ms: 1,
 *     }))),
 *   close: () => Promise.resolve(),
 * };
 * const problem = { id: "c", kind: "code", language: "python", style: "stdio", prompt: "" } as const;
 * const prefix = { problem_id: "c", sample: 0, steps: 1, of: 5, text: "x = 1\n" };
 * const completions = [["print 6", "print 7"].map((completion, index) => ({
 *   problem_id: "c#0:1", index, completion,
 * }))];
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, prefixes: [prefix], completions }],
 *   codePrefixValueStage({
 *     executor,
 *     tests: () => [{ input: "", output: "6" }],
 *     program: (_, completed) => completed.completion,
 *   }),
 * ));
 * assert.deepEqual(out.valued[0].values, [1, 0]);
 * ```
 */
export function codePrefixValueStage<T extends CompletedPrefixes<CodeProblem>>(
  options: CodePrefixValueOptions<T>,
): Stage<T, WithValues<T>> {
  const { signal, metrics } = options;
  const common = (name: "extract" | "execute" | "value") => ({
    ...(signal ? { signal } : {}),
    ...(metrics ? { metrics: metrics(name) } : {}),
  });
  return compose(
    map((item: T): Completed<T> => {
      const { problem } = item;
      const tests = options.tests(item);
      return {
        item,
        problem,
        programs: item.completions.flatMap((samples, i) =>
          samples.map((s) =>
            options.program(problem, { ...s, completion: item.prefixes[i].text + s.completion })
          )
        ),
        runs: inputRuns(problem, tests.map((t) => t.input)),
        expected: tests.map((t) => t.output),
      };
    }, { name: "extract", ...common("extract") }),
    executeStage<Completed<T>>({
      executor: options.executor,
      concurrency: options.concurrency ?? 4,
      ...(options.programs !== undefined ? { programs: options.programs } : {}),
      ...(options.onFailed ? { onFailed: options.onFailed } : {}),
      ...common("execute"),
    }),
    map(({ item, problem, results, expected }: Executed<Completed<T>>) => {
      const same = options.same?.(problem);
      let next = 0;
      return withValues(
        item,
        item.completions.map((samples) =>
          samples.map(() =>
            countPasses(results[next++] ?? [], { expected, ...(same ? { same } : {}) })
          )
        ),
      );
    }, { name: "value", ...common("value") }),
  );
}

function withValues<T extends CompletedPrefixes>(item: T, values: number[][]): WithValues<T> {
  return { ...item, valued: item.prefixes.map((prefix, i) => ({ ...prefix, values: values[i] })) };
}
