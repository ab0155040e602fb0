/**
 * Math answers benchmark, side by side with the checker as it was before the
 * one-call verifier (`--baseline <git ref>`, default the commit named below, whose
 * `src/` is exported with `git archive` under `runs/bench-baseline/` and imported).
 *
 * 1. Agreement on real data (`../shared/data`), side by side for raw string
 *    equality; the paper's training-label check (normalised strings with substring
 *    matching; `normalizeAnswer` stands in for its normaliser); `compareAnswers`
 *    before and after:
 *    - GSM8K: the answer extracted from each of the 4 × 1,319 model solutions vs the
 *      gold after `####`, against upstream `is_correct`;
 *    - math_samples: 400 Qwen2.5-Math responses, extraction vs upstream `pred`, and
 *      `pred` vs `gt` against upstream `score`;
 *    - MATH-500: the answer extracted from each reference solution vs the gold
 *      answer; each gold answer vs its rewrites, and vs other problems' golds.
 * 2. One call on full solutions (`verifyAnswer`, before: `extractAnswer` on both
 *    sides then `compareAnswers`): GSM8K gold solutions vs model solutions, and
 *    math_samples responses boxed, unboxed and with a late "Final Answer" line.
 * 3. The answer-form table of `tests/math_cases.ts` by kind, before and after, the
 *    way Math-Verify reports its test suites (share of cases with the expected
 *    verdict).
 * 4. Throughput on the 400 (extracted answer, gold) pairs of math_samples and the
 *    MATH-500 cross-problem gold pairs: comparisons per second, cold and cached,
 *    before and after in the same process, and one-call verification of the 400
 *    full responses.
 * 5. Share of a math self-consistency run (recorded samples, `MathSelfConsistency`
 *    over the 50 math_samples problems) spent extracting and comparing answers.
 *
 * Run: deno task bench math [--baseline <git ref>]
 */
import { parseArgs } from "node:util";
import {
  AnswerComparer,
  compareAnswers,
  extractAnswer,
  MathSelfConsistency,
  normalizeAnswer,
  readJsonl,
  type Sample,
  verifyAnswer,
} from "../mod.ts";
import {
  type Compare,
  gsm8kAgreement,
  math500Agreement,
  mathSamplesAgreement,
  type Verify,
  verifyAgreement,
} from "../src/math/agreement.ts";
import { CASE_KINDS, MATH_CASES } from "../tests/math_cases.ts";

const DATA = new URL("../../shared/data", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

/** The checker before the one-call verifier: labels, chains, relations, prose extraction. */
const BASELINE = "f3d579ce5dd15908cbd956338c8a7f962a5d5d74";

/** What the benchmark uses of a version of `src/math/mod.ts`. */
interface MathModule {
  AnswerComparer: new () => { compare: Compare };
  extractAnswer: (text: string, options?: { numeric?: boolean }) => string | undefined;
}

/** `src/` of `ref`, exported once under `runs/bench-baseline/`, and its math module. */
async function loadBaseline(ref: string): Promise<MathModule> {
  const git = (args: string[]) =>
    new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "piped" }).output();
  const resolved = await git(["rev-parse", "--verify", `${ref}^{commit}`]);
  if (!resolved.success) {
    throw new Error(`Cannot resolve the baseline: git rev-parse ${ref} failed`);
  }
  const commit = new TextDecoder().decode(resolved.stdout).trim();
  const dir = `${ROOT}runs/bench-baseline/${commit}`;
  const entry = `${dir}/src/math/mod.ts`;
  const exists = await Deno.stat(entry).then(() => true, () => false);
  if (!exists) {
    await Deno.mkdir(dir, { recursive: true });
    const archive = await git(["archive", "--format=tar", commit, "src"]);
    if (!archive.success) {
      throw new Error(`Cannot export the baseline: git archive ${commit} failed`);
    }
    const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
    const writer = tar.stdin.getWriter();
    await writer.write(archive.stdout);
    await writer.close();
    if (!(await tar.status).success) throw new Error(`Cannot unpack the baseline into ${dir}`);
  }
  console.log(`Baseline ("before"): ${commit.slice(0, 12)} (${ref})\n`);
  return await import(`file://${entry}`);
}

const { values: flags } = parseArgs({
  args: Deno.args,
  options: { baseline: { type: "string", default: BASELINE } },
});

