/**
 * Scale-out benchmark: the same program jobs (real HumanEval samples from
 * ../shared/data/humaneval_samples, each program with all of its inputs) through
 * (a) a local sandbox pool of the machine's core count, (b) one remote worker of
 * the same pool size behind a NATS JetStream broker, (c) two remote workers
 * splitting the cores; each twice in the order a b c c b a, side by side in one run.
 * Then the broker's own cost: no-op jobs through the broker (pipeline side, broker
 * and an in-process worker on one machine), per job and per execution.
 *
 * Run: deno task bench scale   (needs nats-server: apt-get install nats-server);
 * `deno run -A bench/scale.ts --broker-only` for the broker's cost alone.
 */
import { cpuUsage } from "node:process";
import {
  ExecutionCache,
  type ExecutionResult,
  ExecutionWorker,
  type Executor,
  map,
  pipe,
  type ProgramJob,
  readJsonl,
  RemoteExecutor,
  SandboxPool,
} from "../mod.ts";
import { humanEvalFiles } from "../tests/support/humaneval_files.ts";
import { NATS_SERVER, startBroker, type TestBroker } from "../tests/support/nats_server.ts";
import { HAS_SHARED_DATA } from "../tests/support/shared_data.ts";
import { extractProgram } from "../src/code/program.ts";

const WORKER = new URL("../pipelines/worker.ts", import.meta.url).pathname;
const CORES = navigator.hardwareConcurrency ?? 2;
const TASKS = 10;
const PROGRAMS = 12;
const INPUTS = 5;
const TIMEOUT_MS = 5000;
const ECHO_JOBS = 3000;

if (!HAS_SHARED_DATA || !NATS_SERVER) {
  console.log("Skipping the scale benchmark: needs ../shared/data and nats-server");
  Deno.exit(0);
}

/** Distinct (program, inputs) jobs from the recorded HumanEval samples. */
async function programJobs(): Promise<ProgramJob[]> {
  const dir = await Deno.makeTempDir();
  const [problems, samples] = await humanEvalFiles(dir, {
    tasks: TASKS,
    inputs: INPUTS,
    completions: PROGRAMS,
  });
  const byId = new Map<string, { prompt: string; entry_point: string; test_inputs: string[] }>();
  for await (
    const p of readJsonl<
      { id: string; prompt: string; entry_point: string; test_inputs: string[] }
    >(
      problems,
    )
  ) byId.set(p.id, p);
  const jobs = new Map<string, ProgramJob>();
  for await (const row of readJsonl<{ problem_id: string; completions: string[] }>(samples)) {
    const problem = byId.get(row.problem_id)!;
    for (const completion of row.completions) {
      const code = extractProgram(completion, {
        mode: "continuation",
        language: "python",
        prompt: problem.prompt,
      });
      if (!code) continue;
      jobs.set(code, {
        language: "python",
        code,
        timeout_ms: TIMEOUT_MS,
        inputs: problem.test_inputs.map((args) => ({
          call: { entry_point: problem.entry_point, args },
        })),
      });
    }
  }
  await Deno.remove(dir, { recursive: true });
  return [...jobs.values()];
}

/** Runs every job with `concurrency` in flight; resolves to seconds and executions. */
async function runJobs(
  executor: Executor,
  jobs: ProgramJob[],
  concurrency: number,
): Promise<{ seconds: number; executions: number; statuses: string }> {
  const started = performance.now();
  let executions = 0;
  const statuses = new Map<string, number>();
  const runs = pipe(
    jobs,
    map((job) => executor.execute(job), { concurrency, ordered: false }),
  );
  for await (const results of runs as AsyncIterable<ExecutionResult[]>) {
    executions += results.length;
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  }
  return {
    seconds: (performance.now() - started) / 1000,
    executions,
    statuses: [...statuses].sort().map(([s, n]) => `${s} ${n}`).join(", "),
  };
}

/** Worker processes, resolved once each has its pool up. */
async function startWorkers(broker: TestBroker, sizes: number[]): Promise<Deno.ChildProcess[]> {
  return await Promise.all(sizes.map(async (size, i) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        WORKER,
        "--nats",
        broker.url,
        "--pool-size",
        String(size),
        "--id",
        `w${i}`,
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes(" ready: ")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`Worker ${i} ended before it was ready`);
      text += value;
    }
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    return child;
  }));
}

async function stopWorkers(children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.status));
}

const jobs = await programJobs();
const executions = jobs.reduce((n, j) => n + j.inputs.length, 0);
console.log(
  `${jobs.length} distinct programs × ≤${INPUTS} inputs = ${executions} executions (HumanEval, ${TASKS} tasks), ${CORES} cores`,
);

