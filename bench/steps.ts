/**
 * Prefix completions on real recorded math samples (`../shared/data/math_samples`:
 * 50 MATH problems × 8 Qwen2.5-Math solutions), served by the test's
 * OpenAI-compatible server with a fixed latency per request: completions per second
 * with the paper's settings (3 completions per prefix in one request), and the
 * completions early stopping saves at equal pairs, for both of the paper's math
 * rules (a prefix is positive at 2 of 3 in the first iteration, 1 of 3 later).
 *
 * The server stands in for the policy: completion `i` of a prefix reaches the label
 * with a probability that depends on the prefix (0.8 when it was cut from a right
 * solution, 0.3 from a wrong one), decided by a hash of the prompt and `i`, so a run
 * with and a run without early stopping see the same completion at the same index.
 *
 * Run: deno task bench steps
 */
import {
  completionStage,
  cutPrefixes,
  defaultTemplate,
  extractAnswer,
  firstDraw,
  isEquivalent,
  mathCompletionValue,
  mathPrefixValueStage,
  type MathProblem,
  mathStepPairStage,
  Metrics,
  openRunDatabase,
  pipe,
  type Prefix,
  prefixClass,
  prefixSampler,
  readJsonl,
  type StepPairMode,
} from "../mod.ts";
import { startOpenAIServer } from "../tests/fixtures/openai_server.ts";
import { HAS_SHARED_DATA, sharedData } from "../tests/support/shared_data.ts";

const LATENCY_MS = 300;
const BOUND = 32;
const COMPLETIONS = 3;
/** Each problem is used this many times under new ids, for a run long enough to measure. */
const COPIES = 10;

interface Recorded {
  idx: number;
  question: string;
  gt: string;
  response: string[];
}

interface Item {
  problem: MathProblem;
  label: string;
  prefixes: Prefix[];
  /** Whether each sample's answer is right. */
  right: boolean[];
}

if (!HAS_SHARED_DATA) {
  console.log("bench/steps.ts: skipped, ../shared/data is absent");
  Deno.exit(0);
}

const items: Item[] = [];
let problems = 0;
for await (const r of readJsonl<Recorded>(sharedData("math_samples", "math_cot_dev.jsonl"))) {
  problems++;
  const answers = r.response.map((text) => extractAnswer(text));
  const right = answers.map((a) => a !== undefined && isEquivalent(a, r.gt));
  if (
    answers.every((a) => a !== undefined && answers[0] !== undefined && isEquivalent(a, answers[0]))
  ) {
    continue; // all samples agree: no prefix can be told from another
  }
  for (let copy = 0; copy < COPIES; copy++) {
    // Each copy's prompt is its own, so the sample cache does not serve one copy from another.
    const prompt = `${r.question}\n\n(Copy ${copy + 1} of ${COPIES}.)`;
    const problem: MathProblem = { id: `math/${r.idx}/${copy}`, kind: "math", prompt };
    const prefixes = cutPrefixes(r.response.map((text, index) => ({ index, text })), {
      problemId: problem.id,
      kind: "math",
      seed: copy,
    });
    items.push({ problem, label: r.gt, prefixes, right });
  }
}
const prefixCount = items.reduce((n, item) => n + item.prefixes.length, 0);