try {
  await Deno.stat(DATA);
} catch {
  console.log(`Skipped: ${DATA} is absent (the real-data folder of the data README)`);
  Deno.exit(0);
}
const before = await loadBaseline(flags.baseline!);
const beforeComparer = new before.AnswerComparer();
const beforeCompare: Compare = (a, b) => beforeComparer.compare(a, b);
/** The one call before: each side's extracted answer (or the text itself), compared. */
const beforeVerify: Verify = (gold, prediction) => {
  const answer = (text: string) => before.extractAnswer(text) ?? text;
  return beforeCompare(answer(gold), answer(prediction)).equivalent;
};

const CHECKS: [string, Compare][] = [
  ["raw string", (a, b) => ({ equivalent: a.trim() === b.trim(), rule: "string" })],
  ["paper label check", (a, b) => {
    const [x, y] = [normalizeAnswer(a), normalizeAnswer(b)];
    return {
      equivalent: x !== "" && y !== "" && (x.includes(y) || y.includes(x)),
      rule: "substring",
    };
  }],
  ["compareAnswers before", beforeCompare],
  ["compareAnswers", compareAnswers],
];

const pct = (part: number, whole: number) =>
  `${part}/${whole} (${(100 * part / whole).toFixed(2)}%)`;

async function agreement(): Promise<[string, string][]> {
  console.log("## Agreement on real data\n");
  const columns: Record<string, string[]> = {};
  let pairs: [string, string][] = [];
  for (const [name, compare] of CHECKS) {
    const gsm8k = await gsm8kAgreement(DATA, compare);
    const samples = await mathSamplesAgreement(DATA, compare);
    const math500 = await math500Agreement(DATA, compare);
    columns[name] = [
      pct(gsm8k.agree, gsm8k.solutions),
      pct(samples.scoreAgree, samples.responses),
      pct(samples.extractedScoreAgree, samples.responses),
      pct(math500.solutionsAgree, math500.answers),
      pct(math500.rewritesEquivalent, math500.rewrites),
      pct(math500.crossEquivalent.length, math500.crossPairs),
    ];
    if (name === "compareAnswers") {
      pairs = samples.pairs;
      console.log(
        `GSM8K answers from the last-number fallback: ${gsm8k.lastNumber}; ` +
          `math_samples extraction identical to pred: ${
            pct(samples.extractedIdentical, samples.responses)
          }, ` +
          `same normal form: ${pct(samples.extractedNormalized, samples.responses)}\n`,
      );
      for (const d of gsm8k.disagreements) {
        console.log(
          `GSM8K disagreement: line ${d.line} ${d.model} gold ${d.gold} extracted ${d.extracted} upstream ${d.upstream}`,
        );
      }
      for (const d of samples.disagreements) {
        console.log(
          `math_samples disagreement: idx ${d.idx} pred ${JSON.stringify(d.pred)} gt ${
            JSON.stringify(d.gt)
          } upstream score ${d.upstream}, ours ${!d.upstream} (${d.rule})`,
        );
      }
      for (const f of math500.rewriteFailures) {
        console.log(
          `MATH-500 rewrite failure: ${JSON.stringify(f.answer)} under ${f.rewrite} (${f.rule})`,
        );
      }
      const distinct = new Map<string, number>();
      for (const { a, b, rule } of math500.crossEquivalent) {
        const key = `${JSON.stringify(a)} ≡ ${JSON.stringify(b)} (${rule})`;
        distinct.set(key, (distinct.get(key) ?? 0) + 1);
      }
      console.log("MATH-500 gold answers of different problems judged equivalent:");
      for (const [key, count] of distinct) console.log(`  ${key}${count > 1 ? ` ×${count}` : ""}`);
      console.log();
    }
  }
  const labels = [
    "GSM8K extracted vs gold = is_correct",
    "math_samples pred vs gt = score",
    "math_samples extracted vs gt = score",
    "MATH-500 extracted from solution ≡ gold",
    "MATH-500 gold ≡ rewrite",
    "MATH-500 cross-problem pairs ≡ (lower is stricter)",
  ];
  console.table(Object.fromEntries(labels.map((label, i) => [
    label,
    Object.fromEntries(CHECKS.map(([name]) => [name, columns[name][i]])),
  ])));
  return pairs;
}

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000)).toLocaleString("en-US")}/s`;
}

function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** Best time of `rounds`, the two measurements alternating so that both see the same load. */
function bestOfAlternating(rounds: number, a: () => number, b: () => number): [number, number] {
  let [bestA, bestB] = [Infinity, Infinity];
  for (let i = 0; i < rounds; i++) {
    bestA = Math.min(bestA, a());
    bestB = Math.min(bestB, b());
  }
  return [bestA, bestB];
}

/**
 * Comparisons per second over `pairs`: normalised strings, then before and after,
 * each with fresh caches (cold) and cached, best of `rounds`.
 */
function throughputTable(
  pairs: [string, string][],
  rounds: number,
): Record<string, Record<string, string>> {
  const [normalised] = bestOfAlternating(
    rounds,
    () => time(() => pairs.forEach(([a, b]) => normalizeAnswer(a) === normalizeAnswer(b))),
    () => 0,
  );
  const cold = (make: () => { compare: Compare }) => () => {
    const comparer = make();
    return time(() => pairs.forEach(([a, b]) => comparer.compare(a, b)));
  };
  const [coldBefore, coldAfter] = bestOfAlternating(
    rounds,
    cold(() => new before.AnswerComparer()),
    cold(() => new AnswerComparer()),
  );
  const warm = (comparer: { compare: Compare }) => {
    pairs.forEach(([a, b]) => comparer.compare(a, b));
    return () => time(() => pairs.forEach(([a, b]) => comparer.compare(a, b)));
  };
  const [cachedBefore, cachedAfter] = bestOfAlternating(
    rounds,
    warm(new before.AnswerComparer()),
    warm(new AnswerComparer()),
  );
  const row = (ms: number, baseline?: number) => ({
    [`time per ${pairs.length}`]: `${ms.toFixed(2)} ms`,
    "comparisons/s": rate(pairs.length, ms),
    "vs normalised string": (normalised / ms).toFixed(2),
    "time after/before": baseline === undefined ? "" : `${(ms / baseline).toFixed(2)}×`,
  });
  return {
    "normalised string equality": row(normalised),
    "compareAnswers before, cold": row(coldBefore),
    "compareAnswers after, cold": row(coldAfter, coldBefore),
    "compareAnswers before, cached": row(cachedBefore),
    "compareAnswers after, cached": row(cachedAfter, cachedBefore),
  };
}

async function throughput(pairs: [string, string][], engineMs: number): Promise<void> {
  const identical = pairs.filter(([a, b]) => a === b).length;
  console.log(`\n## Throughput on the ${pairs.length} math_samples (extracted, gold) pairs\n`);
  console.table(throughputTable(pairs, 25));
  console.log(
    `(${identical} of the ${pairs.length} pairs are identical strings; cold = fresh caches; ` +
      `best of 25, before and after alternating; compute engine start-up, once per process: ${
        engineMs.toFixed(0)
      } ms)`,
  );
  const golds: string[] = [];
  for await (const row of readJsonl<{ answer: string }>(`${DATA}/math500/test.jsonl`)) {
    golds.push(row.answer);
  }
  const cross: [string, string][] = [];
  golds.forEach((a, i) => golds.slice(i + 1).forEach((b) => a !== b && cross.push([a, b])));
  console.log(`\n## Throughput on the ${cross.length} MATH-500 cross-problem gold pairs\n`);
  console.table(throughputTable(cross, 3));
  console.log("(best of 3, before and after alternating)");

  const responses: [string, string][] = [];
  const path = `${DATA}/math_samples/math_cot_dev.jsonl`;
  for await (const record of readJsonl<{ gt: string; response: string[] }>(path)) {
    for (const response of record.response) responses.push([record.gt, response]);
  }
  const oneCall = (make: () => Verify) => () => {
    const verify = make();
    return time(() => responses.forEach(([gold, response]) => verify(gold, response)));
  };
  const [verifyBefore, verifyAfter] = bestOfAlternating(
    25,
    oneCall(() => {
      const comparer = new before.AnswerComparer();
      const answer = (text: string) => before.extractAnswer(text) ?? text;
      return (gold, response) => comparer.compare(answer(gold), answer(response)).equivalent;
    }),
    oneCall(() => {
      const comparer = new AnswerComparer();
      return (gold, response) => comparer.verify(gold, response).equivalent;
    }),
  );
  console.log(`\n## One call on the ${responses.length} full math_samples responses\n`);
  console.table({
    "before: extractAnswer on both sides + compare": {
      [`time per ${responses.length}`]: `${verifyBefore.toFixed(2)} ms`,
      "verifications/s": rate(responses.length, verifyBefore),
      "time after/before": "",
    },
    "after: verify (extraction on both sides)": {
      [`time per ${responses.length}`]: `${verifyAfter.toFixed(2)} ms`,
      "verifications/s": rate(responses.length, verifyAfter),
      "time after/before": `${(verifyAfter / verifyBefore).toFixed(2)}×`,
    },
  });
  console.log("(fresh comparers each round; best of 25, before and after alternating)");
}

