/**
 * Early-stop rules for windowed self-consistency. The sampler draws a problem's
 * samples in windows and asks, before each new window, whether more are needed;
 * these rules answer from the running vote ({@link VoteProgress}):
 *
 * - `fixed`: always draw `max` samples (plain self-consistency with k = `max`).
 * - `esc`: Early-Stopping Self-Consistency (Li et al., 2024): stop as soon as every
 *   sample of the last window gave the same answer.
 * - `adaptive`: Adaptive-Consistency (Aggarwal et al., 2023): stop when the posterior
 *   probability that the leading answer is the true majority reaches `threshold`,
 *   under a uniform prior: a Beta posterior over the top two answers when at most two
 *   answers were seen, a Dirichlet posterior over every answer seen otherwise.
 *
 * Every rule stops at `max` samples.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { VoteProgress } from "./answer_vote.ts";

/** The early-stop rules, by name. */
export const EARLY_STOP_RULES = ["fixed", "esc", "adaptive"] as const;
/** An early-stop rule's name. */
export type EarlyStopRuleName = typeof EARLY_STOP_RULES[number];

/** What the sampler is told before a new window. */
export type Decision = "more" | "stop";

/** An early-stop rule with its settings. */
export interface EarlyStopSettings {
  /** The rule. */
  rule: EarlyStopRuleName;
  /** Samples per window. Default 5. */
  window?: number;
  /** Most samples per problem. Default 10 (the paper's k). */
  max?: number;
  /** `adaptive` only: posterior probability needed to stop. Default 0.95. */
  threshold?: number;
}

/** Defaults of {@link EarlyStopSettings}. */
export const EARLY_STOP_DEFAULTS: Required<EarlyStopSettings> = {
  rule: "fixed",
  window: 5,
  max: 10,
  threshold: 0.95,
};

/**
 * Validates early-stop settings (e.g. from a config file) and fills in defaults.
 *
 * @example Fill in defaults
 * ```ts
 * import { resolveEarlyStop } from "./early_stop.ts";
 * import assert from "node:assert";
 * assert.deepEqual(resolveEarlyStop({ rule: "esc", window: 2 }), {
 *   rule: "esc", window: 2, max: 10, threshold: 0.95,
 * });
 * ```
 *
 * @throws {ConfigError} naming the setting at fault.
 */