// The prompt each prefix is sent with, and the chance its completions reach the label.
const quality = new Map<string, { label: string; p: number }>();
for (const item of items) {
  for (const prefix of item.prefixes) {
    quality.set(defaultTemplate(item.problem) + prefix.text, {
      label: item.label,
      p: item.right[prefix.sample] ? 0.8 : 0.3,
    });
  }
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

interface Outcome {
  requests: number;
  completions: number;
  seconds: number;
  pairs: string[];
}

async function run(threshold: number, mode: StepPairMode, early: boolean): Promise<Outcome> {
  const server = startOpenAIServer({
    plan: () => ({ latencyMs: LATENCY_MS }),
    respond: (request, choice) => {
      const q = quality.get(request.prompt);
      if (!q) throw new Error("Unknown prefix prompt");
      const index = Number(request.body.seed ?? 0) + choice;
      const reaches = hash(`${request.prompt}\u0000${index}`) < q.p;
      return `\nContinuing from here, the result is $\\boxed{${reaches ? q.label : "0.5"}}$.`;
    },
  });
  const rule = { completions: COMPLETIONS, threshold };
  const db = openRunDatabase(":memory:");
  try {
    // The pipeline's stages: complete → value → step pairs.
    const stream = pipe(
      items,
      completionStage<Item>({
        sampler: ({ signal, decide }) =>
          prefixSampler({
            endpoint: { baseURL: server.baseURL, model: "policy", api: "completions" },
            completions: COMPLETIONS,
            params: { temperature: 1, top_p: 0.9, max_tokens: 1024, seed: 0 },
            maxInFlight: BOUND,
            db,
            metrics: new Metrics(),
            signal,
            ...(decide ? { decide, first: firstDraw(rule) } : {}),
          }),
        ...(early
          ? {
            decided: (item, prefix, soFar) =>
              prefixClass(
                soFar.map((s) => mathCompletionValue(prefix.text, s.completion, item)),
                rule,
              ) !== undefined,
          }
          : {}),
      }),
      mathPrefixValueStage({ label: (item) => item.label }),
      mathStepPairStage({
        rule: (item) => ({
          prompt: "",
          run: "bench",
          feedback: "frontier",
          completions: COMPLETIONS,
          label: item.label,
          threshold,
          mode,
        }),
      }),
    );
    const pairs: string[] = [];
    let completions = 0;
    const started = performance.now();
    for await (const item of stream) {
      completions += item.completions.reduce((n, samples) => n + samples.length, 0);
      for (const pair of item.drafts) {
        pairs.push(JSON.stringify([pair.problem_id, pair.chosen, pair.rejected]));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return { requests: server.stats.requests, completions, seconds, pairs: pairs.sort() };
  } finally {
    db.close();
    await server.close();
  }
}

console.log(
  `Prefix completions: ${problems} MATH problems × 8 recorded Qwen2.5-Math solutions; ` +
    `${
      items.length / COPIES
    } with disagreeing samples, each ${COPIES} times (prefixes cut with seeds 0–${
      COPIES - 1
    }), give ${prefixCount} prefixes × ${COMPLETIONS} completions`,
);
console.log(
  `Server: the test's OpenAI-compatible server, ${LATENCY_MS} ms per request, ` +
    `at most ${BOUND} requests in flight (completions API, prompt + prefix)\n`,
);
const header = [
  "rule",
  "run",
  "requests",
  "completions",
  "seconds",
  "completions/s",
  "ratio",
  "pairs",
  "same pairs",
];
const rows: string[][] = [header];
for (
  const [name, threshold, mode] of [
    ["iteration 0: ≥ 2 of 3, one pair", 2, "one"],
    ["later: ≥ 1 of 3, each positive", 1, "each_positive"],
  ] as const
) {
  const full = await run(threshold, mode, false);
  const early = await run(threshold, mode, true);
  const same = JSON.stringify(full.pairs) === JSON.stringify(early.pairs);
  for (const [label, outcome] of [["all 3 (paper)", full], ["early stop", early]] as const) {
    rows.push([
      label === "all 3 (paper)" ? name : "",
      label,
      String(outcome.requests),
      String(outcome.completions),
      outcome.seconds.toFixed(2),
      (outcome.completions / outcome.seconds).toFixed(0),
      (outcome.completions / full.completions).toFixed(3),
      String(outcome.pairs.length),
      label === "early stop" ? (same ? "yes" : "NO") : "-",
    ]);
  }
}
const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
console.log(
  "\nratio = completions drawn / completions of the paper's run; early stop asks for " +
    "min(threshold, 3 − threshold + 1) completions first, then one at a time until the class is decided.",
);
