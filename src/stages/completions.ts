/**
 * The completion stage of the step-level recipes: every prefix of an item is
 * continued by a sampling stage (the policy server through {@link prefixSampler},
 * or recorded completions), and the item is emitted once all of its prefixes are
 * back, with their completions in prefix order. Prefixes of many items are
 * completed at once, under the sampler's own bounds; items come out in the order
 * their last prefix finishes.
 *
 * Cancellation: the sampler is built with the stage's own signal, so an early
 * `break` or an abort stops its requests in flight and closes the source.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { ProblemSamples, SamplingStage, WindowDecision } from "../sampling/windows.ts";
import { Notifier } from "../stream/notifier.ts";
import { type Stage, stage } from "../stream/stage.ts";
import { prefixId, type PrefixProblem, prefixProblem } from "../steps/completions.ts";
import type { Prefix } from "../steps/prefixes.ts";

/** What the completion stage needs from an item: a problem and its prefixes. */
export interface ProblemPrefixes<P extends Problem = Problem> {
  /** The problem. */
  problem: P;
  /** The prefixes to complete. */
  prefixes: readonly Prefix[];
}

/** An item after the completion stage: each prefix's completions, sorted by index. */
export type WithCompletions<T> = T & { completions: Sample[][] };

/** What the stage gives the sampler it builds. */
export interface CompletionSamplerSettings {
  /** The stage's signal: aborts when the stream is cancelled or the consumer stops. */
  signal: AbortSignal;
  /** The early-stop decision, when the stage has a `decided` rule. */
  decide?: (prefixId: string, soFar: readonly Sample[]) => WindowDecision;
}

/** Options for {@link completionStage}. */
export interface CompletionStageOptions<T extends ProblemPrefixes> {
  /**
   * Builds the sampling stage that completes prefixes (a {@link PrefixProblem} in,
   * its completions out), e.g. `prefixSampler` or `recordedSampler`.
   */
  sampler: (settings: CompletionSamplerSettings) => SamplingStage;
  /**
   * Early stop: true once a prefix's completions so far decide what it is worth;
   * the sampler then draws no more for it. Default: none.
   */
  decided?: (item: T, prefix: Prefix, soFar: readonly Sample[]) => boolean;
  /** Cancels the stage: it ends with an {@link AbortedError}. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics (an item is in flight while its prefixes are). */
  metrics?: StageMetrics;
}

/**
 * The completion stage: adds `completions` (by prefix, each sorted by sample index)
 * to each item; an item without prefixes passes at once with none.
 *
 * @example Complete a prefix from a stand-in sampler
 * ```ts
 * import { completionStage } from "./completions.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * import type { ProblemSamples } from "../sampling/windows.ts";
 * import type { Problem } from "../model/problem.ts";
 * const sampler = () => Object.assign(async function* () {}, {
 *   stop() {},
 *   async *grouped<Q extends Problem>(source: AsyncIterable<Q>): AsyncIterable<ProblemSamples<Q>> {
 *     for await (const problem of source) {
 *       const sample = { problem_id: problem.id, index: 0, completion: " done" };
 *       yield { problem, samples: [sample], drawable: 1, stoppedEarly: false };
 *     }
 *   },
 * });
 * const problem = { id: "m", kind: "math", prompt: "Q" } as const;
 * const prefix = { problem_id: "m", sample: 0, steps: 1, of: 5, text: "First" };
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, prefixes: [prefix] }],
 *   completionStage({ sampler }),
 * ));
 * assert.equal(out.completions[0][0].completion, " done");
 * ```
 */
export function completionStage<T extends ProblemPrefixes>(
  options: CompletionStageOptions<T>,
): Stage<T, WithCompletions<T>> {
  return stage("complete", (source) => complete(source, options));
}

/** An item whose prefixes are out for completion. */
interface Waiting<T> {
  item: T;
  /** Completions of the prefixes back so far, by prefix id. */
  back: Map<string, Sample[]>;
}

async function* complete<T extends ProblemPrefixes>(
  source: AsyncIterable<T>,
  options: CompletionStageOptions<T>,
): AsyncGenerator<WithCompletions<T>> {
  const { metrics, decided } = options;
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  const waiting = new Map<string, Waiting<T>>();
  const prefixes = new Map<string, { item: T; prefix: Prefix }>();
  const ready: WithCompletions<T>[] = [];
  const notifier = new Notifier();
  const began = new Map<string, number>();

  const emit = (item: T, completions: Sample[][]) => {
    ready.push({ ...item, completions });
    const start = began.get(item.problem.id);
    began.delete(item.problem.id);
    if (start !== undefined) metrics?.finished(performance.now() - start);
    notifier.notify();
  };
  const feed = async function* (): AsyncGenerator<PrefixProblem> {
    for await (const item of source) {
      metrics?.received();
      if (item.prefixes.length === 0) {
        emit(item, []);
        continue;
      }
      metrics?.started();
      began.set(item.problem.id, performance.now());
      waiting.set(item.problem.id, { item, back: new Map() });
      for (const prefix of item.prefixes) {
        prefixes.set(prefixId(prefix), { item, prefix });
        yield prefixProblem(item.problem, prefix);
      }
    }
  };
  const decide = decided
    ? (id: string, soFar: readonly Sample[]): WindowDecision => {
      const at = prefixes.get(id);
      return at && decided(at.item, at.prefix, soFar) ? "stop" : "more";
    }
    : undefined;
  const arrived = ({ problem, samples }: ProblemSamples<PrefixProblem>) => {
    prefixes.delete(problem.id);
    const at = waiting.get(problem.problem.id);
    if (!at) return;
    at.back.set(problem.id, [...samples].sort((a, b) => a.index - b.index));
    if (at.back.size < at.item.prefixes.length) return;
    waiting.delete(problem.problem.id);
    emit(at.item, at.item.prefixes.map((prefix) => at.back.get(prefixId(prefix)) ?? []));
  };

  const sampler = options.sampler({ signal, ...(decide ? { decide } : {}) });
  const groups = sampler.grouped(feed())[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<ProblemSamples<PrefixProblem>>> | undefined;
  let ended = false;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
      if (ready.length > 0) {
        metrics?.emitted();
        yield ready.shift()!;
        continue;
      }
      if (ended) return;
      next ??= groups.next();
      const result = await Promise.race([next, notifier.wait().then(() => undefined)]);
      if (result === undefined) continue; // an item passed without waiting
      next = undefined;
      if (result.done) ended = true;
      else arrived(result.value);
    }
  } finally {
    own.abort(new AbortedError("The consumer stopped"));
    if (next) await next.catch(() => {});
    await groups.return?.().catch(() => {});
  }
}
