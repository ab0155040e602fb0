/**
 * The prefix stage of the step-level recipes: each problem's solutions cut into
 * prefixes by {@link cutPrefixes} (the paper's line rules, seeded per problem). A
 * problem whose solutions give no prefix passes with none, so that the stages after
 * it can record why it gives no step pairs.
 *
 * @module
 */
import type { StageMetrics } from "../metrics/metrics.ts";
import type { Problem } from "../model/problem.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import {
  cutPrefixes,
  type CutPrefixesOptions,
  type Prefix,
  type Solution,
} from "../steps/prefixes.ts";

/** What the prefix stage needs from an item: a problem and the solutions to cut. */
export interface ProblemSolutions<P extends Problem = Problem> {
  /** The problem. */
  problem: P;
  /** The solutions to cut into prefixes. */
  solutions: readonly Solution[];
}

/** An item after the prefix stage. */
export type WithPrefixes<T> = T & { prefixes: Prefix[] };

/** Options for {@link prefixStage}. */
export interface PrefixStageOptions extends Omit<CutPrefixesOptions, "problemId" | "seed"> {
  /** The seed of a problem's draws. Default: 0 for every problem. */
  seed?: (problemId: string) => number | string;
  /** Cancels the stage: it ends with an `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The prefix stage: adds `prefixes` (at most `maxPrefixes` per problem) to each
 * item, in source order.
 *
 * @example Cut a ten-step solution
 * ```ts
 * import { prefixStage } from "./prefixes.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "m", kind: "math", prompt: "Q" } as const;
 * const text = Array.from({ length: 10 }, (_, i) => `step ${i + 1}`).join("\n");
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, solutions: [{ index: 0, text }] }],
 *   prefixStage({ seed: () => 1 }),
 * ));
 * assert.equal(out.prefixes.length, 2); // floor(floor(10 × 0.7) × 0.3)
 * ```
 */
export function prefixStage<T extends ProblemSolutions>(
  options: PrefixStageOptions = {},
): Stage<T, WithPrefixes<T>> {
  const { seed, signal, metrics, ...settings } = options;
  return map((item: T) => ({
    ...item,
    prefixes: cutPrefixes(item.solutions, {
      ...settings,
      problemId: item.problem.id,
      seed: seed?.(item.problem.id) ?? 0,
    }),
  }), {
    name: "prefixes",
    ...(signal ? { signal } : {}),
    ...(metrics ? { metrics } : {}),
  });
}
