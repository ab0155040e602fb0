/**
 * Sampling throughput against the local OpenAI-compatible test server with 200 ms
 * injected latency: requests in flight achieved against the configured bound
 * (target ≥ 95%), and samples per second against the ideal (bound / latency), with
 * and without 10% injected 429/503 responses.
 *
 * The server runs in a worker (its own thread), as a real server runs apart from
 * its clients, and reports its requests in flight averaged over time. "Steady"
 * columns cover the time while the sampler still had problems to start (the source
 * was not yet exhausted); "overall" includes the tail, when the last requests (and,
 * with faults, their retries and backoff waits) drain.
 *
 * Run: deno run -A bench/sampling.ts
 */
import { policySampler } from "../src/sampling/sampler.ts";
import type { NMode } from "../src/sampling/sampler.ts";
import type { MathProblem } from "../src/model/problem.ts";
import type { Fault } from "../tests/fixtures/openai_server.ts";
import { absoluteNow, startWorkerServer } from "../tests/fixtures/openai_server_worker.ts";
import { mathProblems } from "../tests/fixtures/sampling_problems.ts";

const LATENCY_MS = 200;
const BOUND = 32;
const SAMPLES = 4;
const REQUESTS = 1000; // per scenario, without retries

interface Scenario {
  name: string;
  faultRate: number;
  nMode: NMode;
}

const FAULTS: Fault[] = [
  { kind: "status", status: 429 },
  { kind: "status", status: 429, retryAfter: "1" },
  { kind: "status", status: 503 },
];

interface Result {
  scenario: Scenario;
  seconds: number;
  steadySamplesPerSecond: number;
  steadyInFlight: number;
  overallInFlight: number;
  samplesPerSecond: number;
  failed: number;
  requests: number;
}

async function run(scenario: Scenario): Promise<Result> {
  const server = await startWorkerServer({
    rate: scenario.faultRate,
    faults: FAULTS,
    latencyMs: LATENCY_MS,
    seed: 42,
  });
  const problems = scenario.nMode === "single" ? REQUESTS / SAMPLES : REQUESTS;
  let sourceDoneAt = Infinity;
  let countAtSourceDone = 0;
  async function* source(): AsyncGenerator<MathProblem> {
    yield* mathProblems(problems);
    sourceDoneAt = absoluteNow();
    countAtSourceDone = count;
  }
  const started = performance.now();
  const startedAbsolute = absoluteNow();
  let count = 0;
  let failed = 0;
  try {
    const stage = policySampler({
      endpoint: { baseURL: server.baseURL, model: "bench", apiKey: "bench" },
      samples: SAMPLES,
      nMode: scenario.nMode,
      maxInFlight: BOUND,
    });
    for await (const sample of stage(source())) {
      count++;
      if (sample.failure) failed++;
    }
    const seconds = (performance.now() - started) / 1000;
    const report = await server.report(sourceDoneAt);
    return {
      scenario,
      seconds,
      steadySamplesPerSecond: countAtSourceDone / ((sourceDoneAt - startedAbsolute) / 1000),
      steadyInFlight: report.until,
      overallInFlight: report.overall,
      samplesPerSecond: count / seconds,
      failed,
      requests: report.requests,
    };
  } finally {
    await server.close();
  }
}

const scenarios: Scenario[] = [
  { name: "no faults, n=1 requests", faultRate: 0, nMode: "single" },
  { name: "10% 429/503, n=1 requests", faultRate: 0.1, nMode: "single" },
  { name: "no faults, n=4 requests", faultRate: 0, nMode: "multi" },
  { name: "10% 429/503, n=4 requests", faultRate: 0.1, nMode: "multi" },
];

console.log(
  `Sampling throughput: ${REQUESTS} requests' worth of samples (${SAMPLES} per problem), ` +
    `bound ${BOUND} in flight, ${LATENCY_MS} ms latency per request`,
);
const rows: string[][] = [[
  "scenario",
  "requests",
  "seconds",
  "in flight (steady)",
  "/ bound",
  "in flight (overall)",
  "/ bound",
  "samples/s (steady)",
  "ratio",
  "samples/s (overall)",
  "ratio",
  "ideal",
  "failed",
]];
for (const scenario of scenarios) {
  const result = await run(scenario);
  const perRequest = scenario.nMode === "single" ? 1 : SAMPLES;
  const ideal = (BOUND * perRequest) / (LATENCY_MS / 1000);
  rows.push([
    scenario.name,
    String(result.requests),
    result.seconds.toFixed(2),
    result.steadyInFlight.toFixed(1),
    `${(100 * result.steadyInFlight / BOUND).toFixed(1)}%`,
    result.overallInFlight.toFixed(1),
    `${(100 * result.overallInFlight / BOUND).toFixed(1)}%`,
    result.steadySamplesPerSecond.toFixed(1),
    `${(100 * result.steadySamplesPerSecond / ideal).toFixed(1)}%`,
    result.samplesPerSecond.toFixed(1),
    `${(100 * result.samplesPerSecond / ideal).toFixed(1)}%`,
    ideal.toFixed(0),
    String(result.failed),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
for (const row of rows) {
  console.log(
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  "),
  );
}
console.log(
  "ideal = bound × samples per request / latency; with 10% faults, about 10% of the server's " +
    "time goes to rejected requests, so ~90% of ideal is the ceiling.",
);
