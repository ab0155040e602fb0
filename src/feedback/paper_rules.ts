/**
 * The paper's labelling rules, exactly as its official scripts apply them
 * (microsoft/unilm, folder PFPO), for comparison with this project's defaults.
 *
 * - Code (`scripts/apps/pseudo_test_cases/collect_pseudo_outputs.py` and
 *   `oss_combine_collect_pseudo_outputs.py`): only runs that ended `ok` vote; outputs
 *   are compared as exact strings; the most common output wins, ties to the output
 *   seen first; an input is kept with at least one voting run (`"apps"`) or at least
 *   five, empty outputs not voting (`"oss"`, `--min_success_test_num 5`). A program
 *   scores the kept inputs it agrees on; pairs take every program passing at least
 *   half of them against every program scoring at least 6 less
 *   (`--pass_case_margin 6 --pass_case_lower_bound 0.5`, self-consistency and
 *   frontier tests alike), with no cap.
 * - Math (`scripts/math_scale/construct_prefer_pair_sc.py` with
 *   `post_processors/openai_api_callback.py`): the label is the most common
 *   non-empty extracted answer as an exact string (ties to the first seen); its
 *   share counts every sample, those without an answer too, and the label is kept
 *   only when the share is strictly above the filter (`--top_p`, default 0).
 *   Positives are the samples whose answer is equivalent to the label, negatives
 *   all the others (no answer included).
 *
 * @module
 */
import { extractAnswer, isEquivalent } from "../math/mod.ts";
import type { ScoredSample, Vote } from "../model/feedback.ts";
import type { Sample } from "../model/sample.ts";
import type { Equivalence } from "./answer_vote.ts";
import type { CodeVoteOptions } from "./code.ts";
import { mathLabelConfidence } from "./confidence.ts";
import type { MathFeedback } from "./math.ts";

/** The two code scripts of the paper: APPS-style (first iteration) and OSS-style (later ones). */
export type PaperCodeVariant = "apps" | "oss";

/** The paper's score margin of code pairs (self-consistency and frontier tests). */
export const PAPER_CODE_MARGIN = 6;

/** The paper's share of the kept inputs a chosen program passes. */
export const PAPER_CODE_MIN_PASS = 0.5;

/**
 * The {@link CodeVoteOptions} (less `inputs`) that make a `CodeVote` follow the
 * paper's code script: exact string comparison, and the script's minimum of
 * voting runs and its handling of empty outputs.
 *
 * @example The OSS-style script
 * ```ts
 * import { paperCodeVote } from "./paper_rules.ts";
 * import assert from "node:assert";
 * const options = paperCodeVote("oss");
 * assert.equal(options.minRuns, 5);
 * assert.equal(options.skipEmpty, true);
 * assert.equal(options.same!("1.0", "1"), false);
 * ```
 */
export function paperCodeVote(variant: PaperCodeVariant): Omit<CodeVoteOptions, "inputs"> {
  return {
    same: (a, b) => a === b,
    minRuns: variant === "oss" ? 5 : 1,
    skipEmpty: variant === "oss",
  };
}

/** Options for {@link paperMathFeedback}. */
export interface PaperMathOptions {
  /** The label's share of all samples must be strictly above this (`--top_p`). Default 0. */
  minShare?: number;
  /** Compares an answer with the label. Default `isEquivalent`. */
  equivalent?: Equivalence;
  /** Final answer of a completion. Default `extractAnswer`. */
  extract?: (completion: string) => string | undefined;
}

/**
 * Labels one math problem's samples by the paper's rule and scores them: 1 when the
 * answer is equivalent to the label, 0 otherwise (no answer included). `scored` is
 * empty when the label was filtered out.
 *
 * @example Empty answers count in the share
 * ```ts
 * import { paperMathFeedback } from "./paper_rules.ts";
 * import assert from "node:assert";
 * const samples = ["\\boxed{4}", "\\boxed{4}", "no answer", "\\boxed{5}"].map((completion, index) => ({
 *   problem_id: "p", index, completion,
 * }));
 * const { vote, scored } = paperMathFeedback("p", samples, { minShare: 0.5 });
 * assert.equal(vote.label, "4");
 * assert.equal(vote.kept, false); // 2 of 4 is not strictly above 0.5
 * assert.deepEqual(scored, []);
 * ```
 */
export function paperMathFeedback(
  problemId: string,
  samples: readonly Sample[],
  options: PaperMathOptions = {},
): MathFeedback {
  const extract = options.extract ?? ((text: string) => extractAnswer(text));
  const answers = samples.map((s) => s.failure ? "" : (extract(s.completion)?.trim() ?? ""));
  const counts = new Map<string, number>();
  for (const answer of answers) if (answer) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  let label: string | undefined;
  for (const [answer, count] of counts) {
    if (label === undefined || count > counts.get(label)!) label = answer;
  }
  const votes = label === undefined ? 0 : counts.get(label)!;
  const share = answers.length ? votes / answers.length : 0;
  const kept = label !== undefined && share > (options.minShare ?? 0);
  const vote: Vote = {
    problem_id: problemId,
    ...(label !== undefined && { label }),
    votes,
    total: answers.filter(Boolean).length,
    decided: true,
    kept,
  };
  const confidence = label === undefined
    ? undefined
    : mathLabelConfidence([...counts.values()], [...counts.keys()].indexOf(label), answers.length);
  if (!kept) return { vote, scored: [], ...(confidence !== undefined && { confidence }) };
  const equivalent = options.equivalent ?? isEquivalent;
  const scored = samples.map((sample, i): ScoredSample => ({
    problem_id: sample.problem_id,
    index: sample.index,
    completion: sample.completion,
    ...(answers[i] && { extracted: answers[i] }),
    score: answers[i] && equivalent(answers[i], label!) ? 1 : 0,
    max_score: 1,
    feedback: "self_consistency",
  }));
  return { vote, scored, ...(confidence !== undefined && { confidence }) };
}
