/**
 * Pseudo-feedback quality on real model samples: the paper's rules, the default
 * rules and the confidence-aware ones side by side, on the same data, with truth
 * from gold answers and gold tests.
 *
 * 1. Math: `math_samples/math_cot_dev.jsonl` (50 MATH problems × 8 Qwen2.5-Math
 *    samples) and `gsm8k/model_solutions.jsonl` (1,319 GSM8K problems × 4 GPT-3
 *    solutions): majority-vote label accuracy, early-stop savings (MATH), and per
 *    rule the pairs made, their precision (chosen right and rejected wrong against
 *    the gold answer) and the calibration error of their confidence; label accuracy
 *    by vote pattern (the ceiling of any rule that reads only the counts); the label
 *    model refitted on each half of GSM8K and on MATH, its calibration measured on
 *    the other sets; the frontier label's confidence on a simulated frontier.
 * 2. Code: HumanEval × CodeGen-16B (82 tasks, 100 programs, inputs from the
 *    model-written asserts; the same tasks cut into five slices of 20 programs) and
 *    the five APPS problems (their tests' inputs): per rule the pairs made (no cap),
 *    their precision against HumanEval's `check()` or APPS's verdicts, the pass rate
 *    of the top-scored program against a random pick, CodeT's dual agreement and the
 *    trusted dual agreement, and the calibration error of the confidence, in sample
 *    and held out (models cross-fitted by task halves); then the calibration checked
 *    across sets (models refitted on one set, measured on the others).
 *
 * Executions are cached in `/tmp/pfpo-bench-feedback.db` (`--cache PATH`), so a second
 * run re-labels without running programs.
 *
 * Run: deno run -A bench/feedback.ts [--math-only] [--tasks N] [--cache PATH]
 */
import { parseArgs } from "node:util";
import {
  ANSWER_GROUP_FEATURES,
  answerGroupFeatures,
  AnswerVote,
  canonicalFromPython,
  CLUSTER_FEATURES,
  CODE_CLUSTER_MODEL,
  CODE_PAIR_MODEL,
  codePairs,
  CodeTrust,
  CodeVote,
  CONFIDENT_MIN_CONFIDENCE,
  countPasses,
  differingInputs,
  dualAgreement,
  type EarlyStopSettings,
  ExecutionCache,
  expectedCalibrationError,
  fitLogistic,
  isEquivalent,
  type LogisticModel,
  MATH_LABEL_MODEL,
  type MathFeedback,
  type MathPairMode,
  mathPairs,
  MathSelfConsistency,
  Metrics,
  openRunDatabase,
  paperCodeVote,
  paperMathFeedback,
  predictLogistic,
  reliabilityBins,
  SandboxPool,
  scoreCodeSamples,
  scoreMathAnswers,
  trustedDualAgreement,
} from "../mod.ts";
import {
  appsTasks,
  cachedRun,
  type CodeTask,
  DATA,
  gsm8kSamples,
  humanEvalTasks,
  mathAnswer,
  type MathItem,
  qwenMath,
} from "./feedback/data.ts";

/** How the report names the data folder (relative to the project root). */
const DATA_NAME = "../shared/data/";

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .join("\n");
}

const pct = (part: number, whole: number) => whole ? `${(100 * part / whole).toFixed(1)}%` : "n/a";
const ece = (confidences: number[], outcomes: boolean[]) => {
  const value = expectedCalibrationError(reliabilityBins(confidences, outcomes));
  return Number.isNaN(value) ? "n/a" : value.toFixed(3);
};

// ---------------------------------------------------------------------------- math

/** Pair tallies of one rule. */
interface PairTally {
  problems: number;
  pairs: number;
  precise: number;
  confidences: number[];
  outcomes: boolean[];
}

const emptyTally = (): PairTally => ({
  problems: 0,
  pairs: 0,
  precise: 0,
  confidences: [],
  outcomes: [],
});

/** The default minimum confidence of the confident rules, by modality. */
const MIN_CONFIDENCE = CONFIDENT_MIN_CONFIDENCE;