async function oneCallAgreement(): Promise<void> {
  console.log("\n## One call on full solutions: agreement with the upstream verdicts\n");
  const [old, now] = [
    await verifyAgreement(DATA, beforeVerify),
    await verifyAgreement(DATA, verifyAnswer),
  ];
  console.table(Object.fromEntries(
    Object.keys(now.forms).map((form) => {
      const [a, total] = old.forms[form] ?? [0, 0];
      const [b] = now.forms[form];
      return [`${form} (${total})`, { before: pct(a, total), after: pct(b, total) }];
    }),
  ));
  for (const d of now.disagreements) {
    console.log(
      `after, disagreement: ${d.form} ${d.id} gold ${
        JSON.stringify(d.gold)
      } upstream ${d.upstream}`,
    );
  }
}

function caseTable(): void {
  console.log(`\n## The answer-form table (tests/math_cases.ts) by kind, before and after\n`);
  const rows: Record<string, { cases: number; before: string; after: string }> = {};
  const tally = { before: 0, after: 0 };
  for (const kind of CASE_KINDS) {
    const cases = MATH_CASES.filter((c) => c.kind === kind);
    let [a, b] = [0, 0];
    for (const { gold, prediction, expected, options } of cases) {
      // The checker before had no options: its verdict is with the defaults.
      if (beforeVerify(gold, prediction) === expected) a++;
      if (verifyAnswer(gold, prediction, options) === expected) b++;
    }
    tally.before += a;
    tally.after += b;
    rows[kind] = { cases: cases.length, before: pct(a, cases.length), after: pct(b, cases.length) };
  }
  const total = MATH_CASES.length;
  rows.all = { cases: total, before: pct(tally.before, total), after: pct(tally.after, total) };
  console.table(rows);
  console.log(
    "(share of cases with the expected verdict; cases with options judged with defaults before)",
  );
}

