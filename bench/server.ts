/**
 * Live server benchmark (issue: live server).
 * 1. Pairs per second delivered over loopback HTTP: one NDJSON consumer (the
 *    TypeScript client), four concurrent NDJSON consumers, one SSE consumer and
 *    paging through `/v1/pairs`, against reading the pair log in-process with
 *    `PairLog.follow()` (the baseline), as ratios.
 * 2. Delay from a pair's commit to its arrival at a client that follows the run
 *    while it writes (median and p99), against an in-process follower.
 *
 * Consumers run in Web Workers (their own threads), the server and the writer on the
 * main thread. Pairs are built from GSM8K questions and model solutions in
 * ../shared/data when present (synthetic text of similar length otherwise).
 *
 * Run: deno run -A bench/server.ts
 */
import {
  openRunDatabase,
  type Pair,
  type PairDraft,
  PairLog,
  readJsonl,
  startServer,
  streamPairs,
} from "../mod.ts";

type Job =
  | { mode: "ndjson" | "sse" | "pages"; url: string; total: number }
  | { mode: "follow"; url: string; after: number; total: number };
type Report = { count: number; ms: number; arrivals?: [number, number][] };

const IN_WORKER = typeof (globalThis as Record<string, unknown>).WorkerGlobalScope !== "undefined";