function mathLabels(
  items: readonly MathItem[],
  options: { minShare?: number; labelModel?: LogisticModel } = {},
): MathFeedback[] {
  const k = Math.max(...items.map((p) => p.samples.length));
  const sc = new MathSelfConsistency({
    equivalent: isEquivalent,
    extract: mathAnswer,
    earlyStop: { rule: "fixed", max: k },
    ...options,
  });
  return items.map((p) => sc.finish(p.id, p.samples));
}

/** The pairs of one math rule checked against the gold answers. */
function mathTally(
  items: readonly MathItem[],
  label: (p: MathItem, i: number) => MathFeedback,
  options: { mode: MathPairMode; min?: number },
): PairTally {
  const t = emptyTally();
  items.forEach((p, i) => {
    const feedback = label(p, i);
    const right = new Map(p.samples.map((s) => [s.completion, p.right[s.index]]));
    const pairs = mathPairs(feedback.scored, {
      prompt: p.prompt,
      run: "bench",
      seed: 0,
      mode: options.mode,
      confidence: () => feedback.confidence ?? 0,
      minConfidence: options.min,
    });
    if (pairs.length) t.problems++;
    for (const pair of pairs) {
      const precise = right.get(pair.chosen) === true && right.get(pair.rejected) === false;
      t.pairs++;
      if (precise) t.precise++;
      t.confidences.push(pair.confidence!);
      t.outcomes.push(precise);
    }
  });
  return t;
}

function mathPairTable(name: string, items: readonly MathItem[]): void {
  const defaults = mathLabels(items);
  const halves = mathLabels(items, { minShare: 0.5 });
  const rules: { rule: string; label: (p: MathItem, i: number) => MathFeedback; min?: number }[] = [
    { rule: "paper", label: (p) => paperMathFeedback(p.id, p.samples, { extract: mathAnswer }) },
    {
      rule: "paper, share > 0.5",
      label: (p) => paperMathFeedback(p.id, p.samples, { extract: mathAnswer, minShare: 0.5 }),
    },
    { rule: "default", label: (_, i) => defaults[i] },
    { rule: "default, share ≥ 0.5", label: (_, i) => halves[i] },
    {
      rule: `confident ≥ ${MIN_CONFIDENCE.math}`,
      label: (_, i) => defaults[i],
      min: MIN_CONFIDENCE.math,
    },
    { rule: "  confidence ≥ 0.7", label: (_, i) => defaults[i], min: 0.7 },
  ];
  const rows: (string | number)[][] = [];
  for (const mode of ["one", "each_positive"] as MathPairMode[]) {
    let paperPairs = 0;
    for (const { rule, label, min } of rules) {
      const t = mathTally(items, label, { mode, min });
      if (rule === "paper") paperPairs = t.pairs;
      rows.push([
        `${rule} (${mode})`,
        t.problems,
        t.pairs,
        (t.pairs / paperPairs).toFixed(2),
        t.precise,
        pct(t.precise, t.pairs),
        ece(t.confidences, t.outcomes),
      ]);
    }
  }
  console.log(
    `\nPairs, ${name} (precise = chosen right and rejected wrong against the gold answer):\n`,
  );
  console.log(table(
    ["rule (mode)", "problems decided", "pairs", "vs paper", "precise", "precision", "ECE"],
    rows,
  ));
}

/** A problem's vote: counts per answer group (samples without an answer left out) and its leader. */
function mathVote(p: MathItem) {
  const vote = new AnswerVote({ equivalent: isEquivalent });
  p.samples.forEach((s) => vote.add(s.index, mathAnswer(s.completion)?.trim() || undefined));
  return { counts: vote.progress().counts, leader: vote.leader() };
}

/**
 * Label accuracy by vote pattern (votes per answer, biggest first; `·n`: samples
 * without an answer): what any rule that reads only the counts can reach.
 */
