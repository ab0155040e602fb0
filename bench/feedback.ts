/**
 * Pseudo-feedback quality on real model samples (issue: voting, scoring and pairs).
 *
 * 1. Math, `../shared/data/math_samples/math_cot_dev.jsonl` (50 MATH problems, 8
 *    Qwen2.5-Math samples each, gold `gt`): majority-vote label accuracy against `gt`
 *    (grouping with `isEquivalent`, beside plain string grouping); pair precision of
 *    both math pair modes; and for each early-stop rule, samples drawn against all 8
 *    and label agreement with the full vote.
 * 2. Code, `../shared/data/humaneval_samples/` (82 HumanEval tasks, 100 CodeGen
 *    programs and 100 model-written test runs each; truth from HumanEval's
 *    `check()`), in the self-consistency form (inputs from the generated asserts,
 *    outputs voted) and the frontier-test form (the asserts as full test cases):
 *    pseudo expected outputs against the canonical solution's outputs, the pass rate
 *    of the top-scored program against the mean pass rate (random pick), pair
 *    precision and pairs per task. Programs run in the sandbox pool.
 *
 * Run: deno run -A bench/feedback.ts [--math-only]
 */
import {
  extractAnswer,
  goldMathFeedback,
  isEquivalent,
  mathPairs,
  MathSelfConsistency,
  Metrics,
  readJsonl,
  type Sample,
} from "../mod.ts";
import type { EarlyStopSettings, MathPairMode } from "../mod.ts";

const DATA = new URL("../../shared/data/", import.meta.url).pathname;

interface MathRecord {
  idx: number;
  question: string;
  gt: string;
  response: string[];
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .join("\n");
}

const pct = (part: number, whole: number) => whole ? `${(100 * part / whole).toFixed(1)}%` : "n/a";

async function mathReport(): Promise<void> {
  const path = `${DATA}math_samples/math_cot_dev.jsonl`;
  const problems: { id: string; prompt: string; gt: string; samples: Sample[] }[] = [];
  for await (const record of readJsonl<MathRecord>(path)) {
    const id = `math_cot/${record.idx}`;
    problems.push({
      id,
      prompt: record.question,
      gt: record.gt,
      samples: record.response.map((completion, index) => ({ problem_id: id, index, completion })),
    });
  }
  const k = Math.max(...problems.map((p) => p.samples.length));
  const labelOf = (equivalent: (a: string, b: string) => boolean, minShare = 0) => {
    const sc = new MathSelfConsistency({
      equivalent,
      minShare,
      earlyStop: { rule: "fixed", max: k },
    });
    return problems.map((p) => sc.finish(p.id, p.samples));
  };
  const full = labelOf(isEquivalent);
  const byString = labelOf((a, b) => a === b);
  const correct = (label: string | undefined, gt: string) =>
    label !== undefined && isEquivalent(label, gt);
  const fullRight = full.filter((f, i) => correct(f.vote.label, problems[i].gt)).length;
  const stringRight = byString.filter((f, i) => correct(f.vote.label, problems[i].gt)).length;
  const gold = problems.map((p) =>
    goldMathFeedback({ id: p.id, kind: "math", prompt: p.prompt, answer: p.gt }, p.samples, {
      equivalent: isEquivalent,
    })!
  );
  const sampleRight = gold.flatMap((g) => g.scored).filter((s) => s.score === 1).length;
  const sampleCount = problems.reduce((n, p) => n + p.samples.length, 0);
  const oracle = gold.filter((g) => g.vote.votes > 0).length;
  console.log(`## Math self-consistency: ${problems.length} problems × ${k} samples (${path})\n`);
  console.log(table(["label", "right vs gt", "accuracy"], [
    ["majority vote, isEquivalent groups", fullRight, pct(fullRight, problems.length)],
    ["majority vote, string-equal groups", stringRight, pct(stringRight, problems.length)],
    ["single sample (mean)", (sampleRight / k).toFixed(1), pct(sampleRight, sampleCount)],
    ["any sample right (oracle bound)", oracle, pct(oracle, problems.length)],
  ]));

  console.log(
    "\nPairs (self-consistency labels; precise = chosen right and rejected wrong vs gt):\n",
  );
  const pairRows: (string | number)[][] = [];
  const variants = (["one", "each_positive"] as MathPairMode[]).flatMap((mode) =>
    [0, 0.5].map((minShare) => ({ mode, minShare }))
  );
  for (const { mode, minShare } of variants) {
    const labels = minShare ? labelOf(isEquivalent, minShare) : full;
    const kept = labels.filter((l) => l.vote.kept).length;
    let pairs = 0;
    let precise = 0;
    let goldPairs = 0;
    problems.forEach((p, i) => {
      const goldScore = new Map(gold[i].scored.map((s) => [s.completion, s.score]));
      const options = { prompt: p.prompt, run: "bench", seed: 0, mode };
      for (const pair of mathPairs(labels[i].scored, options)) {
        pairs++;
        if (goldScore.get(pair.chosen) === 1 && goldScore.get(pair.rejected) === 0) precise++;
      }
      goldPairs += mathPairs(gold[i].scored, options).length;
    });
    pairRows.push([mode, minShare, kept, pairs, precise, pct(precise, pairs), goldPairs]);
  }
  console.log(table(
    ["mode", "min share", "labels kept", "pairs", "precise", "precision", "gold-label pairs"],
    pairRows,
  ));

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
  // Answers the extractor found, as a sanity line.
  const extracted =
    problems.flatMap((p) => p.samples).filter((s) => extractAnswer(s.completion) !== undefined)
      .length;
  console.log(`\nAnswers extracted: ${extracted}/${sampleCount}`);
}

async function main(): Promise<void> {
  try {
    await Deno.stat(DATA);
  } catch {
    console.log(`Skipped: ${DATA} is absent (the real-data folder of the data README)`);
    return;
  }
  await mathReport();
}

await main();
