/**
 * The extract stage: what each sample says — its program (code), or its final
 * answer (math) — by sample index.
 *
 * @module
 */
import type { CodeProblem, MathProblem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import type { ProgramInput } from "../../sandbox/executor.ts";
import { extractAnswer } from "../math/extract.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import { inputRuns } from "./execute.ts";

/** A problem with its samples, as the sample stage gives it. */
export interface Sampled<P> {
  /** The problem. */
  problem: P;
  /** Its samples. */
  samples: Sample[];
}

/** Options shared by the extract stages. */
export interface ExtractStageOptions {
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/** A code problem's samples with their programs and the runs every program gets. */
export type WithPrograms<T extends Sampled<CodeProblem>> = T & {
  /** The program of each sample, by sample index (`undefined`: none could be extracted). */
  programs: (string | undefined)[];
  /** How each execution of a program is driven. */
  runs: readonly ProgramInput[];
};

/** Options for {@link extractPrograms}. */
export interface ExtractProgramsOptions<T extends Sampled<CodeProblem>>
  extends ExtractStageOptions {
  /** How a completion becomes a program (`undefined`: it holds none). */
  program: (problem: T["problem"], sample: Sample) => string | undefined;
  /**
   * The runs every program of the item gets: one per test input
   * (`inputRuns`), or the problem's gold `check(candidate)` (`checkRuns`).
   * Default: one per input of the problem's `test_inputs`.
   */
  runs?: (item: T) => readonly ProgramInput[];
}

/**
 * The program of each sample, by sample index (`undefined` where none could be
 * extracted, and for indices no sample has).
 *
 * @example Programs by index
 * ```ts
 * import { programsOf } from "./extract.ts";
 * import assert from "node:assert";
 * const samples = [1, 0].map((index) => ({ problem_id: "p", index, completion: `x${index}` }));
 * assert.deepEqual(programsOf(samples, (s) => s.completion), ["x0", "x1"]);
 * ```
 */
export function programsOf(
  samples: readonly Sample[],
  program: (sample: Sample) => string | undefined,
): (string | undefined)[] {
  const programs: (string | undefined)[] = [];
  for (const sample of samples) programs[sample.index] = program(sample);
  return Array.from({ length: programs.length }, (_, i) => programs[i]);
}

/**
 * The code extract stage: adds each sample's program and the runs (by default one
 * per test input) that the execute stage gives every program.
 *
 * @example Extract a program and its runs
 * ```ts
 * import { extractPrograms } from "./extract.ts";
 * import { pipe } from "../stream/stage.ts";
 * import type { CodeProblem } from "../model/problem.ts";
 * import assert from "node:assert";
 * const problem: CodeProblem = {
 *   id: "p", kind: "code", language: "python", style: "stdio", prompt: "", test_inputs: ["1\n"],
 * };
 * const samples = [{ problem_id: "p", index: 0, completion: "print(1)" }];
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, samples }],
 *   extractPrograms({ program: (_, sample) => sample.completion }),
 * ));
 * assert.deepEqual(out.programs, ["print(1)"]);
 * assert.deepEqual(out.runs, [{ stdin: "1\n" }]);
 * ```
 */
export function extractPrograms<T extends Sampled<CodeProblem>>(
  options: ExtractProgramsOptions<T>,
): Stage<T, WithPrograms<T>> {
  const runs = options.runs ?? (({ problem }: T) => inputRuns(problem, problem.test_inputs ?? []));
  return map((item: T): WithPrograms<T> => ({
    ...item,
    programs: programsOf(item.samples, (sample) => options.program(item.problem, sample)),
    runs: runs(item),
  }), { name: "extract", ...stageOptions(options) });
}

/** A math problem's samples with their final answers. */
export type WithAnswers<T extends Sampled<MathProblem>> = T & {
  /** Each sample's final answer, in sample order (`undefined`: it gives none). */
  answers: (string | undefined)[];
};

/**
 * The math extract stage: adds each sample's final answer (the last `\boxed{…}`,
 * or the answer line).
 *
 * @example Extract boxed answers
 * ```ts
 * import { extractAnswers } from "./extract.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "math", prompt: "1+1" } as const;
 * const samples = ["so \\boxed{2}", "no idea"].map((completion, index) => ({
 *   problem_id: "p", index, completion,
 * }));
 * const [out] = await Array.fromAsync(pipe([{ problem, samples }], extractAnswers()));
 * assert.deepEqual(out.answers, ["2", undefined]);
 * ```
 */
export function extractAnswers<T extends Sampled<MathProblem>>(
  options: ExtractStageOptions = {},
): Stage<T, WithAnswers<T>> {
  return map((item: T): WithAnswers<T> => ({
    ...item,
    answers: item.samples.map((sample) => extractAnswer(sample.completion)),
  }), { name: "extract", ...stageOptions(options) });
}

function stageOptions(options: ExtractStageOptions): ExtractStageOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
}