function votePatternTable(name: string, items: readonly MathItem[]): void {
  const patterns = new Map<string, { problems: number; right: number }>();
  for (const p of items) {
    const { counts, leader } = mathVote(p);
    const unanswered = p.samples.length - counts.reduce((a, b) => a + b, 0);
    const key = [...counts].sort((a, b) => b - a).join("-") + (unanswered ? ` ·${unanswered}` : "");
    const row = patterns.get(key) ?? { problems: 0, right: 0 };
    row.problems++;
    if (leader && isEquivalent(p.gt, leader.answer)) row.right++;
    patterns.set(key, row);
  }
  const rows = [...patterns].sort(([, a], [, b]) => b.problems - a.problems).slice(0, 10)
    .map(([key, r]) => [key || "(no answer)", r.problems, r.right, pct(r.right, r.problems)]);
  console.log(`\nLabel accuracy by vote pattern, ${name} (the ten most frequent patterns):\n`);
  console.log(table(["votes per answer", "problems", "label right", "accuracy"], rows));
}

/**
 * The frontier label's confidence checked on a simulated frontier: one solution of
 * each problem stands for the frontier model's answer, the others for the policy's
 * samples (`MATH_FRONTIER_MODEL` was fitted with GSM8K's 175B verifier-selected
 * solution as the frontier).
 */
function frontierTable(gsm8k: readonly MathItem[], math: readonly MathItem[]): void {
  const cases: [string, readonly MathItem[], number][] = [
    ["GSM8K, frontier = 175B verification (fitted on)", gsm8k, 3],
    ["GSM8K, frontier = 175B fine-tuning", gsm8k, 2],
    ["GSM8K, frontier = 6B verification", gsm8k, 1],
    ["MATH, frontier = sample 0, policy = the other 7", math, 0],
  ];
  const rows = cases.map(([name, items, f]) => {
    const confidences: number[] = [];
    const outcomes: boolean[] = [];
    for (const p of items) {
      const label = mathAnswer(p.samples[f].completion)?.trim();
      if (!label) continue;
      const { confidence } = scoreMathAnswers(p.samples.filter((s) => s.index !== f), {
        problemId: p.id,
        label,
        feedback: "frontier",
        extract: mathAnswer,
      });
      confidences.push(confidence!);
      outcomes.push(p.right[f]);
    }
    const right = outcomes.filter(Boolean).length;
    const mean = confidences.reduce((a, b) => a + b, 0) / confidences.length;
    return [
      name,
      outcomes.length,
      pct(right, outcomes.length),
      mean.toFixed(3),
      ece(confidences, outcomes),
    ];
  });
  console.log("\nMath-frontier label confidence on a simulated frontier:\n");
  console.log(table(["frontier", "labels", "right", "mean confidence", "ECE"], rows));
}

/** The math label model fitted on a set: problems whose samples disagree, label right or not. */
function fitMathModel(items: readonly MathItem[]): LogisticModel {
  const xs: number[][] = [];
  const ys: boolean[] = [];
  for (const p of items) {
    const { counts, leader } = mathVote(p);
    if (!leader || leader.votes === p.samples.length) continue;
    const f = answerGroupFeatures(counts, leader.group, p.samples.length);
    xs.push(ANSWER_GROUP_FEATURES.map((k) => f[k]));
    ys.push(isEquivalent(p.gt, leader.answer));
  }
  return fitLogistic(xs, ys, { features: ANSWER_GROUP_FEATURES });
}

/** Items split in two halves by position (even, odd). */
function halvesOf<T>(items: readonly T[], key: (item: T) => string): [T[], T[]] {
  const keys = [...new Set(items.map(key))];
  const half = new Map(keys.map((k, i) => [k, i % 2]));
  return [items.filter((x) => half.get(key(x)) === 0), items.filter((x) => half.get(key(x)) === 1)];
}

/**
 * The math label model checked held out: refitted on each half of GSM8K and on the
 * MATH samples, its pairs' calibration error measured on the sets it was not fitted
 * on (`default` labels, `one` pair per problem, every pair).
 */
