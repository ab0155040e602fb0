/**
 * Agreement of answer extraction and equivalence with upstream graders on real
 * data (`../shared/data`): GSM8K model solutions with `is_correct`, Qwen2.5-Math
 * samples with `pred` and `score`, and MATH-500 gold answers under rewrites and
 * across problems. Used by `bench/math.ts` and `tests/math_real_data_test.ts`.
 *
 * @module
 */

import { readJsonl } from "../io/jsonl.ts";
import type { Comparison } from "./equivalence.ts";
import { extractAnswer } from "./extract.ts";
import { normalizeAnswer } from "./normalize.ts";

/** An answer comparison to measure: {@link compareAnswers} or a baseline. */
export type Compare = (a: string, b: string) => Pick<Comparison, "equivalent" | "rule">;

/** The four GPT-3 solution fields of `gsm8k/model_solutions.jsonl`. */
export const GSM8K_MODELS = [
  "6b_finetuning",
  "6b_verification",
  "175b_finetuning",
  "175b_verification",
] as const;

interface Gsm8kProblem {
  question: string;
  answer: string;
}

type Gsm8kSolutions =
  & { question: string }
  & Record<
    (typeof GSM8K_MODELS)[number],
    { solution: string; is_correct: boolean }
  >;

/** One solution where a comparison and the upstream verdict differ. */
export interface Gsm8kDisagreement {
  line: number;
  model: string;
  gold: string;
  extracted: string | undefined;
  upstream: boolean;
  rule: string | undefined;
}

/** Agreement with `is_correct` over every GSM8K model solution. */
export interface Gsm8kAgreement {
  solutions: number;
  agree: number;
  /** Solutions whose answer came from the last-number fallback (no `A:`/`####` line). */
  lastNumber: number;
  disagreements: Gsm8kDisagreement[];
}

/**
 * Extracts the answer of each of the four model solutions of every GSM8K test
 * problem (numeric fallback on) and compares it with the gold answer after `####`,
 * counting agreement with the upstream `is_correct`.
 */
export async function gsm8kAgreement(dataDir: string, compare: Compare): Promise<Gsm8kAgreement> {
  const problems = readJsonl<Gsm8kProblem>(`${dataDir}/gsm8k/test.jsonl`);
  const report: Gsm8kAgreement = { solutions: 0, agree: 0, lastNumber: 0, disagreements: [] };
  let line = 0;
  try {
    for await (const row of readJsonl<Gsm8kSolutions>(`${dataDir}/gsm8k/model_solutions.jsonl`)) {
      line++;
      const problem = await problems.next();
      if (problem.done || problem.value.question !== row.question) {
        throw new Error(`GSM8K files disagree at line ${line}: the questions differ`);
      }
      const gold = extractAnswer(problem.value.answer) ?? "";
      for (const model of GSM8K_MODELS) {
        const { solution, is_correct: upstream } = row[model];
        const extracted = extractAnswer(solution, { numeric: true });
        if (extracted !== undefined && extractAnswer(solution) === undefined) report.lastNumber++;
        const result = extracted === undefined ? undefined : compare(extracted, gold);
        report.solutions++;
        if ((result?.equivalent ?? false) === upstream) report.agree++;
        else {
          report.disagreements.push({ line, model, gold, extracted, upstream, rule: result?.rule });
        }
      }
    }
  } finally {
    await problems.return(undefined);
  }
  return report;
}

interface MathSamplesRecord {
  idx: number;
  gt: string;
  response: string[];
  pred: string[];
  score: boolean[];
}

/** One response where the comparison of `pred` with `gt` and the upstream `score` differ. */
export interface ScoreDisagreement {
  idx: number;
  pred: string;
  gt: string;
  upstream: boolean;
  rule: string;
}

/** Agreement with the Qwen2.5-Math evaluation's `pred` and `score`. */
export interface MathSamplesAgreement {
  responses: number;
  /** Extracted answer identical to `pred`. */
  extractedIdentical: number;
  /** Extracted answer with the same normal form as `pred` (`normalizeAnswer`). */
  extractedNormalized: number;
  /** Comparing `pred` with `gt` gives `score`. */
  scoreAgree: number;
  /** Comparing the extracted answer with `gt` gives `score`. */
  extractedScoreAgree: number;
  disagreements: ScoreDisagreement[];
  /** The (extracted answer, gold) pairs, for throughput measurements. */
  pairs: [string, string][];
}

