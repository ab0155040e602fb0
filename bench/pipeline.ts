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
import { extractProgram, readJsonl, writeJsonl } from "../mod.ts";
import { humanEvalFiles } from "../tests/support/humaneval_files.ts";

const DATA = new URL("../../shared/data/", import.meta.url).pathname;
const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const EXEC = new URL("../sandbox/exec.ts", import.meta.url).pathname;
const CODE_TIMEOUT_MS = 3000;
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

/**
 * The (program, input) jobs the code recipe runs, as `deno task exec` reads them:
 * each completion continued from the prompt and cut at the default stops, called on
 * each of the task's test inputs.
 */
async function execJobs(
  problems: string,
  samples: string,
  path: string,
): Promise<{ path: string; count: number }> {
  const tasks = new Map<string, { prompt: string; entry_point: string; test_inputs: string[] }>();
  for await (
    const p of readJsonl<
      { id: string; prompt: string; entry_point: string; test_inputs: string[] }
    >(
      problems,
    )
  ) tasks.set(p.id, p);
  let count = 0;
  await writeJsonl(
    path,
    (async function* () {
      for await (
        const row of readJsonl<{ problem_id: string; completions: string[] }>(samples)
      ) {
        const task = tasks.get(row.problem_id);
        if (!task) continue;
        for (const completion of row.completions) {
          if (completion.trim() === "") continue;
          const code = extractProgram(completion, {
            mode: "continuation",
            language: "python",
            prompt: task.prompt,
          });
          if (code === undefined) continue;
          for (const args of task.test_inputs) {
            yield {
              id: count++,
              language: "python",
              code,
              call: { entry_point: task.entry_point, args },
            };
          }
        }
      }
    })(),
  );
  return { path, count };
}

/** Seconds `deno task exec` takes over a jobs file (pool start included, as in the pipeline). */
async function runExec(path: string): Promise<number> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      EXEC,
      "--in",
      path,
      "--out",
      "/dev/null",
      "--timeout-ms",
      String(CODE_TIMEOUT_MS),
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno task exec failed: ${new TextDecoder().decode(output.stderr).slice(-2000)}`,
    );
  }
  return (performance.now() - started) / 1000;
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
        String(CODE_TIMEOUT_MS),
      ],
      join(dir, `code-run-${tasks}`),
    );
    report(`${written} tasks`, outcome);
    const jobs = await execJobs(problems, samples, join(dir, `code-jobs-${tasks}.jsonl`));
    const execSeconds = await runExec(jobs.path);
    // Both count every (program, input) job, duplicates answered from the cache included.
    const pipelineRate = jobs.count / outcome.seconds;
    const execRate = jobs.count / execSeconds;
    console.log(
      `  ${"".padEnd(34)} executions/s: pipeline ${pipelineRate.toFixed(1)} (${jobs.count}` +
        ` in ${outcome.seconds.toFixed(1)} s), deno task exec on the same jobs ${
          execRate.toFixed(1)
        } (${jobs.count} in ${execSeconds.toFixed(1)} s), ratio ${
          (pipelineRate / execRate).toFixed(2)
        }`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
