/**
 * Code feedback. Multi-test-case self-consistency: every program runs on every test
 * input; per input, the runs that ended `ok` vote on the output (grouped by the
 * judge's comparison); the majority output becomes that input's pseudo expected
 * output, and a program scores the number of kept inputs it agrees on. Also scoring
 * against test cases with expected outputs (frontier-written or gold) and against a
 * gold `check()`.
 *
 * This module consumes execution results (program × input → {@link ExecutionResult});
 * it never runs anything itself.
 *
 * @module
 */
import { sameOutput, sameValue } from "../../sandbox/judge.ts";
import type { ExecutionResult } from "../model/execution.ts";
import type { FeedbackSource, ScoredSample, Vote } from "../model/feedback.ts";
import type { Sample } from "../model/sample.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { AnswerVote, type Equivalence, isKept, type KeepOptions } from "./answer_vote.ts";
import { type FeedbackMetrics, feedbackMetrics } from "./metrics.ts";

/**
 * Fewest `ok` runs an input needs to be kept, by default. The paper uses 5 in its
 * later iterations; 3 is the smallest count at which a majority means more than a
 * tie broken by sample order, and keeps inputs when only ten programs were sampled.
 */
export const DEFAULT_MIN_RUNS = 3;

/**
 * The output of a run that ended `ok`: its canonical return value for
 * function-style calls, its stdout otherwise; `undefined` for any other status.
 */
export function outputOf(result: ExecutionResult | undefined): string | undefined {
  if (result?.status !== "ok") return undefined;
  return result.return_value ?? result.stdout;
}

/** Options for {@link CodeVote}. */
export interface CodeVoteOptions extends KeepOptions {
  /** The test inputs, in order. */
  inputs: readonly string[];
  /**
   * Whether two outputs are the same. Default: the judge's comparison: canonical
   * values (`sameValue`: `1` equals `1.0`) when the runs report return values
   * (function style), stdout line by line ignoring trailing whitespace
   * (`sameOutput`) otherwise. Pass the judge with options for float tolerance or
   * token matching.
   */
  same?: Equivalence;
  /** Fewest `ok` runs an input needs to be kept. Default {@link DEFAULT_MIN_RUNS}. */
  minRuns?: number;
  /** Runs whose output is empty do not vote (the paper's later-iteration script). Default false. */
  skipEmpty?: boolean;
  /** The run's metrics registry (votes decided are counted on {@link CodeVote.close}). */
  metrics?: Metrics;
}

/**
 * The per-input output vote of one code problem, updated as execution results
 * arrive. Ties go to the output of the earliest program (smallest index). An input
 * with fewer than `minRuns` successful runs (or under the `minShare`/`minVotes` of
 * {@link KeepOptions}) is dropped. {@link CodeVote.close} makes the labels final.
 *
 * @example Two inputs, three programs
 * ```ts
 * import { CodeVote } from "./code.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const crash = { status: "runtime_error" as const, stdout: "", stderr: "boom", duration_ms: 1 };
 * const vote = new CodeVote("p", { inputs: ["1", "2"], minRuns: 2 });
 * vote.addProgram(0, [ok("1"), ok("4")]);
 * vote.addProgram(1, [ok("1"), crash]);
 * vote.addProgram(2, [ok("2"), ok("4")]);
 * vote.close();
 * assert.deepEqual(vote.expected(), ["1", "4"]);
 * assert.deepEqual([0, 1, 2].map((p) => vote.score(p)), [2, 1, 1]);
 * ```
 */
export class CodeVote {
  /** The problem voted on. */
  readonly problemId: string;
  readonly #inputs: readonly string[];
  readonly #votes: AnswerVote[];
  readonly #options: CodeVoteOptions;
  readonly #minRuns: number;
  readonly #metrics: FeedbackMetrics;
  #closed = false;
  /** Whether the runs report return values; set by the first `ok` run. */
  #values?: boolean;