async function selfConsistencyShare(): Promise<void> {
  console.log("\n## Share of a math self-consistency run spent here\n");
  let inside = 0;
  const timed = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    const start = performance.now();
    try {
      return fn(...args);
    } finally {
      inside += performance.now() - start;
    }
  };
  const comparer = new AnswerComparer();
  const sc = new MathSelfConsistency({
    extract: timed((text: string) => extractAnswer(text)),
    equivalent: timed((a: string, b: string) => comparer.isEquivalent(a, b)),
  });
  let problems = 0;
  let samples = 0;
  const start = performance.now();
  for await (
    const record of readJsonl<{ idx: number; response: string[] }>(
      `${DATA}/math_samples/math_cot_dev.jsonl`,
    )
  ) {
    const id = `math_cot/${record.idx}`;
    const drawn: Sample[] = record.response.map((completion, index) => ({
      problem_id: id,
      index,
      completion,
    }));
    sc.finish(id, drawn);
    problems++;
    samples += drawn.length;
  }
  const total = performance.now() - start;
  console.table({
    [`${problems} problems × 8 recorded samples (${samples})`]: {
      total: `${total.toFixed(1)} ms`,
      "extract + compare": `${inside.toFixed(1)} ms`,
      share: `${(100 * inside / total).toFixed(1)}%`,
    },
  });
  console.log(
    `(recorded samples, fresh comparer caches; with live sampling each of the ${samples} ` +
      `completions costs an LLM call of seconds, so this ${
        (inside / samples).toFixed(3)
      } ms per sample is a negligible share)`,
  );
}

const engineStart = performance.now();
new AnswerComparer().compare("\\sqrt{2}", "x");
beforeCompare("\\sqrt{3}", "y");
const engineMs = performance.now() - engineStart;
const pairs = await agreement();
await oneCallAgreement();
caseTable();
await throughput(pairs, engineMs);
await selfConsistencyShare();
