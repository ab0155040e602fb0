/**
 * The sandbox process: started by {@link SandboxPool} as
 * `deno run --no-prompt --allow-read=<pyodide dir>,<sandbox dir>,<two shared modules> sandbox_process.ts <pyodide url>`
 * with no other permission. Its main thread is a supervisor that never runs user
 * code: it reads jobs (one JSON line each) from stdin, hands Python jobs to a warm
 * Pyodide worker and JavaScript/TypeScript jobs to a fresh worker each, enforces the
 * wall-clock limit (interrupt first, then terminate), and writes one result line per
 * job to stdout, each prefixed with the secret the parent sent first so that bytes
 * a program manages to write to the real stdout cannot pass for a result. A Python
 * worker that had to be terminated or reports that isolation is lost is replaced at
 * once, from a memory snapshot of a freshly loaded interpreter (sent by the pool, or
 * made here and sent to the pool). After stopping a JavaScript worker by force the
 * process exits (the pool replaces it), since the worker's thread may still run for
 * a moment. The process also exits when stdin closes (the parent is gone).
 *
 * @module
 */
import { readLines, type RuntimeReport, type WireJob, type WireResult } from "./protocol.ts";
import { clearSignals, REASON_TIMEOUT, type Signals, SIGNALS_BYTES, stopJob } from "./signals.ts";

/** Extra time a job gets after its interrupt before its worker is terminated. */
const GRACE_MS = 400;
const MIB = 1024 * 1024;
/** Resident memory a JavaScript job may add beyond its limit (a fresh worker's own heap). */
const JS_RSS_SLACK_MB = 48;

const encoder = new TextEncoder();
const out = Deno.stdout.writable.getWriter();
let secret = "";

async function send(message: object): Promise<void> {
  await out.write(encoder.encode(`${secret}${JSON.stringify(message)}\n`));
}

const shared = new SharedArrayBuffer(SIGNALS_BYTES);
const signals: Signals = { flags: new Int32Array(shared) };
/** A runtime worker and the channel its reports come back on. */
interface Runtime {
  worker: Worker;
  channel: MessagePort | Worker;
}

let pyodideUrl = "";
/** Pyodide's memory right after start-up: later workers start from it in a fraction of the time. */
let snapshot: Uint8Array | undefined;
/** The warm (or warming) Python worker. */
let python: Promise<Runtime>;

/** Starts a Pyodide worker; it talks only through a private port that user code cannot reach. */
function startPython(): Promise<Runtime> {
  clearSignals(signals);
  const worker = new Worker(new URL("./python_worker.ts", import.meta.url), { type: "module" });
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve, reject) => {
    port1.onmessage = (event) => {
      if (event.data.ready) {
        snapshot ??= event.data.snapshot;
        resolve({ worker, channel: port1 });
      } else {
        reject(new Error(event.data.failed));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage({ init: { pyodideUrl, signals: shared, port: port2, snapshot } }, [port2]);
  });
}

/** Runs `job` on a runtime; resolves with its report, or a limit report if the worker had to be killed. */
function supervise(
  { worker, channel }: Runtime,
  job: WireJob,
  interruptible: boolean,
): Promise<RuntimeReport> {
  const started = performance.now();
  clearSignals(signals);
  return new Promise((resolve) => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finish = (report: RuntimeReport) => {
      for (const timer of timers) clearTimeout(timer);
      channel.onmessage = null;
      worker.onerror = null;
      resolve(report);
    };
    const kill = (status: RuntimeReport["status"], stderr: string) => {
      worker.terminate();
      finish({
        status,
        stdout: "",
        stderr,
        duration_ms: performance.now() - started,
        recycle: true,
      });
    };
    channel.onmessage = (event: MessageEvent) => {
      if (event.data.outputFull) kill("output_limit", "Output limit reached");
      else finish(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      kill("runtime_error", `Worker failed: ${event.message}`);
    };
    const limitMessage = `Time limit of ${job.timeout_ms} ms exceeded`;
    if (interruptible) {
      timers.push(setTimeout(() => {
        stopJob(signals, REASON_TIMEOUT);
        timers.push(setInterval(() => stopJob(signals, REASON_TIMEOUT), 50));
        timers.push(setTimeout(() => kill("timeout", limitMessage), GRACE_MS));
      }, job.timeout_ms));
    } else {
      // No interrupt for JavaScript: stop the worker at the limit, and when the
      // process grows past the job's memory allowance (its heap is not capped per job).
      timers.push(setTimeout(() => kill("timeout", limitMessage), job.timeout_ms));
      const rssLimit = Deno.memoryUsage().rss + (job.memory_mb + JS_RSS_SLACK_MB) * MIB;
      timers.push(setInterval(() => {
        if (Deno.memoryUsage().rss > rssLimit) {
          kill("memory_limit", `Memory limit of ${job.memory_mb} MiB exceeded`);
        }
      }, 25));
    }
    channel.postMessage(job);
  });
}

async function runJob(job: WireJob): Promise<RuntimeReport> {
  if (job.language === "python") {
    const runtime = await python;
    const report = await supervise(runtime, job, true);
    if (report.recycle) {
      // Isolation is no longer guaranteed (or the worker was killed): replace it now.
      runtime.worker.terminate();
      python = startPython();
    }
    return report;
  }
  // A Python worker still being replaced would distort the job's memory watch.
  await python.catch(() => {});
  const worker = new Worker(new URL("./js_worker.ts", import.meta.url), { type: "module" });
  try {
    return await supervise({ worker, channel: worker }, job, false);
  } finally {
    worker.terminate();
  }
}

/** The process must exit after `report`: a JavaScript worker was stopped by force and may still be running. */
function mustExit(job: WireJob, report: RuntimeReport): boolean {
  return job.language !== "python" && report.recycle || report.status === "sandbox_error";
}

async function main(): Promise<void> {
  pyodideUrl = Deno.args[0];
  const input = readLines(Deno.stdin.readable);
  const hello = await input.next();
  if (hello.done) Deno.exit(0);
  const greeting = JSON.parse(hello.value) as { secret: string; snapshot?: string };
  secret = greeting.secret;
  if (greeting.snapshot) snapshot = Uint8Array.fromBase64(greeting.snapshot);
  python = startPython();
  try {
    await python;
    // A pool without a snapshot yet gets this one, so its other processes start fast.
    await send(
      greeting.snapshot ? { ready: true } : { ready: true, snapshot: snapshot?.toBase64() },
    );
  } catch (error) {
    await send({ failed: error instanceof Error ? error.message : String(error) });
    Deno.exit(1);
  }
  for await (const line of input) {
    const job: WireJob = JSON.parse(line);
    let report: RuntimeReport;
    try {
      report = await runJob(job);
    } catch (error) {
      report = {
        status: "sandbox_error",
        stdout: "",
        stderr: error instanceof Error ? error.message : String(error),
        duration_ms: 0,
        recycle: true,
      };
    }
    const { recycle: _, ...result } = report;
    const exiting = mustExit(job, report);
    await send({ id: job.id, ...result, ...(exiting ? { exiting } : {}) } satisfies WireResult);
    if (exiting) Deno.exit(0);
  }
  Deno.exit(0);
}

await main();