  /** Creates an open vote over `options.inputs`. */
  constructor(problemId: string, options: CodeVoteOptions) {
    this.problemId = problemId;
    this.#inputs = options.inputs;
    this.#options = options;
    this.#minRuns = options.minRuns ?? DEFAULT_MIN_RUNS;
    this.#metrics = feedbackMetrics(options.metrics);
    const equivalent = options.same ??
      ((a: string, b: string) => this.#values ? sameValue(a, b) : sameOutput(a, b));
    this.#votes = options.inputs.map(() => new AnswerVote({ equivalent }));
  }

  /** Adds the result of program `program` on input number `input`. */
  add(program: number, input: number, result: ExecutionResult): void {
    if (this.#closed) throw new RangeError(`Cannot add to the vote of ${this.problemId}: closed`);
    const vote = this.#votes[input];
    if (!vote) throw new RangeError(`Cannot add a result for input ${input}: out of range`);
    if (result.status === "ok") this.#values ??= result.return_value !== undefined;
    const output = outputOf(result);
    vote.add(program, this.#options.skipEmpty && output === "" ? undefined : output);
  }

  /** Adds program `program`'s results on every input, in input order. */
  addProgram(program: number, results: readonly ExecutionResult[]): void {
    results.forEach((result, input) => this.add(program, input, result));
  }

  /** Makes the labels final and counts the decided votes in metrics. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.votes().forEach((vote) => {
      this.#metrics.decided("code", vote.total ? vote.votes / vote.total : NaN, vote.kept);
    });
  }

  /** True once {@link CodeVote.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The vote of each input, in input order. */
  votes(): Vote[] {
    return this.#votes.map((vote, i) => {
      const leader = vote.leader();
      return {
        problem_id: this.problemId,
        input: this.#inputs[i],
        ...(leader && { label: leader.answer }),
        votes: leader?.votes ?? 0,
        total: vote.total,
        decided: this.#closed,
        kept: this.#kept(vote),
      };
    });
  }

  /** The pseudo expected output of each input; `undefined` for a dropped input. */
  expected(): (string | undefined)[] {
    return this.#votes.map((vote) => this.#kept(vote) ? vote.leader()?.answer : undefined);
  }

  /** Inputs kept so far. */
  get kept(): number {
    return this.#votes.filter((vote) => this.#kept(vote)).length;
  }

  /** Kept inputs on which program `program` produced the majority output. */
  score(program: number): number {
    let score = 0;
    for (const vote of this.#votes) {
      if (!this.#kept(vote)) continue;
      const group = vote.groupOf(program);
      if (group !== undefined && group === vote.leader()?.group) score++;
    }
    return score;
  }

  #kept(vote: AnswerVote): boolean {
    const leader = vote.leader();
    return leader !== undefined && vote.total >= this.#minRuns &&
      isKept(leader.votes, vote.total, this.#options);
  }
}

/** Options for {@link countPasses}. */
export interface CountPassesOptions {
  /** The expected output per input; `undefined` skips the input. */
  expected: readonly (string | undefined)[];
  /**
   * The judge's comparison of an expected and an actual output. Default: the judge's
   * (`sameValue` for runs that report a return value, `sameOutput` for stdout).
   */
  same?: Equivalence;
}

/**
 * Counts the inputs on which a program's run ended `ok` with the expected output
 * (test cases from a frontier model, the majority outputs of a frontier model's own
 * programs, or gold tests).
 *
 * @example Two of three tests pass
 * ```ts
 * import { countPasses } from "./code.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const passes = countPasses([ok("1"), ok("2"), ok("3")], { expected: ["1", "2", "4"] });
 * assert.equal(passes, 2);
 * ```
 */
export function countPasses(
  results: readonly (ExecutionResult | undefined)[],
  options: CountPassesOptions,
): number {
  let passes = 0;
  options.expected.forEach((expected, i) => {
    const result = results[i];
    const actual = outputOf(result);
    if (expected === undefined || actual === undefined) return;
    const values = result?.return_value !== undefined;
    const same = options.same ??
      ((a: string, b: string) => values ? sameValue(b, a) : sameOutput(b, a));
    if (same(expected, actual)) passes++;
  });
  return passes;
}

/** Options for {@link scoreCodeSamples}. */
export interface ScoreCodeOptions {
  /** Each sample's score, by sample index. */
  score: (index: number) => number;
  /** The best score possible (kept inputs, or test cases). */
  maxScore: number;
  /** Where the tests came from. */
  feedback: FeedbackSource;
  /** Each sample's program, by sample index (`undefined`: none was extracted). */
  program?: (index: number) => string | undefined;
}

/**
 * Turns per-sample scores into {@link ScoredSample}s.
 *
 * @example Scores from a code vote
 * ```ts
 * import { scoreCodeSamples } from "./code.ts";
 * import assert from "node:assert";
 * const samples = [{ problem_id: "p", index: 0, completion: "print(1)" }];
 * const [scored] = scoreCodeSamples(samples, { score: () => 3, maxScore: 4, feedback: "frontier" });
 * assert.deepEqual([scored.score, scored.max_score], [3, 4]);
 * ```
 */
export function scoreCodeSamples(
  samples: readonly Sample[],
  options: ScoreCodeOptions,
): ScoredSample[] {
  return samples.map((sample) => {
    const program = options.program?.(sample.index);
    return {
      problem_id: sample.problem_id,
      index: sample.index,
      completion: sample.completion,
      ...(program !== undefined && { extracted: program }),
      score: options.score(sample.index),
      max_score: options.maxScore,
      feedback: options.feedback,
    };
  });
}
