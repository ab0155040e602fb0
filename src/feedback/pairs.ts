/**
 * Pair policies: which scored samples become (chosen, rejected) preference pairs.
 *
 * - Math: positives are samples that match the label, negatives the rest; either one
 *   random (positive, negative) pair per problem (`"one"`, the paper's first
 *   iteration) or each positive with one random negative (`"each_positive"`, later
 *   iterations).
 * - Code: a sample may be chosen when it passes at least `minPassFraction` of the
 *   tests (default half), and is paired with every sample whose score is lower by at
 *   least `margin` (default 6 for self-consistency and frontier tests alike, the
 *   official code's margin for whole solutions; 4 is the paper's margin for
 *   step-level prefix pairs; for gold tests, chosen passes all and rejected fails at
 *   least one).
 *
 * Problems with no positive or no negative give no pairs. Exact duplicates (same
 * chosen and rejected texts) are dropped, then at most `cap` pairs per problem are
 * kept, picked at random. Randomness comes from a generator seeded with the seed,
 * the problem id and the policy, so the same seed gives the same pairs whatever the
 * order problems are processed in.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { FeedbackSource, ScoredSample } from "../model/feedback.ts";
import type { Pair, PairDraft } from "../model/pair.ts";
import type { PairLog } from "../store/pair_log.ts";
import { feedbackMetrics } from "./metrics.ts";
import { type SeededRandom, seededRandom } from "./random.ts";

/** Default cap on pairs per problem. The paper sets none; pass `Infinity` for that. */
export const DEFAULT_PAIR_CAP = 64;

/** Options shared by the pair policies. */
export interface PairPolicyOptions {
  /** The prompt the samples answer (the pairs' `prompt`). */
  prompt: string;
  /** The run the pairs belong to. */
  run: string;
  /** Seed of the random choices. Default 0. */
  seed?: number | string;
  /** Most pairs per problem. Default {@link DEFAULT_PAIR_CAP}. */
  cap?: number;
  /**
   * Each pair's confidence, the estimated probability that chosen is right and
   * rejected wrong; written on the drafts as `confidence`.
   */
  confidence?: (chosen: ScoredSample, rejected: ScoredSample) => number;
  /** Pairs less confident than this are dropped before the cap. Default 0 (none). */
  minConfidence?: number;
}

/** How math positives are paired. */
export type MathPairMode = "one" | "each_positive";

/** Options for {@link mathPairs}. */
export interface MathPairOptions extends PairPolicyOptions {
  /** `"one"` random pair per problem, or `"each_positive"` with one random negative. Default `"one"`. */
  mode?: MathPairMode;
}

/**
 * Math pairs from scored samples: positives score `max_score`, negatives less.
 * Samples with an empty completion take no part.
 *
 * @example One random pair per problem
 * ```ts
 * import { mathPairs } from "./pairs.ts";
 * import assert from "node:assert";
 * const scored = ["A", "B", "C"].map((completion, index) => ({
 *   problem_id: "p", index, completion, score: index === 1 ? 0 : 1, max_score: 1,
 *   feedback: "self_consistency" as const,
 * }));
 * const [pair] = mathPairs(scored, { prompt: "Q", run: "r", seed: 1 });
 * assert.equal(pair.rejected, "B");
 * assert.ok(["A", "C"].includes(pair.chosen));
 * ```
 */
export function mathPairs(scored: readonly ScoredSample[], options: MathPairOptions): PairDraft[] {
  const mode = options.mode ?? "one";
  if (mode !== "one" && mode !== "each_positive") {
    throw new ConfigError(
      `Invalid math pair mode: must be "one" or "each_positive", got "${mode}"`,
    );
  }
  const usable = scored.filter((s) => s.completion.trim() !== "");
  const positives = usable.filter((s) => s.score >= s.max_score);
  const negatives = usable.filter((s) => s.score < s.max_score);
  if (positives.length === 0 || negatives.length === 0) return [];
  const random = randomFor(options, usable, `math:${mode}`);
  const pick = <T>(items: readonly T[]) => items[random.int(items.length)];
  const chosen = mode === "one" ? [pick(positives)] : positives;
  return finish(chosen.map((c) => [c, pick(negatives)]), options, random);
}

/** Default score margins of the code pair policy, by feedback source. */
export const CODE_PAIR_MARGINS: Readonly<Record<FeedbackSource, number>> = {
  self_consistency: 6,
  frontier: 6,
  gold: 1,
};

/** Default pass fractions a chosen code sample needs, by feedback source. */
export const CODE_PAIR_MIN_PASS: Readonly<Record<FeedbackSource, number>> = {
  self_consistency: 0.5,
  frontier: 0.5,
  gold: 1,
};

/** Options for {@link codePairs}. */
export interface CodePairOptions extends PairPolicyOptions {
  /** Smallest score gap between chosen and rejected. Default {@link CODE_PAIR_MARGINS} by source. */
  margin?: number;
  /** Share of the tests a chosen sample must pass. Default {@link CODE_PAIR_MIN_PASS} by source. */
  minPassFraction?: number;
}

/**
 * Code pairs from scored samples: every sample passing at least `minPassFraction`
 * of `max_score` tests is paired with every sample scoring at least `margin` less.
 * Samples with an empty completion take no part.
 *
 * @example A margin of 6 on frontier tests
 * ```ts
 * import { codePairs } from "./pairs.ts";
 * import assert from "node:assert";
 * const scored = [8, 5, 2, 0].map((score, index) => ({
 *   problem_id: "p", index, completion: `program ${index}`, score, max_score: 8,
 *   feedback: "frontier" as const,
 * }));
 * const pairs = codePairs(scored, { prompt: "Q", run: "r" });
 * assert.deepEqual(pairs.map((p) => [p.chosen_score, p.rejected_score]), [[8, 2], [8, 0]]);
 * ```
 */