/** Extraction and equivalence against `math_samples/math_cot_dev.jsonl` (400 responses). */
export async function mathSamplesAgreement(
  dataDir: string,
  compare: Compare,
): Promise<MathSamplesAgreement> {
  const report: MathSamplesAgreement = {
    responses: 0,
    extractedIdentical: 0,
    extractedNormalized: 0,
    scoreAgree: 0,
    extractedScoreAgree: 0,
    disagreements: [],
    pairs: [],
  };
  const path = `${dataDir}/math_samples/math_cot_dev.jsonl`;
  for await (const record of readJsonl<MathSamplesRecord>(path)) {
    record.response.forEach((response, i) => {
      const pred = record.pred[i];
      const upstream = record.score[i];
      const extracted = extractAnswer(response) ?? "";
      report.responses++;
      if (extracted === pred) report.extractedIdentical++;
      if (normalizeAnswer(extracted) === normalizeAnswer(pred)) report.extractedNormalized++;
      const result = compare(pred, record.gt);
      if (result.equivalent === upstream) report.scoreAgree++;
      else {
        report.disagreements.push({
          idx: record.idx,
          pred,
          gt: record.gt,
          upstream,
          rule: result.rule,
        });
      }
      if (compare(extracted, record.gt).equivalent === upstream) report.extractedScoreAgree++;
      report.pairs.push([extracted, record.gt]);
    });
  }
  return report;
}

/** Rewrites of a gold answer that must not change it. */
export const GOLD_REWRITES: Record<string, (answer: string) => string> = {
  "\\frac→\\dfrac": (s) => s.replace(/\\frac/g, "\\dfrac"),
  "\\dfrac→\\frac": (s) => s.replace(/\\[dt]frac/g, "\\frac"),
  "spaces": (s) => s.replace(/(?<!\\)([(){}[\],+=])/g, " $1 "),
  "\\left/\\right": (s) =>
    s.replace(/(?<!\\(?:left|right)?)([([])/g, "\\left$1")
      .replace(/(?<!\\(?:left|right)?)([)\]])/g, "\\right$1"),
  "\\boxed{}": (s) => `\\boxed{${s}}`,
  "$…$": (s) => `$${s}$`,
  "all of them": (s) =>
    `$\\boxed{${
      GOLD_REWRITES["\\left/\\right"](GOLD_REWRITES.spaces(s.replace(/\\frac/g, "\\dfrac")))
    }}$`,
};

/** MATH-500 gold answers: equivalent to their rewrites, and to other problems' golds only when equal. */
export interface Math500Agreement {
  answers: number;
  /** Reference solutions whose extracted answer is equivalent to the gold answer. */
  solutionsAgree: number;
  /** Rewrites that changed the text. */
  rewrites: number;
  rewritesEquivalent: number;
  rewriteFailures: { answer: string; rewrite: string; rule: string }[];
  /** Pairs of problems whose gold answers differ as strings. */
  crossPairs: number;
  /** Those pairs judged equivalent (each to be checked by hand). */
  crossEquivalent: { a: string; b: string; rule: string }[];
}

/**
 * MATH-500: the answer extracted from each reference solution vs the gold answer,
 * self-equivalence under {@link GOLD_REWRITES}, and cross-problem comparisons.
 */