function mathHeldOut(gsm8k: readonly MathItem[], math: readonly MathItem[]): void {
  const [a, b] = halvesOf(gsm8k, (p) => p.id);
  const sets: [string, MathItem[]][] = [["GSM8K even", a], ["GSM8K odd", b], ["MATH", [...math]]];
  const fits: [string, LogisticModel][] = [
    ["shipped (all of GSM8K)", MATH_LABEL_MODEL],
    ["fitted on GSM8K even", fitMathModel(a)],
    ["fitted on GSM8K odd", fitMathModel(b)],
    ["fitted on MATH", fitMathModel(math)],
  ];
  console.log(
    "\nMath calibration held out (ECE of every `one` pair of the default labels; " +
      "in brackets: the model was fitted on that set):\n",
  );
  console.log(table(
    ["label model", ...sets.map(([name]) => name)],
    fits.map(([label, labelModel]) => [
      label,
      ...sets.map(([name, items]) => {
        const feedback = mathLabels(items, { labelModel });
        const t = mathTally(items, (_, i) => feedback[i], { mode: "one" });
        const value = ece(t.confidences, t.outcomes);
        const inSample = label.includes(name) || (label.startsWith("shipped") && name !== "MATH");
        return inSample ? `(${value})` : value;
      }),
    ]),
  ));
}

async function mathReport(): Promise<void> {
  const problems = await qwenMath();
  const k = Math.max(...problems.map((p) => p.samples.length));
  const labelsBy = (equivalent: (a: string, b: string) => boolean) => {
    const sc = new MathSelfConsistency({ equivalent, earlyStop: { rule: "fixed", max: k } });
    return problems.map((p) => sc.finish(p.id, p.samples));
  };
  const correct = (label: string | undefined, gt: string) =>
    label !== undefined && isEquivalent(label, gt);
  const full = labelsBy(isEquivalent);
  const fullRight = full.filter((f, i) => correct(f.vote.label, problems[i].gt)).length;
  const stringRight = labelsBy((a, b) => a === b)
    .filter((f, i) => correct(f.vote.label, problems[i].gt)).length;
  const sampleRight = problems.reduce((n, p) => n + p.right.filter(Boolean).length, 0);
  const sampleCount = problems.reduce((n, p) => n + p.samples.length, 0);
  const oracle = problems.filter((p) => p.right.some(Boolean)).length;
  console.log(
    `## Math self-consistency: ${problems.length} problems × ${k} samples ` +
      `(${DATA_NAME}math_samples/math_cot_dev.jsonl)\n`,
  );
  console.log(table(["label", "right vs gt", "accuracy"], [
    ["majority vote, isEquivalent groups", fullRight, pct(fullRight, problems.length)],
    ["majority vote, string-equal groups", stringRight, pct(stringRight, problems.length)],
    ["single sample (mean)", (sampleRight / k).toFixed(1), pct(sampleRight, sampleCount)],
    ["any sample right (oracle bound)", oracle, pct(oracle, problems.length)],
  ]));

  console.log(`\nEarly stop (baseline: all ${k} samples, fixed k = ${k}):\n`);
  const rules: EarlyStopSettings[] = [
    { rule: "fixed", window: k, max: k },
    { rule: "esc", window: 2, max: k },
    { rule: "esc", window: 4, max: k },
    { rule: "adaptive", window: 1, max: k, threshold: 0.95 },
    { rule: "adaptive", window: 2, max: k, threshold: 0.95 },
    { rule: "adaptive", window: 1, max: k, threshold: 0.8 },
  ];
  const rows: (string | number)[][] = [];
  for (const settings of rules) {
    const metrics = new Metrics();
    const sc = new MathSelfConsistency({ equivalent: isEquivalent, earlyStop: settings, metrics });
    let drawn = 0;
    let agree = 0;
    let right = 0;
    problems.forEach((p, i) => {
      let n = 0;
      while (n < p.samples.length && sc.decide(p.id, p.samples.slice(0, n)) === "more") {
        n = Math.min(n + settings.window!, p.samples.length);
      }
      const { vote } = sc.finish(p.id, p.samples.slice(0, n));
      drawn += n;
      const fullLabel = full[i].vote.label;
      if (
        vote.label === fullLabel ||
        (vote.label !== undefined && fullLabel !== undefined && isEquivalent(vote.label, fullLabel))
      ) agree++;
      if (correct(vote.label, p.gt)) right++;
    });
    const saved = (await metrics.registry.getSingleMetricAsString(
      "pfpo_early_stop_samples_saved_total",
    )).match(/\} (\d+)/)?.[1] ?? "0";
    const name = settings.rule === "adaptive"
      ? `adaptive w=${settings.window} p≥${settings.threshold}`
      : `${settings.rule} w=${settings.window}`;
    rows.push([
      name,
      drawn,
      (drawn / problems.length).toFixed(2),
      (drawn / sampleCount).toFixed(3),
      saved,
      pct(agree, problems.length),
      pct(right, problems.length),
    ]);
  }
  console.log(table(
    [
      "rule",
      "drawn",
      "per problem",
      `ratio vs ${k}`,
      "saved (metric)",
      "agrees w/ full vote",
      "label accuracy",
    ],
    rows,
  ));

  mathPairTable(`MATH × ${k} Qwen2.5-Math samples`, problems);
  votePatternTable("MATH", problems);
  const gsm8k = await gsm8kSamples();
  mathPairTable(`GSM8K, ${gsm8k.length} problems × 4 GPT-3 solutions`, gsm8k);
  votePatternTable("GSM8K", gsm8k);
  mathHeldOut(gsm8k, problems);
  frontierTable(gsm8k, problems);
}

