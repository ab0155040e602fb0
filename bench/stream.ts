/**
 * Stream framework benchmark (issue: foundation).
 * 1. Items per second through a chain of five trivial stages, against a plain
 *    `for await` loop doing the same work, as a ratio.
 * 2. Peak RSS when streaming 10^4 vs 10^6 JSONL records through a three-stage
 *    pipeline (read → map → filter → write), each size in a fresh process.
 *
 * Run: deno run -A bench/stream.ts
 */
import { filter, map, pipe, readJsonl, writeJsonl } from "../mod.ts";

const CHILD = Deno.args[0] === "--rss-child";

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function throughput(): Promise<void> {
  const n = 1_000_000;
  const inc = (x: number) => x + 1;
  const rounds = 3;
  let best = { plain: Infinity, staged: Infinity, ordered4: Infinity };
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    let sum = 0;
    for await (const x of numbers(n)) sum += inc(inc(inc(inc(inc(x)))));
    const plain = performance.now() - t;

    t = performance.now();
    let sum2 = 0;
    for await (const x of pipe(numbers(n), map(inc), map(inc), map(inc), map(inc), map(inc))) {
      sum2 += x;
    }
    const staged = performance.now() - t;

    t = performance.now();
    let sum3 = 0;
    const m = () => map(inc, { concurrency: 4 });
    for await (const x of pipe(numbers(n), m(), m(), m(), m(), m())) sum3 += x;
    const ordered4 = performance.now() - t;
    if (sum !== sum2 || sum !== sum3) throw new Error("Benchmark results differ");
    best = {
      plain: Math.min(best.plain, plain),
      staged: Math.min(best.staged, staged),
      ordered4: Math.min(best.ordered4, ordered4),
    };
  }
  const rate = (ms: number) => Math.round(n / (ms / 1000));
  console.log(`Five trivial stages, ${n.toLocaleString("en")} items (best of ${rounds}):`);
  console.log(`  plain for-await loop           ${rate(best.plain).toLocaleString("en")} items/s`);
  console.log(
    `  five map() stages              ${
      rate(best.staged).toLocaleString("en")
    } items/s  (ratio to plain ${(best.plain / best.staged).toFixed(3)})`,
  );
  console.log(
    `  five map() stages, concurrency 4  ${
      rate(best.ordered4).toLocaleString("en")
    } items/s  (ratio to plain ${(best.plain / best.ordered4).toFixed(3)})`,
  );
}

function peakRssKiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function rssChild(n: number): Promise<void> {
  const dir = await Deno.makeTempDir();
  const input = `${dir}/in.jsonl`;
  await writeJsonl(
    input,
    (async function* () {
      for (let i = 0; i < n; i++) {
        yield { id: `p/${i}`, kind: "math", prompt: `What is ${i} + ${i}?`, answer: String(2 * i) };
      }
    })(),
  );
  const before = peakRssKiB();
  const written = await writeJsonl(
    `${dir}/out.jsonl`,
    pipe(
      readJsonl<{ id: string; answer: string }>(input),
      map((r) => ({ id: r.id, answer: Number(r.answer) })),
      filter((r) => r.answer % 3 !== 1),
    ),
  );
  console.log(JSON.stringify({ written, peakBeforeKiB: before, peakKiB: peakRssKiB() }));
}

async function rss(): Promise<void> {
  console.log("Peak RSS streaming JSONL through read → map → filter → write:");
  const results: { n: number; peakKiB: number }[] = [];
  const dir = await Deno.makeTempDir();
  for (const n of [10_000, 1_000_000]) {
    const input = `${dir}/in-${n}.jsonl`;
    await writeJsonl(
      input,
      (async function* () {
        for (let i = 0; i < n; i++) {
          yield {
            id: `p/${i}`,
            kind: "math",
            prompt: `What is ${i} + ${i}?`,
            answer: String(2 * i),
          };
        }
      })(),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--rss-child", input],
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error(`RSS child for ${n} records failed`);
    const result = JSON.parse(new TextDecoder().decode(output.stdout));
    results.push(result);
    console.log(
      `  ${n.toLocaleString("en").padStart(9)} records  peak RSS ${
        (result.peakKiB / 1024).toFixed(1)
      } MiB`,
    );
  }
  await Deno.remove(dir, { recursive: true });
  console.log(`  ratio 10^6 / 10^4: ${(results[1].peakKiB / results[0].peakKiB).toFixed(2)}`);
}

if (CHILD) {
  await rssChild(Deno.args[1]);
} else {
  await throughput();
  await rss();
}