export function codePairs(scored: readonly ScoredSample[], options: CodePairOptions): PairDraft[] {
  const usable = scored.filter((s) => s.completion.trim() !== "");
  if (usable.length < 2) return [];
  const feedback = usable[0].feedback;
  const margin = options.margin ?? CODE_PAIR_MARGINS[feedback];
  const minPass = options.minPassFraction ?? CODE_PAIR_MIN_PASS[feedback];
  if (!(margin > 0)) throw new ConfigError(`Invalid pair margin: must be positive, got ${margin}`);
  if (!(minPass >= 0 && minPass <= 1)) {
    throw new ConfigError(`Invalid pass fraction: must be in [0, 1], got ${minPass}`);
  }
  const candidates: [ScoredSample, ScoredSample][] = [];
  for (const chosen of usable) {
    if (chosen.max_score <= 0 || chosen.score < minPass * chosen.max_score) continue;
    for (const rejected of usable) {
      if (rejected.score <= chosen.score - margin) candidates.push([chosen, rejected]);
    }
  }
  return finish(candidates, options, randomFor(options, usable, `code:${margin}:${minPass}`));
}

/** Options for {@link appendPairs}. */
export interface AppendPairsOptions {
  /** The run's metrics registry: pairs written and duplicates dropped are counted. */
  metrics?: Metrics;
}

/**
 * Appends pair drafts to the run's pair log and counts them in metrics; returns the
 * pairs written (those already in the log are skipped).
 *
 * @example Append to an in-memory log
 * ```ts
 * import { appendPairs, mathPairs } from "./pairs.ts";
 * import { openRunDatabase } from "../store/database.ts";
 * import { PairLog } from "../store/pair_log.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * const scored = ["right", "wrong"].map((completion, index) => ({
 *   problem_id: "p", index, completion, score: 1 - index, max_score: 1, feedback: "gold" as const,
 * }));
 * const drafts = mathPairs(scored, { prompt: "Q", run: "r" });
 * assert.equal(appendPairs(log, drafts).length, 1);
 * assert.equal(appendPairs(log, drafts).length, 0);
 * assert.equal(log.lastSeq(), 1);
 * ```
 */
export function appendPairs(
  log: PairLog,
  drafts: readonly PairDraft[],
  options: AppendPairsOptions = {},
): Pair[] {
  const written = log.append(drafts);
  const metrics = feedbackMetrics(options.metrics);
  const bySource = new Map<FeedbackSource, [number, number]>();
  for (const draft of drafts) {
    const counts = bySource.get(draft.feedback) ?? [0, 0];
    counts[1]++;
    bySource.set(draft.feedback, counts);
  }
  for (const pair of written) bySource.get(pair.feedback)![0]++;
  for (const [source, [count, total]] of bySource) metrics.pairs(source, count, total - count);
  return written;
}

function randomFor(
  options: PairPolicyOptions,
  scored: readonly ScoredSample[],
  policy: string,
): SeededRandom {
  return seededRandom(options.seed ?? 0, scored[0]?.problem_id ?? "", policy);
}

/** Drops duplicates and pairs under the minimum confidence, caps at random (order kept) and builds the drafts. */
function finish(
  candidates: readonly [ScoredSample, ScoredSample][],
  options: PairPolicyOptions,
  random: SeededRandom,
): PairDraft[] {
  const seen = new Set<string>();
  const minConfidence = options.minConfidence ?? 0;
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new ConfigError(`Invalid minimum confidence: must be in [0, 1], got ${minConfidence}`);
  }
  const confidence = options.confidence;
  let unique = candidates.filter(([c, r]) => {
    const key = JSON.stringify([c.completion, r.completion]);
    if (c.completion === r.completion || seen.has(key)) return false;
    seen.add(key);
    return true;
  }).map(([c, r]) => ({ chosen: c, rejected: r, confidence: confidence?.(c, r) }))
    .filter((p) => minConfidence === 0 || (p.confidence ?? 0) >= minConfidence);
  const cap = options.cap ?? DEFAULT_PAIR_CAP;
  if (!(cap >= 0)) throw new ConfigError(`Invalid pair cap: must be at least 0, got ${cap}`);
  if (unique.length > cap) {
    // A partial Fisher-Yates shuffle over positions picks `cap` of them uniformly.
    const positions = unique.map((_, i) => i);
    for (let i = 0; i < cap; i++) {
      const j = i + random.int(positions.length - i);
      [positions[i], positions[j]] = [positions[j], positions[i]];
    }
    const keep = new Set(positions.slice(0, cap));
    unique = unique.filter((_, i) => keep.has(i));
  }
  return unique.map(({ chosen, rejected, confidence }) => ({
    problem_id: chosen.problem_id,
    prompt: options.prompt,
    chosen: chosen.completion,
    rejected: rejected.completion,
    chosen_score: chosen.score,
    rejected_score: rejected.score,
    feedback: chosen.feedback,
    run: options.run,
    ...(confidence !== undefined && { confidence: round(confidence) }),
  }));
}

/** A probability to four decimals: what a pair record carries. */
function round(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}