// ---------------------------------------------------------------------------- code

/** How one rule labelled a task: each program's score and the pair policy's settings. */
interface CodeLabels {
  scores: number[];
  maxScore: number;
  margin: number;
  minPass: number;
}

/** The score margin of the trusted-cluster rule's pairs: any disagreement with the cluster. */
const TRUSTED_MARGIN = 1;

const RULES: Record<string, (t: CodeTask, trust: CodeTrust) => CodeLabels> = {
  paper: (t) => voteLabels(t, new CodeVote(t.id, { inputs: t.inputs, ...paperCodeVote("apps") })),
  default: (t) => voteLabels(t, new CodeVote(t.id, { inputs: t.inputs })),
  trusted: (t, trust) => ({
    scores: t.samples.map((s) => trust.score(s.index)),
    maxScore: trust.maxScore,
    margin: TRUSTED_MARGIN,
    minPass: 1,
  }),
};

function voteLabels(t: CodeTask, vote: CodeVote): CodeLabels {
  t.results.forEach((results, p) => vote.addProgram(p, results));
  vote.close();
  return {
    scores: t.samples.map((s) => vote.score(s.index)),
    maxScore: vote.kept,
    margin: 6,
    minPass: 0.5,
  };
}

/** The index of the highest score, ties to the earliest. */
function topIndex(scores: readonly number[]): number {
  let best = 0;
  scores.forEach((score, i) => {
    if (score > scores[best]) best = i;
  });
  return best;
}

interface CodeTally extends PairTally {
  tasks: number;
  top: number;
}

