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
 * Run: deno run -A bench/feedback.ts [--math-only] [--tasks N]
 */
import { parseArgs } from "node:util";
import {
  canonicalFromPython,
  codePairs,
  CodeVote,
  countPasses,
  type ExecutionResult,
  extractAnswer,
  extractProgram,
  type FeedbackSource,
  goldMathFeedback,
  isEquivalent,
  mathPairs,
  MathSelfConsistency,
  Metrics,
  outputOf,
  parseAssertTests,
  readJsonl,
  sameValue,
  type Sample,
  type SandboxJob,
  SandboxPool,
  scoreCodeSamples,
  type TestCase,
} from "../mod.ts";
import type { EarlyStopSettings, MathPairMode } from "../mod.ts";

const DATA = new URL("../../shared/data/", import.meta.url).pathname;
/** How the report names the data folder (relative to the project root). */
const DATA_NAME = "../shared/data/";

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

interface HumanEvalRecord {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

interface TaskSamples {
  task_id: string;
  prompt: string;
  samples: string[];
}

/** Generated test inputs used per task (the paper uses about ten). */
const MAX_TESTS = 10;
/** Wall-clock limit per execution. */
const TIMEOUT_MS = 3000;

interface FormTotals {
  tasks: number;
  labels: number;
  labelsRight: number;
  topPass: number;
  meanPass: number;
  pairs: number;
  precise: number;
  tasksWithPairs: number;
  uncapped: number;
  /** Imprecise pairs by cause: both pass the real tests, or the chosen one fails them. */
  bothPass: number;
  chosenFails: number;
}

const emptyTotals = (): FormTotals => ({
  tasks: 0,
  labels: 0,
  labelsRight: 0,
  topPass: 0,
  meanPass: 0,
  pairs: 0,
  precise: 0,
  tasksWithPairs: 0,
  uncapped: 0,
  bothPass: 0,
  chosenFails: 0,
});

/**
 * The task's generated tests, at most `limit`: each model-written run continues a
 * prompt ending in `assert `; tests are taken round-robin over the runs (the first
 * test of every run, then the second, …) so that they come from many runs, and an
 * input seen before is skipped.
 */
function assertTests(entryPoint: string, runs: readonly string[], limit: number): TestCase[] {
  const parsed = runs.map((text) => parseAssertTests(`assert ${text}`, { entryPoint }).kept);
  const byInput = new Map<string, TestCase>();
  const rounds = Math.max(0, ...parsed.map((tests) => tests.length));
  for (let round = 0; round < rounds && byInput.size < limit; round++) {
    for (const tests of parsed) {
      const test = tests[round];
      if (test && !byInput.has(test.input) && byInput.size < limit) byInput.set(test.input, test);
    }
  }
  return [...byInput.values()];
}

/** The index of the highest score, ties to the earliest. */
function topIndex(scores: readonly number[]): number {
  let best = 0;
  scores.forEach((score, i) => {
    if (score > scores[best]) best = i;
  });
  return best;
}

function tally(
  totals: FormTotals,
  task: { prompt: string; samples: Sample[]; passes: boolean[] },
  form: {
    feedback: FeedbackSource;
    scores: number[];
    maxScore: number;
    labels: (string | undefined)[];
    truth: (string | undefined)[];
    /** Share of the tests a chosen program must pass (the policy's default when absent). */
    minPassFraction?: number;
  },
): void {
  totals.tasks++;
  form.labels.forEach((label, i) => {
    if (label === undefined) return;
    totals.labels++;
    const truth = form.truth[i];
    if (truth !== undefined && sameValue(label, truth)) totals.labelsRight++;
  });
  totals.topPass += task.passes[topIndex(form.scores)] ? 1 : 0;
  totals.meanPass += task.passes.filter(Boolean).length / task.passes.length;
  const scored = scoreCodeSamples(task.samples, {
    score: (i) => form.scores[i],
    maxScore: form.maxScore,
    feedback: form.feedback,
  });
  const passOf = new Map(task.samples.map((s) => [s.completion, task.passes[s.index]]));
  const options = {
    prompt: task.prompt,
    run: "bench",
    seed: 0,
    minPassFraction: form.minPassFraction,
  };
  const pairs = codePairs(scored, options);
  totals.uncapped += codePairs(scored, { ...options, cap: Infinity }).length;
  totals.pairs += pairs.length;
  if (pairs.length > 0) totals.tasksWithPairs++;
  for (const pair of pairs) {
    const chosen = passOf.get(pair.chosen);
    const rejected = passOf.get(pair.rejected);
    if (chosen && !rejected) totals.precise++;
    else if (chosen) totals.bothPass++;
    else totals.chosenFails++;
  }
}

async function codeReport(limit: number): Promise<void> {
  const dir = `${DATA}humaneval_samples/`;
  const humaneval = new Map<string, HumanEvalRecord>();
  for await (const r of readJsonl<HumanEvalRecord>(`${DATA}humaneval/HumanEval.jsonl`)) {
    humaneval.set(r.task_id, r);
  }
  const pool = await SandboxPool.start({ timeoutMs: TIMEOUT_MS });
  const started = performance.now();
  let executions = 0;
  const run = async (job: SandboxJob): Promise<ExecutionResult> => {
    executions++;
    return await pool.run(job);
  };
  const sc = emptyTotals();
  const scAll = emptyTotals();
  const scMajority = emptyTotals();
  const frontier = emptyTotals();
  const gold = emptyTotals();
  let programs = 0;
  let inputsTotal = 0;
  try {
    const testRuns = readJsonl<TaskSamples>(`${dir}test_cases_dev.jsonl`)[Symbol.asyncIterator]();
    for await (const solutions of readJsonl<TaskSamples>(`${dir}solutions_dev.jsonl`)) {
      if (sc.tasks >= limit) break;
      const tests = (await testRuns.next()).value as TaskSamples;
      const task = humaneval.get(solutions.task_id)!;
      if (tests.task_id !== task.task_id) throw new Error(`Task order differs at ${task.task_id}`);
      const python = { language: "python" as const };
      const cases = assertTests(task.entry_point, tests.samples, MAX_TESTS);
      const inputs = cases.map((c) => c.input);
      inputsTotal += inputs.length;
      const samples: Sample[] = solutions.samples.map((completion, index) => ({
        problem_id: task.task_id,
        index,
        completion,
      }));
      const codes = samples.map((s) =>
        extractProgram(s.completion, { ...python, mode: "continuation", prompt: task.prompt })!
      );
      programs += codes.length;
      // Each distinct program runs once on every input and once with the gold check().
      const distinct = [...new Set(codes)];
      const call = (code: string, args: string) =>
        run({ ...python, code, call: { entry_point: task.entry_point, args } });
      const [runs, checks, canonical] = await Promise.all([
        Promise.all(distinct.map((code) => Promise.all(inputs.map((args) => call(code, args))))),
        Promise.all(
          distinct.map((code) =>
            run({ ...python, code, test_code: task.test, entry_point: task.entry_point })
          ),
        ),
        Promise.all(inputs.map((args) => call(task.prompt + task.canonical_solution, args))),
      ]);
      const at = new Map(distinct.map((code, i) => [code, i]));
      const resultsOf = (p: number) => runs[at.get(codes[p])!];
      const passes = codes.map((code) => checks[at.get(code)!].status === "ok");
      const truth = canonical.map(outputOf);
      const context = { prompt: task.prompt, samples, passes };

      const vote = new CodeVote(task.task_id, { inputs });
      const majority = new CodeVote(task.task_id, { inputs, minShare: 0.5 });
      for (const s of samples) {
        vote.addProgram(s.index, resultsOf(s.index));
        majority.addProgram(s.index, resultsOf(s.index));
      }
      vote.close();
      majority.close();
      const selfConsistency = {
        feedback: "self_consistency" as const,
        scores: samples.map((s) => vote.score(s.index)),
        maxScore: vote.kept,
        labels: vote.expected(),
        truth,
      };
      tally(sc, context, selfConsistency);
      tally(scAll, context, { ...selfConsistency, minPassFraction: 1 });
      tally(scMajority, context, {
        ...selfConsistency,
        scores: samples.map((s) => majority.score(s.index)),
        maxScore: majority.kept,
        labels: majority.expected(),
      });

      // A test's expected value, canonical like the return values it is compared with.
      const frontierExpected = cases.map((c) => canonicalFromPython(c.output));
      tally(frontier, context, {
        feedback: "frontier",
        scores: samples.map((s) => countPasses(resultsOf(s.index), { expected: frontierExpected })),
        maxScore: frontierExpected.length,
        labels: frontierExpected,
        truth,
      });

      tally(gold, context, {
        feedback: "gold",
        scores: passes.map(Number),
        maxScore: 1,
        labels: [],
        truth,
      });
    }
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\n## Code: ${sc.tasks} HumanEval tasks × ${programs / sc.tasks} programs, ` +
      `${(inputsTotal / sc.tasks).toFixed(1)} generated tests per task ` +
      `(${DATA_NAME}humaneval_samples/)\n`,
  );
  const row = (name: string, t: FormTotals) => [
    name,
    t.labels,
    pct(t.labelsRight, t.labels),
    pct(t.topPass, t.tasks),
    pct(t.meanPass, t.tasks),
    (t.topPass / t.meanPass).toFixed(2),
    t.pairs,
    (t.pairs / t.tasks).toFixed(1),
    (t.uncapped / t.tasks).toFixed(1),
    t.tasksWithPairs,
    pct(t.precise, t.pairs),
    pct(t.bothPass, t.pairs),
    pct(t.chosenFails, t.pairs),
  ];
  console.log(table(
    [
      "form",
      "labels",
      "= canonical",
      "top-scored pass",
      "mean pass (random)",
      "ratio",
      "pairs",
      "pairs/task",
      "uncapped/task",
      "tasks w/ pairs",
      "pair precision",
      "both pass",
      "chosen fails",
    ],
    [
      row("self-consistency (margin 6)", sc),
      row("  chosen passes all kept inputs", scAll),
      row("  inputs kept at ≥ 50% share", scMajority),
      row("frontier tests (margin 4)", frontier),
      row("gold check() (reference)", gold),
    ],
  ));
  console.log(
    `\nExecutions: ${executions} in ${seconds.toFixed(0)} s ` +
      `(${(executions / seconds).toFixed(0)}/s, pool of ${pool.size})`,
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
    options: { "math-only": { type: "boolean" }, tasks: { type: "string" } },
  });
  await mathReport();
  if (!values["math-only"]) await codeReport(values.tasks ? Number(values.tasks) : Infinity);
}

await main();
