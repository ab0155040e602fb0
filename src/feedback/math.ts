/**
 * Math feedback: windowed self-consistency (the majority answer of the policy's own
 * samples is the label, with an early-stop decision the sampler asks before each
 * new window), and scoring against a given label (a frontier model's answer or the
 * gold answer).
 *
 * @module
 */
import { extractAnswer, isEquivalent } from "../math/mod.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { FeedbackSource, ScoredSample, Vote } from "../model/feedback.ts";
import type { Sample } from "../model/sample.ts";
import { AnswerVote, type Equivalence, isKept, type KeepOptions } from "./answer_vote.ts";
import {
  decideEarlyStop,
  type Decision,
  type EarlyStopSettings,
  resolveEarlyStop,
} from "./early_stop.ts";
import type { LogisticModel } from "./calibration.ts";
import { MATH_FRONTIER_MODEL, mathLabelConfidence } from "./confidence.ts";
import { type FeedbackMetrics, feedbackMetrics } from "./metrics.ts";
import { LruCache } from "../lru.ts";

/** Options shared by the math feedback functions. */
export interface MathAnswerOptions {
  /** Groups answers and compares them with a label. Default `isEquivalent`. */
  equivalent?: Equivalence;
  /** Final answer of a completion. Default `extractAnswer` (no numeric fallback). */
  extract?: (completion: string) => string | undefined;
}

/** A problem's math feedback: its label and every sample scored against it. */
export interface MathFeedback {
  /** The vote (self-consistency) or the label with its agreement (frontier, gold). */
  vote: Vote;
  /** Every sample scored 1 (its answer matches the label) or 0; empty when the label was dropped. */
  scored: ScoredSample[];
  /**
   * Self-consistency and frontier labels: the calibrated probability that the label
   * is right (and so that a pair of a sample with the label and one without is
   * right); a frontier label's comes from how the samples agree with it.
   */
  confidence?: number;
}

/** Options for {@link MathSelfConsistency}. */
export interface MathSelfConsistencyOptions extends MathAnswerOptions, KeepOptions {
  /** The early-stop rule the sampler's decisions follow. Default `{ rule: "fixed" }`. */
  earlyStop?: EarlyStopSettings;
  /** The run's metrics registry. */
  metrics?: Metrics;
  /** Most problems with a vote in progress; older ones are rebuilt on demand. Default 10,000. */
  maxOpen?: number;
  /**
   * The model behind each label's `confidence` (one refitted with `fitLogistic` on
   * the user's own gold data). Default `MATH_LABEL_MODEL`.
   */
  labelModel?: LogisticModel;
}

interface OpenVote {
  vote: AnswerVote;
  answers: Map<number, string | undefined>;
  /** Samples drawn when the rule said stop before `max`. */
  stoppedAt?: number;
}

/**
 * Windowed self-consistency for math problems. {@link MathSelfConsistency.decide}
 * is the decision the sampler asks before each new window of a problem's samples;
 * {@link MathSelfConsistency.finish} closes the problem's vote when its window closes
 * and scores every sample against the majority answer.
 *
 * @example Stop after one agreeing window, then score
 * ```ts
 * import { MathSelfConsistency } from "./math.ts";
 * import assert from "node:assert";
 * const sc = new MathSelfConsistency({ earlyStop: { rule: "esc", window: 2, max: 8 } });
 * const samples = ["\\boxed{4}", "so \\boxed{4.0}"].map((completion, index) => ({
 *   problem_id: "p", index, completion,
 * }));
 * assert.equal(sc.decide("p", samples), "stop");
 * const { vote, scored } = sc.finish("p", samples);
 * assert.equal(vote.label, "4");
 * assert.deepEqual(scored.map((s) => s.score), [1, 1]);
 * ```
 */
export class MathSelfConsistency {
  readonly #options: MathSelfConsistencyOptions;
  readonly #earlyStop: Required<EarlyStopSettings>;
  readonly #extract: (completion: string) => string | undefined;
  readonly #metrics: FeedbackMetrics;
  /** Votes in progress; past the bound the least recently started is dropped. */
  readonly #open: LruCache<string, OpenVote>;

  /** Creates the vote keeper; `options.earlyStop` is validated here. */
  constructor(options: MathSelfConsistencyOptions = {}) {
    this.#options = options;
    this.#earlyStop = resolveEarlyStop(options.earlyStop ?? { rule: "fixed" });
    this.#extract = options.extract ?? ((text) => extractAnswer(text));
    this.#metrics = feedbackMetrics(options.metrics);
    this.#open = new LruCache(options.maxOpen ?? 10_000);
  }

  /** The resolved early-stop settings (the sampler's window and maximum). */
  get earlyStop(): Required<EarlyStopSettings> {
    return this.#earlyStop;
  }