export function resolveEarlyStop(settings: unknown): Required<EarlyStopSettings> {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new ConfigError("Invalid early-stop settings: must be an object");
  }
  const merged = { ...EARLY_STOP_DEFAULTS, ...settings } as Record<string, unknown>;
  const unknown = Object.keys(merged).find((key) => !(key in EARLY_STOP_DEFAULTS));
  if (unknown) throw new ConfigError(`Invalid early-stop settings: unknown setting "${unknown}"`);
  if (!(EARLY_STOP_RULES as readonly unknown[]).includes(merged.rule)) {
    throw new ConfigError(
      `Invalid early-stop setting "rule": must be one of ${EARLY_STOP_RULES.join(", ")}, got ${
        JSON.stringify(merged.rule)
      }`,
    );
  }
  for (const key of ["window", "max"]) {
    const value = merged[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new ConfigError(
        `Invalid early-stop setting "${key}": must be a positive integer, got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  const threshold = merged.threshold;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold <= 1)) {
    throw new ConfigError(
      `Invalid early-stop setting "threshold": must be in (0, 1], got ${JSON.stringify(threshold)}`,
    );
  }
  return merged as unknown as Required<EarlyStopSettings>;
}

/**
 * Decides whether a problem needs another window of samples.
 *
 * @example ESC stops when a whole window agrees
 * ```ts
 * import { decideEarlyStop } from "./early_stop.ts";
 * import assert from "node:assert";
 * const settings = { rule: "esc" as const, window: 3, max: 9 };
 * assert.equal(decideEarlyStop(settings, { drawn: 3, counts: [3], groups: [0, 0, 0] }), "stop");
 * assert.equal(decideEarlyStop(settings, { drawn: 3, counts: [2, 1], groups: [0, 1, 0] }), "more");
 * ```
 */
export function decideEarlyStop(settings: EarlyStopSettings, progress: VoteProgress): Decision {
  const { rule, window, max, threshold } = { ...EARLY_STOP_DEFAULTS, ...settings };
  if (progress.drawn >= max) return "stop";
  if (progress.drawn === 0) return "more";
  switch (rule) {
    case "fixed":
      return "more";
    case "esc": {
      if (progress.groups.length < window) return "more";
      const last = progress.groups.slice(-window);
      const agree = last[0] !== undefined && last.every((g) => g === last[0]);
      return agree ? "stop" : "more";
    }
    case "adaptive":
      return leaderPosterior(progress.counts) >= threshold ? "stop" : "more";
  }
}

/**
 * The posterior probability, under a uniform prior, that the answer with the most
 * votes is the most likely answer of the model: with at most two answers, the Beta
 * posterior over the top two (exact); with more, the Dirichlet posterior over all
 * answers seen (a one-dimensional integral, computed numerically). 0 without votes.
 *
 * @example Four agreeing votes give 1 - 2^-5
 * ```ts
 * import { leaderPosterior } from "./early_stop.ts";
 * import assert from "node:assert";
 * assert.equal(leaderPosterior([4]), 1 - 2 ** -5);
 * assert.equal(leaderPosterior([2, 2]), 0.5);
 * ```
 */
export function leaderPosterior(counts: readonly number[]): number {
  const sorted = counts.filter((c) => c > 0).sort((a, b) => b - a);
  if (sorted.length === 0) return 0;
  if (sorted.length <= 2) return betaPosterior(sorted[0], sorted[1] ?? 0);
  return dirichletPosterior(sorted);
}

/**
 * P(p1 > p2) for (p1, p2) ~ Beta(a + 1, b + 1): with integer parameters this is the
 * binomial tail P(Binomial(a + b + 1, 1/2) ≤ a).
 */
function betaPosterior(a: number, b: number): number {
  const n = a + b + 1;
  let term = 2 ** -n; // C(n, 0) / 2^n
  if (term === 0) return dirichletPosterior([a, b]);
  let sum = 0;
  for (let k = 0; k <= a; k++) {
    sum += term;
    term *= (n - k) / (k + 1);
  }
  return Math.min(1, sum);
}

/**
 * P(p1 > p_j for all j) for p ~ Dirichlet(counts + 1). With independent
 * G_i ~ Gamma(counts_i + 1) and p = G / ΣG, this is ∫ f_1(x) Π_{j>1} F_j(x) dx, where
 * f and F are the Gamma density and distribution functions (closed forms for
 * integer shapes); integrated with Simpson's rule over the range that holds the mass.
 */
function dirichletPosterior(counts: readonly number[]): number {
  const shapes = counts.map((c) => c + 1);
  const lead = shapes[0];
  const upper = lead + 12 * Math.sqrt(lead) + 12;
  const steps = 2000;
  const h = upper / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const x = i * h;
    let value = gammaDensity(lead, x);
    for (let j = 1; j < shapes.length && value > 0; j++) value *= gammaCdf(shapes[j], x);
    sum += value * (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

/** Density of Gamma(shape, 1) at x, for an integer shape ≥ 1. */
function gammaDensity(shape: number, x: number): number {
  if (x <= 0) return shape === 1 ? 1 : 0;
  return Math.exp((shape - 1) * Math.log(x) - x - logFactorial(shape - 1));
}

/** P(Gamma(shape, 1) ≤ x) = 1 - e^-x Σ_{k<shape} x^k / k!, for an integer shape ≥ 1. */
function gammaCdf(shape: number, x: number): number {
  if (x <= 0) return 0;
  let term = Math.exp(-x);
  let tail = 0;
  for (let k = 0; k < shape; k++) {
    tail += term;
    term *= x / (k + 1);
  }
  return Math.max(0, 1 - tail);
}

function logFactorial(n: number): number {
  let sum = 0;
  for (let k = 2; k <= n; k++) sum += Math.log(k);
  return sum;
}