/** A consumer in a worker: reads pairs over HTTP and reports how many and how fast. */
async function consume(job: Job): Promise<Report> {
  const start = performance.now();
  let count = 0;
  if (job.mode === "ndjson" || job.mode === "follow") {
    const after = job.mode === "follow" ? job.after : 0;
    const arrivals: [number, number][] = [];
    for await (const pair of streamPairs(job.url, { after })) {
      if (job.mode === "follow") arrivals.push([pair.seq, Date.now()]);
      if (++count === job.total) break;
    }
    return { count, ms: performance.now() - start, arrivals };
  }
  if (job.mode === "sse") {
    const res = await fetch(`${job.url}/v1/pairs/stream`, {
      headers: { Accept: "text/event-stream" },
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    while (count < job.total) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += value;
      const events = rest.split("\n\n");
      rest = events.pop()!;
      for (const event of events) {
        const data = event.split("\n").find((line) => line.startsWith("data: "));
        if (event.includes("event: pair") && data) {
          JSON.parse(data.slice(6));
          count++;
        }
      }
    }
    await reader.cancel();
    return { count, ms: performance.now() - start };
  }
  let after = 0;
  while (count < job.total) {
    const res = await fetch(`${job.url}/v1/pairs?after=${after}&limit=1000`);
    const lines = (await res.text()).split("\n").filter((line) => line !== "");
    for (const line of lines) after = (JSON.parse(line) as Pair).seq;
    count += lines.length;
  }
  return { count, ms: performance.now() - start };
}

if (IN_WORKER) {
  const scope = self as unknown as Worker;
  scope.onmessage = async (event: MessageEvent<Job>) =>
    scope.postMessage(await consume(event.data));
} else if (import.meta.main) {
  await main();
}

function runInWorker(job: Job): Promise<Report> {
  const worker = new Worker(import.meta.url, { type: "module" });
  return new Promise<Report>((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

async function loadDrafts(): Promise<{ drafts: PairDraft[]; source: string }> {
  const path = new URL("../../shared/data/gsm8k/model_solutions.jsonl", import.meta.url);
  const drafts: PairDraft[] = [];
  try {
    type Row = Record<string, { is_correct: boolean; solution: string } | string>;
    for await (const row of readJsonl<Row>(path.pathname)) {
      const wrong = Object.values(row).find((v) => typeof v === "object" && !v.is_correct);
      if (typeof wrong !== "object") continue;
      drafts.push({
        problem_id: "",
        prompt: String(row.question),
        chosen: String(row.ground_truth),
        rejected: wrong.solution,
        chosen_score: 1,
        rejected_score: 0,
        feedback: "self_consistency",
        run: "bench",
      });
    }
    return { drafts, source: "GSM8K questions and model solutions" };
  } catch {
    const text = "Let x be the number of eggs. Then 16 - 3 - 4 = 9 and 9 * 2 = 18. ".repeat(6);
    drafts.push({
      problem_id: "",
      prompt: text,
      chosen: text,
      rejected: text,
      chosen_score: 1,
      rejected_score: 0,
      feedback: "self_consistency",
      run: "bench",
    });
    return { drafts, source: "synthetic text (../shared/data is absent)" };
  }
}

function draftAt(drafts: PairDraft[], i: number): PairDraft {
  const base = drafts[i % drafts.length];
  return { ...base, problem_id: `bench/${i}`, chosen: `${base.chosen}\n[${i}]` };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pfpo-bench-server-" });
  const db = openRunDatabase(`${dir}/run.db`);
  const log = new PairLog(db);
  const server = await startServer({ db, pairLog: log, port: 0 });
  try {
    const { drafts, source } = await loadDrafts();
    const total = 20_000;
    for (let i = 0; i < total; i += 1000) {
      log.append(Array.from({ length: 1000 }, (_, j) => draftAt(drafts, i + j)));
    }
    log.markFinished();
    const bytes = (await (await fetch(`${server.url}/v1/pairs?limit=1000`)).arrayBuffer())
      .byteLength / 1000;
    console.log(
      `Pairs delivered: ${total.toLocaleString("en")} pairs of ~${Math.round(bytes)} bytes ` +
        `(${source}), best of 3`,
    );

    const best = async (run: () => Promise<number>) => {
      let rate = 0;
      for (let round = 0; round < 3; round++) rate = Math.max(rate, await run());
      return rate;
    };
    const baseline = await best(async () => {
      const start = performance.now();
      let count = 0;
      for await (const _ of log.follow(0)) count++;
      if (count !== total) throw new Error(`follow() read ${count} pairs`);
      return total / ((performance.now() - start) / 1000);
    });
    const overHttp = (mode: "ndjson" | "sse" | "pages", consumers: number) =>
      best(async () => {
        const start = performance.now();
        const reports = await Promise.all(
          Array.from({ length: consumers }, () => runInWorker({ mode, url: server.url, total })),
        );
        for (const r of reports) if (r.count !== total) throw new Error(`${mode} got ${r.count}`);
        return (total * consumers) / ((performance.now() - start) / 1000);
      });
    const rows: [string, number][] = [
      ["in-process PairLog.follow() (baseline)", baseline],
      ["GET /v1/pairs pages of 1000, 1 client", await overHttp("pages", 1)],
      ["NDJSON stream, 1 consumer", await overHttp("ndjson", 1)],
      ["NDJSON stream, 4 consumers (total)", await overHttp("ndjson", 4)],
      ["SSE stream, 1 consumer", await overHttp("sse", 1)],
    ];
    console.log(`  ${"".padEnd(42)}${"pairs/s".padStart(12)}${"ratio".padStart(9)}`);
    for (const [name, rate] of rows) {
      console.log(
        `  ${name.padEnd(42)}${Math.round(rate).toLocaleString("en").padStart(12)}${
          (rate / baseline).toFixed(3).padStart(9)
        }`,
      );
    }

    // Commit-to-arrival delay for a client following a run that is still writing.
    const live = 1000;
    const intervalMs = 2;
    log.markWriting();
    let next = total;
    const write = async () => {
      for (let i = 0; i < live; i++) {
        log.append([draftAt(drafts, next++)]);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    };
    // Baseline: an in-process follower on the same event loop.
    const from = log.lastSeq();
    const local: number[] = [];
    const follower = (async () => {
      for await (const pair of log.follow(from)) {
        local.push(Date.now() - log.committedAt(pair.seq)!);
        if (local.length === live) break;
      }
    })();
    await write();
    await follower;
    const httpFrom = log.lastSeq();
    const consumer = runInWorker({ mode: "follow", url: server.url, after: httpFrom, total: live });
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the worker connect
    await write();
    const report = await consumer;
    const remote = report.arrivals!.map(([seq, at]) => at - log.committedAt(seq)!);
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
    };
    const base = stats(local);
    const http = stats(remote);
    console.log(
      `\nCommit-to-arrival delay, ${live} pairs written one every ${intervalMs} ms (ms):`,
    );
    console.log(`  ${"".padEnd(42)}${"median".padStart(8)}${"p99".padStart(8)}`);
    console.log(
      `  ${"in-process PairLog.follow() (baseline)".padEnd(42)}${String(base.median).padStart(8)}${
        String(base.p99).padStart(8)
      }`,
    );
    console.log(
      `  ${"NDJSON stream over loopback".padEnd(42)}${String(http.median).padStart(8)}${
        String(http.p99).padStart(8)
      }`,
    );
    log.markFinished();
  } finally {
    await server.shutdown();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}
