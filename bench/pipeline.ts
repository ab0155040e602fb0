/**
 * End-to-end pipeline benchmark.
 * 1. math-self-consistency over 10^4 and 10^5 recorded samples (the real Qwen2.5-Math
 *    samples of ../shared/data/math_samples, 50 problems × 8, repeated under new ids).
 * 2. code-self-consistency over the real HumanEval samples of
 *    ../shared/data/humaneval_samples (100 CodeGen programs per task, inputs taken
 *    from the model-written asserts, at most 10 per task), on 10 tasks and on all 82.
 * For each: samples per second end to end, busy time per part, and the peak RSS of
 * the pipeline process (flat in input size).
 *
 * Math runs twice per size: with V8's default heap, and with the old space capped at
 * 64 MiB (a run that retained anything per sample could not finish under it).
 *
 * Run: deno run -A bench/pipeline.ts [--quick | --large] [math|code]
 * (`--large`: math at 10^5 and 2 × 10^5 samples instead of 10^4 and 10^5)
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { readJsonl, writeJsonl } from "../mod.ts";
import { humanEvalFiles } from "../tests/support/humaneval_files.ts";

const DATA = new URL("../../shared/data/", import.meta.url).pathname;
const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const QUICK = Deno.args.includes("--quick");
const ONLY = Deno.args.find((arg) => arg === "math" || arg === "code");
/** A V8 old-space cap under which 10^5 samples must still stream through. */
const HEAP_CAP_MIB = 64;

interface Outcome {
  samples: number;
  seconds: number;
  peakMiB: number;
  busy: Record<string, number>;
  pairs: number;
}

async function runPipeline(args: string[], dir: string, heapCapMiB?: number): Promise<Outcome> {
  const v8 = heapCapMiB ? [`--v8-flags=--max-old-space-size=${heapCapMiB}`] : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...v8, MAIN, "--run", dir, "--no-serve", ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peakKiB = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch { /* exited */ }
  }, 50);
  const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
  clearInterval(poll);
  if (!status.success) throw new Error(`Pipeline failed: ${stderr.slice(-2000)}`);
  const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  const recipe = Object.values(summary.recipes)[0] as { samples: number };
  return {
    samples: recipe.samples,
    seconds: summary.time.wall_seconds,
    peakMiB: peakKiB / 1024,
    busy: summary.time.busy_seconds,
    pairs: summary.pairs.total,
  };
}

function report(label: string, outcome: Outcome): void {
  const shares = Object.entries(outcome.busy)
    .filter(([, s]) => s > 0.05)
    .map(([part, s]) => `${part} ${(100 * s / outcome.seconds).toFixed(0)}%`)
    .join(", ");
  console.log(
    `  ${label.padEnd(34)} ${String(outcome.samples).padStart(7)} samples  ${
      outcome.seconds.toFixed(1).padStart(6)
    } s  ${(outcome.samples / outcome.seconds).toFixed(0).padStart(6)} samples/s  peak RSS ${
      outcome.peakMiB.toFixed(0).padStart(4)
    } MiB  pairs ${outcome.pairs}`,
  );
  console.log(`  ${"".padEnd(34)} busy time / wall: ${shares}`);
}

async function mathFiles(dir: string, copies: number): Promise<[string, string]> {
  const rows = await Array.fromAsync(
    readJsonl<{ idx: number; question: string; gt: string; response: string[] }>(
      join(DATA, "math_samples", "math_cot_dev.jsonl"),
    ),
  );
  const problems = join(dir, `math-${copies}.jsonl`);
  const samples = join(dir, `math-samples-${copies}.jsonl`);
  const ids = function* () {
    for (let copy = 0; copy < copies; copy++) {
      for (const row of rows) yield { row, id: `math/${row.idx}/${copy}` };
    }
  };
  await writeJsonl(
    problems,
    (function* () {
      for (const { row, id } of ids()) {
        yield { id, kind: "math", prompt: row.question, answer: row.gt };
      }
    })(),
  );
  await writeJsonl(
    samples,
    (function* () {
      for (const { row, id } of ids()) yield { problem_id: id, completions: row.response };
    })(),
  );
  return [problems, samples];
}

if (!existsSync(DATA)) {
  console.log(`Skipping the pipeline benchmark: ${DATA} is absent`);
  Deno.exit(0);
}
const dir = await Deno.makeTempDir();
try {
  if (ONLY !== "code") console.log("math-self-consistency on recorded samples (fixed k = 8):");
  for (
    const copies of ONLY === "code"
      ? []
      : QUICK
      ? [25]
      : Deno.args.includes("--large")
      ? [250, 500]
      : [25, 250]
  ) {
    const [problems, samples] = await mathFiles(dir, copies);
    const args = `--recipe math-self-consistency --n 8 --problems ${problems} --samples ${samples}`;
    for (const cap of [undefined, HEAP_CAP_MIB]) {
      const outcome = await runPipeline(args.split(" "), join(dir, `math-${copies}-${cap}`), cap);
      report(`${copies * 50} problems${cap ? `, heap cap ${cap} MiB` : ""}`, outcome);
    }
  }
  if (ONLY !== "math") {
    console.log("code-self-consistency on HumanEval samples (100 programs × ≤10 inputs per task):");
  }
  for (const tasks of ONLY === "math" ? [] : QUICK ? [3] : [10, 82]) {
    const [problems, samples, written] = await humanEvalFiles(dir, { tasks });
    const outcome = await runPipeline(
      [
        "--recipe",
        "code-self-consistency",
        "--problems",
        problems,
        "--samples",
        samples,
        "--n",
        "100",
        "--completion",
        "continuation",
        "--timeout-ms",
        "3000",
      ],
      join(dir, `code-run-${tasks}`),
    );
    report(`${written} tasks`, outcome);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