function codeTally(
  tasks: readonly CodeTask[],
  rule: string,
  options: { minConfidence?: number; models?: ModelsOf },
): CodeTally {
  const t: CodeTally = { ...emptyTally(), tasks: 0, top: 0 };
  for (const task of tasks) {
    const trust = trustOf(task, options.models?.(task));
    const labels = RULES[rule](task, trust);
    t.tasks++;
    // The most trusted program among the top-scored ones (the trusted rule: its cluster).
    const top = rule === "trusted"
      ? trust.trusted?.programs[0] ?? 0
      : topIndex(labels.scores.map((score, p) => score + trust.trust(p)));
    if (task.passes[top]) t.top++;
    if (labels.maxScore === 0) continue;
    const scored = scoreCodeSamples(task.samples, {
      score: (i) => labels.scores[i],
      maxScore: labels.maxScore,
      feedback: "self_consistency",
    });
    const pairs = codePairs(scored, {
      prompt: task.prompt,
      run: "bench",
      cap: Infinity,
      margin: labels.margin,
      minPassFraction: labels.minPass,
      confidence: (c, r) => trust.pairConfidence(c.index, r.index),
      minConfidence: options.minConfidence,
    });
    const passOf = new Map(task.samples.map((s) => [s.completion, task.passes[s.index]]));
    if (pairs.length) t.problems++;
    for (const pair of pairs) {
      const precise = passOf.get(pair.chosen) === true && passOf.get(pair.rejected) === false;
      t.pairs++;
      if (precise) t.precise++;
      t.confidences.push(pair.confidence!);
      t.outcomes.push(precise);
    }
  }
  return t;
}

interface Models {
  cluster: LogisticModel;
  pair: LogisticModel;
}

/** The models a task is labelled with (`undefined`: the shipped ones). */
type ModelsOf = (task: CodeTask) => Models | undefined;

/**
 * Models cross-fitted by task halves: a task is labelled with the models fitted on
 * the half it is not in (halves by task id, so the slices of a task stay together).
 */
function crossFitted(tasks: readonly CodeTask[]): ModelsOf {
  const halves = halvesOf(tasks, (t) => t.id);
  const fitted = [fitCodeModels(halves[1]), fitCodeModels(halves[0])];
  const half = new Map(halves.flatMap((h, i) => h.map((t) => [t.id, i])));
  return (task) => fitted[half.get(task.id)!];
}

/** Whether each program passes each model-written test (HumanEval's asserts). */
function assertPasses(task: CodeTask): boolean[][] {
  return task.results.map((r) =>
    task.asserted!.map((e, i) => countPasses([r[i]], { expected: [e] }) === 1)
  );
}

function trustOf(task: CodeTask, models?: Models): CodeTrust {
  return new CodeTrust(task.results, {
    ...(models && { clusterModel: models.cluster, pairModel: models.pair }),
  });
}

/**
 * Fits both code models on a set: clusters weighted by size with the share of
 * their programs that pass; pairs of clusters weighted by the product of sizes.
 */
function fitCodeModels(tasks: readonly CodeTask[]): Models {
  const cx: number[][] = [];
  const cy: boolean[] = [];
  const cw: number[] = [];
  const rate = (task: CodeTask, programs: number[]) =>
    programs.filter((p) => task.passes[p]).length / programs.length;
  const add = (xs: number[][], ys: boolean[], ws: number[], x: number[], y: number, w: number) => {
    xs.push(x, x);
    ys.push(true, false);
    ws.push(w * y, w * (1 - y));
  };
  for (const task of tasks) {
    for (const c of trustOf(task).clusters.clusters) {
      add(
        cx,
        cy,
        cw,
        CLUSTER_FEATURES.map((k) => c.features[k]),
        rate(task, c.programs),
        c.programs.length,
      );
    }
  }
  const cluster = fitLogistic(cx, cy, { features: CLUSTER_FEATURES, weights: cw });
  const px: number[][] = [];
  const py: boolean[] = [];
  const pw: number[] = [];
  for (const task of tasks) {
    const { clusters, inputs } = trustOf(task, { cluster, pair: CODE_PAIR_MODEL }).clusters;
    const trust = clusters.map((c) =>
      predictLogistic(cluster, CLUSTER_FEATURES.map((k) => c.features[k]))
    );
    clusters.forEach((a, i) => {
      clusters.forEach((b, j) => {
        if (i === j) return;
        const differing = differingInputs(a, b);
        if (differing === 0) return;
        const y = rate(task, a.programs) * (1 - rate(task, b.programs));
        const logit = Math.log(Math.max(trust[i], 1e-6) / Math.max(1 - trust[i], 1e-6));
        add(
          px,
          py,
          pw,
          [logit, differing / (inputs || 1)],
          y,
          a.programs.length * b.programs.length,
        );
      });
    });
  }
  const pair = fitLogistic(px, py, { features: CODE_PAIR_MODEL.features, weights: pw });
  return { cluster, pair };
}

