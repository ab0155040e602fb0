/**
 * Parquet reading benchmark: NuminaMath-CoT-shaped records (source, problem,
 * solution with a boxed answer) read as problems through `readProblems`, from a
 * Parquet file (row groups of 10,000, as a Hub shard) and, side by side, from the
 * same records as JSONL (the baseline). Each size runs in a fresh process, with the
 * default heap and with the heap capped at 48 MiB; the child collects garbage
 * every 10% of the rows and reports the largest live heap seen, so a reader that
 * kept rows would show a live heap growing with the input.
 *
 * Run: deno task bench parquet
 */
import { ParquetFileWriter, readProblems, writeJsonl } from "../mod.ts";

const CHILD = Deno.args[0] === "--child";
const HEAP_CAP_MIB = 48;
const SIZES = [10_000, 100_000, 1_000_000];

function peakRssKiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

function record(i: number) {
  return {
    source: i % 7 === 0 ? "amc_aime" : "synthetic_math",
    problem: `Let $x = ${i}$. What is $x + ${i % 97}$?`,
    solution: `We add: ${i} + ${i % 97} = ${i + (i % 97)}. The answer is $\\boxed{${
      i + (i % 97)
    }}$.`,
  };
}

async function child(input: string, rows: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const started = performance.now();
  let read = 0;
  let answers = 0;
  let liveMaxKiB = 0;
  const every = Math.max(1, Math.floor(rows / 10));
  for await (const problem of readProblems(input)) {
    read++;
    if (problem.kind === "math" && problem.answer) answers++;
    if (read % every === 0) {
      gc();
      liveMaxKiB = Math.max(liveMaxKiB, Deno.memoryUsage().heapUsed / 1024);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ read, answers, liveMaxKiB, peakKiB: peakRssKiB(), seconds }));
}

interface Result {
  read: number;
  answers: number;
  liveMaxKiB: number;
  peakKiB: number;
  seconds: number;
}

async function measure(input: string, rows: number, cap?: number): Promise<Result> {
  const v8 = [`--v8-flags=--expose-gc${cap ? `,--max-old-space-size=${cap}` : ""}`];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...v8, new URL(import.meta.url).pathname, "--child", input, String(rows)],
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`Child for ${input} failed (heap cap ${cap})`);
  const result: Result = JSON.parse(new TextDecoder().decode(output.stdout));
  if (result.read !== rows || result.answers !== rows) {
    throw new Error(`Expected ${rows} problems with answers from ${input}, got ${result.answers}`);
  }
  return result;
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir();
  const mib = (kib: number) => `${(kib / 1024).toFixed(1).padStart(6)} MiB`;
  const live: Record<string, number[]> = { parquet: [], jsonl: [] };
  const peaks: Record<string, number[]> = { parquet: [], jsonl: [] };
  console.log(
    "Reading NuminaMath-shaped records as problems (readProblems), Parquet vs JSONL, fresh process each:",
  );
  try {
    for (const n of SIZES) {
      const parquet = `${dir}/train-${n}.parquet`;
      const writer = ParquetFileWriter.open(parquet, {
        columns: [
          { name: "source", type: "STRING" },
          { name: "problem", type: "STRING" },
          { name: "solution", type: "STRING" },
        ],
        rowGroupSize: 10_000,
      });
      for (let i = 0; i < n; i++) await writer.write(record(i));
      await writer.close();
      const jsonl = `${dir}/train-${n}.jsonl`;
      await writeJsonl(
        jsonl,
        (function* () {
          for (let i = 0; i < n; i++) yield record(i);
        })(),
      );
      for (const [name, path] of [["parquet", parquet], ["jsonl", jsonl]] as const) {
        const free = await measure(path, n);
        const capped = await measure(path, n, HEAP_CAP_MIB);
        live[name].push(free.liveMaxKiB);
        peaks[name].push(capped.peakKiB);
        const size = (await Deno.stat(path)).size / 2 ** 20;
        console.log(
          `  ${name.padEnd(7)} ${n.toLocaleString("en").padStart(9)} rows (${
            size.toFixed(1).padStart(5)
          } MiB)  ${Math.round(n / free.seconds).toLocaleString("en").padStart(9)} rows/s` +
            `  live heap max ${mib(free.liveMaxKiB)}  peak RSS ${mib(free.peakKiB)}` +
            ` (heap capped at ${HEAP_CAP_MIB} MiB: ${mib(capped.peakKiB)})`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const ratio = (values: number[]) => ((values.at(-1) as number) / values[0]).toFixed(2);
  console.log(
    `  live heap ratio 10^6 / 10^4: parquet ${ratio(live.parquet)}, jsonl ${ratio(live.jsonl)}`,
  );
  console.log(
    `  peak RSS ratio 10^6 / 10^4 (capped heap): parquet ${ratio(peaks.parquet)}, jsonl ${
      ratio(peaks.jsonl)
    }`,
  );
  console.log(
    `  parquet / jsonl at 10^6 rows: live heap ${
      ((live.parquet.at(-1) as number) / (live.jsonl.at(-1) as number)).toFixed(2)
    }, capped peak RSS ${
      ((peaks.parquet.at(-1) as number) / (peaks.jsonl.at(-1) as number)).toFixed(2)
    }`,
  );
}

if (CHILD) {
  await child(Deno.args[1], Number(Deno.args[2]));
} else {
  await main();
}