  /**
   * Whether problem `problemId` needs another window, given the samples drawn so
   * far (in any order; samples already seen are not extracted again). A bound
   * method: pass `sc.decide` to the sampler as is.
   */
  decide = (problemId: string, samples: readonly Sample[]): Decision => {
    const open = this.#update(problemId, samples);
    const decision = decideEarlyStop(this.#earlyStop, open.vote.progress());
    if (decision === "stop" && open.vote.drawn < this.#earlyStop.max) {
      open.stoppedAt ??= open.vote.drawn;
    }
    return decision;
  };

  /**
   * Closes the vote of `problemId` over `samples` (all of its samples), scores them
   * against the label, counts the vote and the samples early stop saved, and forgets
   * the problem.
   */
  finish(problemId: string, samples: readonly Sample[]): MathFeedback {
    const open = this.#update(problemId, samples);
    this.#open.delete(problemId);
    const { vote } = open;
    const leader = vote.leader();
    const kept = leader !== undefined && isKept(leader.votes, vote.total, this.#options);
    const result: Vote = {
      problem_id: problemId,
      ...(leader && { label: leader.answer }),
      votes: leader?.votes ?? 0,
      total: vote.total,
      decided: true,
      kept,
    };
    this.#metrics.decided("math", vote.total ? result.votes / vote.total : NaN, kept);
    if (open.stoppedAt !== undefined) {
      this.#metrics.saved(this.#earlyStop.rule, this.#earlyStop.max - open.stoppedAt);
    }
    const confidence = leader &&
      mathLabelConfidence(vote.progress().counts, leader.group, samples.length, {
        model: this.#options.labelModel,
      });
    const scored = kept
      ? samples.map((sample) =>
        scoredSample(sample, open.answers.get(sample.index), {
          correct: vote.groupOf(sample.index) === leader.group,
          feedback: "self_consistency",
        })
      )
      : [];
    return { vote: result, scored, ...(confidence !== undefined && { confidence }) };
  }

  /** Drops the vote in progress of `problemId` without deciding it. */
  forget(problemId: string): void {
    this.#open.delete(problemId);
  }

  #update(problemId: string, samples: readonly Sample[]): OpenVote {
    let open = this.#open.peek(problemId);
    if (!open) {
      const equivalent = this.#options.equivalent ?? isEquivalent;
      open = { vote: new AnswerVote({ equivalent }), answers: new Map() };
      this.#open.set(problemId, open);
    }
    for (const sample of samples) {
      if (open.vote.has(sample.index)) continue;
      const answer = answerOf(sample, this.#extract);
      open.answers.set(sample.index, answer);
      open.vote.add(sample.index, answer);
    }
    return open;
  }
}

/** Options for {@link scoreMathAnswers}. */
export interface ScoreMathOptions extends MathAnswerOptions {
  /** The problem the samples answer. */
  problemId: string;
  /** The label: a frontier model's answer or the gold answer. */
  label: string;
  /** Where the label came from. */
  feedback: FeedbackSource;
  /**
   * The model behind a frontier label's `confidence` (one refitted with
   * `fitLogistic` on your gold data). Default `MATH_FRONTIER_MODEL`.
   */
  labelModel?: LogisticModel;
}

/**
 * Scores each sample against a given label (a frontier model's answer, or the gold
 * answer): 1 when its answer is equivalent, 0 otherwise or without an answer. Each
 * distinct answer string is compared with the label once.
 *
 * @example Score against a gold answer
 * ```ts
 * import { scoreMathAnswers } from "./math.ts";
 * import assert from "node:assert";
 * const samples = ["\\boxed{\\frac{1}{2}}", "\\boxed{0.5}", "no idea"].map((completion, index) => ({
 *   problem_id: "p", index, completion,
 * }));
 * const { vote, scored } = scoreMathAnswers(samples, {
 *   problemId: "p",
 *   label: "1/2",
 *   feedback: "gold",
 * });
 * assert.deepEqual(scored.map((s) => s.score), [1, 1, 0]);
 * assert.equal(vote.votes, 2);
 * ```
 */
export function scoreMathAnswers(
  samples: readonly Sample[],
  options: ScoreMathOptions,
): MathFeedback {
  const { label, problemId } = options;
  const extract = options.extract ?? ((text: string) => extractAnswer(text));
  // The label is group 0 (it comes first, and stays its group's representative).
  // A frontier label's confidence needs the other answers grouped too; any other
  // label only needs each distinct answer compared with it.
  const equivalent = options.equivalent ?? isEquivalent;
  const frontier = options.feedback === "frontier";
  const vote = new AnswerVote({
    equivalent: frontier
      ? equivalent
      : (group, answer) => group === label && equivalent(group, answer),
  });
  vote.add(-1, label);
  const scored = samples.map((sample) => {
    const answer = answerOf(sample, extract);
    const correct = vote.add(sample.index, answer) === 0;
    return scoredSample(sample, answer, { correct, feedback: options.feedback });
  });
  const counts = [...vote.progress().counts];
  counts[0]--;
  const confidence = frontier
    ? mathLabelConfidence(counts, 0, samples.length, {
      model: options.labelModel ?? MATH_FRONTIER_MODEL,
    })
    : undefined;
  return {
    vote: {
      problem_id: problemId,
      label,
      votes: counts[0],
      total: vote.total - 1,
      decided: true,
      kept: true,
    },
    scored,
    ...(confidence !== undefined && { confidence }),
  };
}

function answerOf(
  sample: Sample,
  extract: (completion: string) => string | undefined,
): string | undefined {
  if (sample.failure) return undefined; // failed or cut off: no final answer to trust
  const answer = extract(sample.completion)?.trim();
  return answer ? answer : undefined;
}

function scoredSample(
  sample: Sample,
  answer: string | undefined,
  options: { correct: boolean; feedback: FeedbackSource },
): ScoredSample {
  return {
    problem_id: sample.problem_id,
    index: sample.index,
    completion: sample.completion,
    ...(answer !== undefined && { extracted: answer }),
    score: options.correct ? 1 : 0,
    max_score: 1,
    feedback: options.feedback,
  };
}
