/**
 * Math answers benchmark (issue: math answer extraction and equivalence).
 *
 * 1. Agreement on real data (`../shared/data`), side by side for three answer
 *    checks: raw string equality; the paper's training-label check (normalised
 *    strings with substring matching; `normalizeAnswer` stands in for its
 *    normaliser); and `compareAnswers`:
 *    - GSM8K: the answer extracted from each of the 4 × 1,319 model solutions vs the
 *      gold after `####`, against upstream `is_correct`;
 *    - math_samples: 400 Qwen2.5-Math responses, extraction vs upstream `pred`, and
 *      `pred` vs `gt` against upstream `score`;
 *    - MATH-500: the answer extracted from each reference solution vs the gold
 *      answer; each gold answer vs its rewrites, and vs other problems' golds.
 * 2. Throughput on the 400 (extracted answer, gold) pairs of math_samples:
 *    comparisons per second with empty caches (cold) and with the cache, against
 *    normalised string equality.
 * 3. Share of a math self-consistency run (recorded samples, `MathSelfConsistency`
 *    over the 50 math_samples problems) spent extracting and comparing answers.
 *
 * Run: deno run -A bench/math.ts
 */
import {
  AnswerComparer,
  compareAnswers,
  extractAnswer,
  MathSelfConsistency,
  normalizeAnswer,
  readJsonl,
  type Sample,
} from "../mod.ts";
import {
  type Compare,
  gsm8kAgreement,
  math500Agreement,
  mathSamplesAgreement,
} from "../src/math/agreement.ts";

const DATA = new URL("../../shared/data", import.meta.url).pathname;

const CHECKS: [string, Compare][] = [
  ["raw string", (a, b) => ({ equivalent: a.trim() === b.trim(), rule: "string" })],
  ["paper label check", (a, b) => {
    const [x, y] = [normalizeAnswer(a), normalizeAnswer(b)];
    return {
      equivalent: x !== "" && y !== "" && (x.includes(y) || y.includes(x)),
      rule: "substring",
    };
  }],
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

/** Comparisons per second over `pairs`: normalised strings, fresh caches (best of `rounds`), cached. */
function throughputTable(
  pairs: [string, string][],
  rounds: number,
): Record<string, Record<string, string>> {
  const best = (measure: () => number) => Math.min(...Array.from({ length: rounds }, measure));
  const normalised = best(() =>
    time(() => pairs.forEach(([a, b]) => normalizeAnswer(a) === normalizeAnswer(b)))
  );
  const cold = best(() => {
    const comparer = new AnswerComparer();
    return time(() => pairs.forEach(([a, b]) => comparer.compare(a, b)));
  });
  const comparer = new AnswerComparer();
  pairs.forEach(([a, b]) => comparer.compare(a, b));
  const cached = best(() => time(() => pairs.forEach(([a, b]) => comparer.compare(a, b))));
  const row = (ms: number) => ({
    [`time per ${pairs.length}`]: `${ms.toFixed(2)} ms`,
    "comparisons/s": rate(pairs.length, ms),
    "vs normalised string": (normalised / ms).toFixed(2),
  });
  return {
    "normalised string equality": row(normalised),
    "compareAnswers, cold caches": row(cold),
    "compareAnswers, cached": row(cached),
  };
}

async function throughput(pairs: [string, string][], engineMs: number): Promise<void> {
  const identical = pairs.filter(([a, b]) => a === b).length;
  console.log(`\n## Throughput on the ${pairs.length} math_samples (extracted, gold) pairs\n`);
  console.table(throughputTable(pairs, 5));
  console.log(
    `(${identical} of the ${pairs.length} pairs are identical strings; cold = fresh caches; ` +
      `best of 5; compute engine start-up, once per process: ${engineMs.toFixed(0)} ms)`,
  );
  const golds: string[] = [];
  for await (const row of readJsonl<{ answer: string }>(`${DATA}/math500/test.jsonl`)) {
    golds.push(row.answer);
  }
  const cross: [string, string][] = [];
  golds.forEach((a, i) => golds.slice(i + 1).forEach((b) => a !== b && cross.push([a, b])));
  console.log(`\n## Throughput on the ${cross.length} MATH-500 cross-problem gold pairs\n`);
  console.table(throughputTable(cross, 1));
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

try {
  await Deno.stat(DATA);
} catch {
  console.log(`Skipped: ${DATA} is absent (the real-data folder of the data README)`);
  Deno.exit(0);
}
const engineStart = performance.now();
new AnswerComparer().compare("\\sqrt{2}", "x");
const engineMs = performance.now() - engineStart;
const pairs = await agreement();
await throughput(pairs, engineMs);
await selfConsistencyShare();