const broker = await startBroker();
const BROKER_ONLY = Deno.args.includes("--broker-only");
const timings: Record<string, number[]> = { a: [], b: [], c: [] };
let run = 0;
try {
  for (const config of BROKER_ONLY ? [] : ["a", "b", "c", "c", "b", "a"]) {
    run++;
    let executor: Executor;
    let workers: Deno.ChildProcess[] = [];
    if (config === "a") {
      executor = await SandboxPool.start({ size: CORES });
    } else {
      workers = await startWorkers(broker, config === "b" ? [CORES] : halves(CORES));
      executor = await RemoteExecutor.connect({
        url: broker.url,
        runId: `bench${run}`,
        cache: new ExecutionCache(),
        log: () => {},
      });
    }
    try {
      const outcome = await runJobs(executor, jobs, config === "a" ? CORES * 2 : 256);
      timings[config].push(outcome.seconds);
      console.log(
        `  ${label(config).padEnd(44)} ${outcome.seconds.toFixed(1).padStart(6)} s  ${
          (outcome.executions / outcome.seconds).toFixed(1).padStart(7)
        } executions/s  (${outcome.statuses})`,
      );
    } finally {
      await executor.close();
      await stopWorkers(workers);
    }
  }
  if (!BROKER_ONLY) report();
  await brokerCost(broker);
} finally {
  await broker.stop();
}

function report(): void {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rate = (c: string) => executions / mean(timings[c]);
  console.log("\nMeans of the two runs each, executions/s:");
  console.log(`  (a) local pool                 ${rate("a").toFixed(1)}`);
  console.log(
    `  (b) one remote worker          ${rate("b").toFixed(1)}   (b)/(a) = ${
      (rate("b") / rate("a")).toFixed(2)
    }`,
  );
  console.log(
    `  (c) two workers, cores split   ${rate("c").toFixed(1)}   (c)/(a) = ${
      (rate("c") / rate("a")).toFixed(2)
    }`,
  );
}

/** No-op jobs through the broker: what one job costs beyond its executions. */
async function brokerCost(broker: TestBroker): Promise<void> {
  const echo: Executor = {
    execute: (job) =>
      Promise.resolve(job.inputs.map(() => ({
        status: "ok" as const,
        stdout: "",
        stderr: "",
        duration_ms: 0,
      }))),
    close: () => Promise.resolve(),
  };
  const executor = await RemoteExecutor.connect({
    url: broker.url,
    runId: "echo",
    cache: new ExecutionCache({ maxEntries: 10 }),
    log: () => {},
  });
  const worker = await ExecutionWorker.connect({
    url: broker.url,
    executor: echo,
    poolSize: 64,
    id: "echo",
    log: () => {},
  });
  const running = worker.run();
  const noop = Array.from({ length: ECHO_JOBS }, (_, i) => ({
    language: "python" as const,
    code: `# ${i}`,
    inputs: Array.from({ length: INPUTS }, (_, k) => ({ stdin: String(k) })),
  }));
  const cpu = cpuUsage();
  const brokerBefore = broker.cpuMs();
  const outcome = await runJobs(executor, noop, 256);
  const used = cpuUsage(cpu);
  const brokerMs = broker.cpuMs() - brokerBefore;
  worker.stop();
  await running;
  await executor.close();
  await worker.close();
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `\nBroker cost (no-op jobs of ${INPUTS} inputs, pipeline + in-process worker + broker on one machine):`,
  );
  console.log(
    `  ${ECHO_JOBS} jobs in ${outcome.seconds.toFixed(2)} s: ${
      (ECHO_JOBS / outcome.seconds).toFixed(0)
    } jobs/s, ${(1000 * outcome.seconds / ECHO_JOBS).toFixed(3)} ms wall and ${
      (cpuMs / ECHO_JOBS).toFixed(3)
    } ms CPU (pipeline and worker sides) per job, ${
      (cpuMs / ECHO_JOBS / INPUTS).toFixed(3)
    } ms CPU per execution`,
  );
  console.log(
    `  the broker process: ${
      (brokerMs / ECHO_JOBS).toFixed(3)
    } ms CPU per job (nats-server, file storage)`,
  );
}

function halves(cores: number): number[] {
  const first = Math.max(1, Math.floor(cores / 2));
  return [first, Math.max(1, cores - first)];
}

function label(config: string): string {
  return config === "a"
    ? `(a) local pool of ${CORES}`
    : config === "b"
    ? `(b) one remote worker, pool ${CORES}`
    : `(c) two remote workers, pools ${halves(CORES).join(" + ")}`;
}
