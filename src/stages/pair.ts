/**
 * The pair stage: a problem's scored samples become pair drafts by a pair policy
 * (the code policy's margin and minimum pass, the math policy's modes, or any
 * other).
 *
 * @module
 */
import type { PairDraft } from "../model/pair.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import type { ScoredProblem } from "./score.ts";

/** A problem with its pair drafts. */
export type Paired<T> = T & { drafts: PairDraft[] };

/** Options for {@link pairStage}. */
export interface PairStageOptions<T> {
  /** The pair policy: a problem's drafts from its scored samples. */
  policy: (item: T) => PairDraft[];
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The pair stage: adds each problem's pair drafts by `policy`; a problem that is
 * not `done` (no label, no tests) gives none.
 *
 * @example Math pairs of a scored problem
 * ```ts
 * import { pairStage } from "./pair.ts";
 * import { mathPairs } from "../feedback/pairs.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const scored = ["A", "B"].map((completion, index) => ({
 *   problem_id: "p", index, completion, score: 1 - index, max_score: 1,
 *   feedback: "self_consistency" as const,
 * }));
 * const item = {
 *   problem: { id: "p", kind: "math", prompt: "Q" } as const,
 *   feedback: "self_consistency" as const,
 *   scored,
 *   votes: [],
 *   outcome: { status: "done" as const, detail: {} },
 * };
 * const stage = pairStage({ policy: (i: typeof item) => mathPairs(i.scored, { prompt: "Q", run: "r" }) });
 * const [out] = await Array.fromAsync(pipe([item], stage));
 * assert.equal(out.drafts[0].chosen, "A");
 * ```
 */
export function pairStage<T extends ScoredProblem>(
  options: PairStageOptions<T>,
): Stage<T, Paired<T>> {
  return map((item: T): Paired<T> => ({
    ...item,
    drafts: item.outcome.status === "done" ? options.policy(item) : [],
  }), {
    name: "pair",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
