/**
 * The labelling rule sets a run can follow, and the settings each implies:
 *
 * - `default`: this project's defaults (judge comparison, at least 3 runs per input,
 *   margin 6, 64 pairs per problem).
 * - `confident`: the default labels, and only pairs whose calibrated confidence
 *   (`CodeTrust.pairConfidence`, `mathLabelConfidence`) is at least
 *   {@link CONFIDENT_MIN_CONFIDENCE} for their modality unless `--min-confidence`
 *   says otherwise. Pairs carry a confidence under every rule set; this one filters
 *   on it.
 * - `paper` and `paper-oss`: the paper's scripts, exactly (see `paper_rules.ts`):
 *   first-iteration (no minimum of runs) and later-iteration (at least 5 runs, empty
 *   outputs do not vote) code votes, margin 6, no pair cap.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { FeedbackSource } from "../model/feedback.ts";
import type { CodeVoteOptions } from "./code.ts";
import { PAPER_CODE_MARGIN, PAPER_CODE_MIN_PASS, paperCodeVote } from "./paper_rules.ts";

/** The rule sets, by name. */
export const LABEL_RULES = ["default", "confident", "paper", "paper-oss"] as const;

/** A rule set's name. */
export type LabelRules = typeof LABEL_RULES[number];

/**
 * The minimum confidence of the `confident` rules when none is given, by modality:
 * on the benchmark's data, code pairs at 0.3 or more are right 54–60% of the time
 * (the paper's rule: 33–36%) and keep a quarter to a third of its pairs; math pairs
 * at 0.5 or more are right 83% of the time on GSM8K.
 */
export const CONFIDENT_MIN_CONFIDENCE: Readonly<Record<"code" | "math", number>> = {
  code: 0.3,
  math: 0.5,
};

/** Code pair policy settings a rule set implies (unset: the policy's defaults). */
export interface RulePairSettings {
  /** Smallest score gap between chosen and rejected. */
  margin?: number;
  /** Share of the tests a chosen sample must pass. */
  minPassFraction?: number;
  /** Pairs per problem at most. */
  cap?: number;
}

function check(rules: string): LabelRules {
  if (!(LABEL_RULES as readonly string[]).includes(rules)) {
    throw new ConfigError(
      `Invalid label rules: must be one of ${LABEL_RULES.join(", ")}, got "${rules}"`,
    );
  }
  return rules as LabelRules;
}

/**
 * The `CodeVote` options (less `inputs`) of a rule set.
 *
 * @example The paper's later-iteration vote
 * ```ts
 * import { codeVoteRules } from "./rules.ts";
 * import assert from "node:assert";
 * assert.equal(codeVoteRules("paper-oss").minRuns, 5);
 * assert.deepEqual(codeVoteRules("default"), {});
 * ```
 */
export function codeVoteRules(rules: string): Omit<CodeVoteOptions, "inputs"> {
  const name = check(rules);
  if (name === "paper") return paperCodeVote("apps");
  if (name === "paper-oss") return paperCodeVote("oss");
  return {};
}

/**
 * The code pair settings of a rule set for tests from `feedback`.
 *
 * @example The paper pairs frontier tests with a margin of 6 and no cap
 * ```ts
 * import { codePairRules } from "./rules.ts";
 * import assert from "node:assert";
 * assert.deepEqual(codePairRules("paper", "frontier"), { margin: 6, minPassFraction: 0.5, cap: Infinity });
 * assert.deepEqual(codePairRules("default", "self_consistency"), {});
 * ```
 */
export function codePairRules(rules: string, feedback: FeedbackSource): RulePairSettings {
  const name = check(rules);
  if (feedback === "gold") return {};
  if (name === "paper" || name === "paper-oss") {
    return { margin: PAPER_CODE_MARGIN, minPassFraction: PAPER_CODE_MIN_PASS, cap: Infinity };
  }
  return {};
}

/**
 * The minimum confidence of a rule set's pairs of `kind`: the one given when above
 * 0, else {@link CONFIDENT_MIN_CONFIDENCE} for `confident` and 0 (every pair) for the
 * others.
 *
 * @example
 * ```ts
 * import { ruleMinConfidence } from "./rules.ts";
 * import assert from "node:assert";
 * assert.equal(ruleMinConfidence("confident", "code", 0), 0.3);
 * assert.equal(ruleMinConfidence("confident", "math", 0.8), 0.8);
 * assert.equal(ruleMinConfidence("paper", "code", 0), 0);
 * ```
 */
export function ruleMinConfidence(
  rules: string,
  kind: "code" | "math",
  minConfidence = 0,
): number {
  const name = check(rules);
  if (minConfidence > 0) return minConfidence;
  return name === "confident" ? CONFIDENT_MIN_CONFIDENCE[kind] : 0;
}

/** True for the paper's rule sets. */
export function isPaperRules(rules: string): boolean {
  const name = check(rules);
  return name === "paper" || name === "paper-oss";
}
