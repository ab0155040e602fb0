/**
 * The record stage: a problem's votes, scores, pairs and outcome written to the
 * run database in one transaction, so that a crash leaves either all of them or
 * none (and a re-run redoes the problem).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Pair } from "../model/pair.ts";
import type { Metrics, StageMetrics } from "../metrics/metrics.ts";
import type { ProblemOutcome } from "../run/finished.ts";
import type { PairLog } from "../store/pair_log.ts";
import { transaction } from "../store/database.ts";
import { appendPairs } from "../feedback/pairs.ts";
import { type FeedbackStore, pairSamplesOf } from "../feedback/store.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import type { ScoredProblem } from "./score.ts";
import type { Paired } from "./pair.ts";

/** Where the record stage writes: the run's database, pair log and problem outcomes. */
export interface RecordTarget {
  /** The run database (the pair log, the feedback store and the outcomes live in it). */
  readonly db: DatabaseSync;
  /** The run's pair log. */
  readonly pairs: PairLog;
  /** The run's metrics registry (pairs written and duplicates). */
  readonly metrics?: Metrics;
  /** Records a problem's outcome under `key`. */
  finishProblem(key: string, outcome: ProblemOutcome): void;
}

/** A problem after the record stage: the pairs that were new, and its final outcome. */
export type Recorded<T> = T & { pairs: Pair[]; outcome: ProblemOutcome };

/** Options for {@link recordStage} and {@link recordProblem}. */
export interface RecordOptions {
  /** The run written to. */
  run: RecordTarget;
  /** The run's votes and scores. */
  feedback: FeedbackStore;
  /** The key a problem's outcome is stored under. Default: its id. */
  key?: (problemId: string) => string;
  /** Called once a problem's record is committed. */
  onRecorded?: (problemId: string, outcome: ProblemOutcome) => void;
}

/**
 * Writes a problem's pairs (new ones only), which samples they were made of, its
 * votes, its scores and its outcome (with `pairs` and `new_pairs` added) in one
 * transaction: a failure part way leaves none of them.
 */
export function recordProblem<T extends Paired<ScoredProblem>>(
  item: T,
  options: RecordOptions,
): Recorded<T> {
  const { run, feedback } = options;
  const { problem, drafts, scored } = item;
  const recorded = transaction(run.db, () => {
    const pairs = appendPairs(run.pairs, drafts, run.metrics ? { metrics: run.metrics } : {});
    feedback.savePairSamples(pairSamplesOf(pairs, scored));
    if (item.votes.length) feedback.saveVotes(item.feedback, item.votes);
    feedback.saveScores(scored);
    const outcome = {
      status: item.outcome.status,
      detail: { ...item.outcome.detail, pairs: drafts.length, new_pairs: pairs.length },
    };
    run.finishProblem(options.key?.(problem.id) ?? problem.id, outcome);
    return { ...item, pairs, outcome };
  });
  options.onRecorded?.(problem.id, recorded.outcome);
  return recorded;
}

/**
 * The record stage: {@link recordProblem} for each problem, in arrival order.
 *
 * @example Record a problem's pair and outcome
 * ```ts
 * import { recordStage } from "./record.ts";
 * import { FeedbackStore } from "../feedback/store.ts";
 * import { openRunDatabase } from "../store/database.ts";
 * import { PairLog } from "../store/pair_log.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * const outcomes = new Map<string, string>();
 * const run = { db, pairs: new PairLog(db), finishProblem: (k: string, o: { status: string }) => outcomes.set(k, o.status) };
 * const draft = {
 *   problem_id: "p", prompt: "Q", chosen: "A", rejected: "B", chosen_score: 1, rejected_score: 0,
 *   feedback: "gold" as const, run: "r",
 * };
 * const item = {
 *   problem: { id: "p" }, feedback: "gold" as const, scored: [], votes: [], drafts: [draft],
 *   outcome: { status: "done" as const, detail: {} },
 * };
 * const [out] = await Array.fromAsync(pipe([item], recordStage({ run, feedback: new FeedbackStore(db) })));
 * assert.equal(out.pairs.length, 1);
 * assert.equal(out.outcome.detail.new_pairs, 1);
 * assert.equal(outcomes.get("p"), "done");
 * ```
 */
export function recordStage<T extends Paired<ScoredProblem>>(
  options: RecordOptions & { signal?: AbortSignal; metrics?: StageMetrics },
): Stage<T, Recorded<T>> {
  return map((item: T) => recordProblem(item, options), {
    name: "record",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