/** Programs `from`..`from + n` of a task, renumbered from 0. */
function slice(task: CodeTask, from: number, n: number): CodeTask {
  return {
    ...task,
    samples: task.samples.slice(from, from + n).map((s, index) => ({ ...s, index })),
    results: task.results.slice(from, from + n),
    passes: task.passes.slice(from, from + n),
  };
}

function codeSetReport(name: string, tasks: readonly CodeTask[], heldOut: ModelsOf): void {
  const random = tasks.reduce((n, t) => n + t.passes.filter(Boolean).length / t.passes.length, 0);
  let codet = 0;
  let trustedDual = 0;
  const withAsserts = tasks.filter((t) => t.asserted);
  for (const t of withAsserts) {
    const passes = assertPasses(t);
    if (t.passes[topIndex(dualAgreement(passes))]) codet++;
    const trust = trustOf(t, heldOut(t));
    const trusts = t.samples.map((s) => trust.trust(s.index));
    if (t.passes[topIndex(trustedDualAgreement(passes, trusts))]) trustedDual++;
  }
  const blank = ["", "", "", "", "", ""];
  const rows: (string | number)[][] = [["random pick", ...blank, pct(random, tasks.length)]];
  if (withAsserts.length) {
    rows.push(
      ["CodeT dual agreement (asserts)", ...blank, pct(codet, tasks.length)],
      ["trusted dual agreement (asserts, held out)", ...blank, pct(trustedDual, tasks.length)],
    );
  }
  let paper = 0;
  const variants: { rule: string; minConfidence?: number; label: string }[] = [
    { rule: "paper", label: "paper (margin 6, no min runs, exact)" },
    { rule: "default", label: "default (margin 6, min runs 3)" },
    {
      rule: "default",
      minConfidence: MIN_CONFIDENCE.code,
      label: `confident: default, confidence ≥ ${MIN_CONFIDENCE.code}`,
    },
    { rule: "default", minConfidence: 0.5, label: "  confidence ≥ 0.5" },
    { rule: "default", minConfidence: 0.7, label: "  confidence ≥ 0.7" },
    { rule: "trusted", label: "trusted cluster (margin 1)" },
    {
      rule: "trusted",
      minConfidence: MIN_CONFIDENCE.code,
      label: `  confidence ≥ ${MIN_CONFIDENCE.code}`,
    },
  ];
  for (const v of variants) {
    const t = codeTally(tasks, v.rule, { minConfidence: v.minConfidence });
    const held = codeTally(tasks, v.rule, { minConfidence: v.minConfidence, models: heldOut });
    if (v.rule === "paper" && v.minConfidence === undefined) paper = t.pairs;
    rows.push([
      v.label,
      t.problems,
      t.pairs,
      (t.pairs / paper).toFixed(2),
      pct(t.precise, t.pairs),
      ece(t.confidences, t.outcomes),
      ece(held.confidences, held.outcomes),
      pct(t.top, t.tasks),
    ]);
  }
  console.log(`\n${name}\n`);
  if (withAsserts.length) {
    console.log(
      `Top-scored pass rate, trusted dual agreement / CodeT: ${
        (trustedDual / codet).toFixed(2)
      }× (${trustedDual} vs ${codet} of ${tasks.length} tasks)\n`,
    );
  }
  console.log(table(
    [
      "rule",
      "tasks w/ pairs",
      "pairs",
      "vs paper",
      "precision",
      "ECE",
      "ECE held out",
      "top-scored pass",
    ],
    rows,
  ));
}