export async function math500Agreement(
  dataDir: string,
  compare: Compare,
): Promise<Math500Agreement> {
  const answers: string[] = [];
  let solutionsAgree = 0;
  const path = `${dataDir}/math500/test.jsonl`;
  for await (const row of readJsonl<{ answer: string; solution: string }>(path)) {
    answers.push(row.answer);
    const extracted = extractAnswer(row.solution);
    if (extracted !== undefined && compare(extracted, row.answer).equivalent) solutionsAgree++;
  }
  const report: Math500Agreement = {
    answers: answers.length,
    solutionsAgree,
    rewrites: 0,
    rewritesEquivalent: 0,
    rewriteFailures: [],
    crossPairs: 0,
    crossEquivalent: [],
  };
  for (const answer of answers) {
    for (const [rewrite, apply] of Object.entries(GOLD_REWRITES)) {
      const rewritten = apply(answer);
      if (rewritten === answer) continue;
      report.rewrites++;
      const result = compare(answer, rewritten);
      if (result.equivalent) report.rewritesEquivalent++;
      else report.rewriteFailures.push({ answer, rewrite, rule: result.rule });
    }
  }
  for (let i = 0; i < answers.length; i++) {
    for (let j = i + 1; j < answers.length; j++) {
      if (answers[i] === answers[j]) continue;
      report.crossPairs++;
      const result = compare(answers[i], answers[j]);
      if (result.equivalent) {
        report.crossEquivalent.push({ a: answers[i], b: answers[j], rule: result.rule });
      }
    }
  }
  return report;
}

/** Decides whether a prediction (a full solution or a bare answer) answers like the gold. */
export type Verify = (gold: string, prediction: string) => boolean;

/** Agreement of a one-call verifier with the upstream verdicts, per answer form. */
export interface VerifyAgreement {
  /** Form → [agreeing, total]. */
  forms: Record<string, [number, number]>;
  /** The first few disagreements of each form. */
  disagreements: { form: string; id: string; gold: string; upstream: boolean }[];
}

/** The last `\boxed{…}` of a response replaced by its bare content. */
function unbox(response: string): string | undefined {
  const start = response.lastIndexOf("\\boxed{");
  if (start === -1) return undefined;
  let depth = 0;
  for (let i = start + 6; i < response.length; i++) {
    if (response[i] === "{") depth++;
    else if (response[i] === "}" && --depth === 0) {
      return response.slice(0, start) + response.slice(start + 7, i) + response.slice(i + 1);
    }
  }
  return undefined;
}

/**
 * A one-call verifier (gold, full solution) on real outputs, against the upstream
 * verdicts: GSM8K gold solutions (`#### 18`) vs the four model solutions
 * (`is_correct`); math_samples gold vs each response as written, with its last box
 * unwrapped (the answer left in display or inline math only), and with a
 * "Final Answer: The final answer is $…$." line after it (the upstream `score`).
 */
export async function verifyAgreement(dataDir: string, verify: Verify): Promise<VerifyAgreement> {
  const report: VerifyAgreement = { forms: {}, disagreements: [] };
  const count = (form: string, id: string, gold: string, agree: boolean, upstream: boolean) => {
    const tally = report.forms[form] ??= [0, 0];
    tally[1]++;
    if (agree) tally[0]++;
    else report.disagreements.push({ form, id, gold, upstream });
  };
  const problems = readJsonl<Gsm8kProblem>(`${dataDir}/gsm8k/test.jsonl`);
  let line = 0;
  try {
    for await (const row of readJsonl<Gsm8kSolutions>(`${dataDir}/gsm8k/model_solutions.jsonl`)) {
      line++;
      const problem = await problems.next();
      if (problem.done) break;
      for (const model of GSM8K_MODELS) {
        const { solution, is_correct: upstream } = row[model];
        const verdict = verify(problem.value.answer, solution);
        count(
          "GSM8K solution",
          `${line} ${model}`,
          problem.value.answer,
          verdict === upstream,
          upstream,
        );
      }
    }
  } finally {
    await problems.return(undefined);
  }
  for await (
    const record of readJsonl<MathSamplesRecord>(`${dataDir}/math_samples/math_cot_dev.jsonl`)
  ) {
    record.response.forEach((response, i) => {
      const upstream = record.score[i];
      const id = `${record.idx}/${i}`;
      count(
        "math_samples boxed",
        id,
        record.gt,
        verify(record.gt, response) === upstream,
        upstream,
      );
      const unboxed = unbox(response);
      if (unboxed !== undefined) {
        const verdict = verify(record.gt, unboxed);
        count("math_samples unboxed", id, record.gt, verdict === upstream, upstream);
      }
      const late =
        `${response}\n\nFinal Answer: The final answer is $${record.gt}$. I hope it is correct.`;
      count("math_samples late final answer", id, record.gt, verify(record.gt, late), true);
    });
  }
  return report;
}