async function codeReport(options: { limit: number; cache: string }): Promise<void> {
  const db = openRunDatabase(options.cache);
  const cache = new ExecutionCache({ db });
  // The pool starts on the first result the benchmark's table does not hold.
  let pool: Promise<SandboxPool> | undefined;
  const started = performance.now();
  let executions = 0;
  const run = cachedRun(db, async (job) => {
    executions++;
    pool ??= SandboxPool.start({ cache });
    return await (await pool).run(job);
  });
  const humaneval: CodeTask[] = [];
  const apps: CodeTask[] = [];
  try {
    for await (
      const t of humanEvalTasks(run, { limit: options.limit, canonical: canonicalFromPython })
    ) {
      humaneval.push(t);
    }
    for await (const t of appsTasks(run)) apps.push(t);
  } finally {
    await (await pool)?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const he20 = humaneval.flatMap((t) => [0, 20, 40, 60, 80].map((from) => slice(t, from, 20)));
  const inputs = humaneval.reduce((n, t) => n + t.inputs.length, 0) / humaneval.length;
  console.log(
    `\n## Code: HumanEval × CodeGen-16B (${humaneval.length} tasks, ${inputs.toFixed(1)} ` +
      `generated test inputs each) and APPS (${apps.length} problems), ${DATA_NAME}\n`,
  );
  console.log(
    "Pairs without a cap; precision = chosen passes the gold tests and rejected fails them;\n" +
      "ECE = expected calibration error of the pairs' confidence (10 bins).",
  );
  const sets: [string, CodeTask[]][] = [
    [`HumanEval, 100 programs per task`, humaneval],
    [`HumanEval, 20 programs per task (5 slices of each task)`, he20],
    [`APPS, ${apps.map((t) => t.samples.length).join("/")} programs, gold tests' inputs`, apps],
  ];
  console.log(
    "ECE held out: the models cross-fitted by task halves (HumanEval: each task labelled\n" +
      "with the models fitted on the other half) or fitted on another set (APPS: HumanEval, 20).\n" +
      "Trusted dual agreement: the cluster's trust (held out) × (1 + asserts passed).",
  );
  const fittedOn20 = fitCodeModels(he20);
  const held: ModelsOf[] = [crossFitted(humaneval), crossFitted(he20), () => fittedOn20];
  sets.forEach(([name, tasks], i) => codeSetReport(name, tasks, held[i]));

  console.log(
    "\nCalibration across sets (ECE of the confident rule's pairs; models fitted on the row's set):\n",
  );
  const fits: [string, Models][] = [
    ["shipped models (HumanEval, 100)", { cluster: CODE_CLUSTER_MODEL, pair: CODE_PAIR_MODEL }],
    ["fitted on HumanEval, 20", fittedOn20],
    ["fitted on HumanEval, 100", fitCodeModels(humaneval)],
  ];
  console.log(table(
    ["models", ...sets.map(([name]) => name.split(",").slice(0, 2).join(",").slice(0, 24))],
    fits.map(([label, models]) => [
      label,
      ...sets.map(([, tasks]) => {
        const t = codeTally(tasks, "default", {
          models: () => models,
          minConfidence: MIN_CONFIDENCE.code,
        });
        return ece(t.confidences, t.outcomes);
      }),
    ]),
  ));
  const [, , [, fitted]] = fits;
  console.log(`\nModels fitted on HumanEval, 100: ${JSON.stringify(fitted)}`);
  console.log(
    `\nExecutions run: ${executions}; loading the sets took ${seconds.toFixed(0)} s ` +
      `(results cached in ${options.cache})`,
  );
}

async function main(): Promise<void> {
  try {
    await Deno.stat(DATA);
  } catch {
    console.log(`Skipped: ${DATA} is absent (the real-data folder of the data README)`);
    return;
  }
  const { values } = parseArgs({
    options: {
      "math-only": { type: "boolean" },
      tasks: { type: "string" },
      cache: { type: "string", default: "/tmp/pfpo-bench-feedback.db" },
    },
  });
  await mathReport();
  if (!values["math-only"]) {
    await codeReport({
      limit: values.tasks ? Number(values.tasks) : Infinity,
      cache: values.cache!,
    });
  }
}

await main();
