/**
 * The sandbox process: started by {@link SandboxPool} as
 * `deno run --no-prompt --allow-read=<pyodide dir>,<sandbox dir> sandbox_process.ts <pyodide url>`
 * with no other permission. Its main thread is a supervisor that never runs user
 * code: it reads jobs (one JSON line each) from stdin, hands Python jobs to a warm
 * Pyodide worker and JavaScript/TypeScript jobs to a fresh worker each, enforces the
 * wall-clock limit (interrupt first, then terminate), and writes one result line per
 * job to stdout, each prefixed with the secret the parent sent first so that bytes
 * a program manages to write to the real stdout cannot pass for a result. When a
 * worker had to be terminated or reports that isolation is lost, the process exits
 * after the result and the pool starts a replacement. It exits when stdin closes
 * (the parent is gone).
 *
 * @module
 */
import { readLines, type RuntimeReport, type WireJob, type WireResult } from "./protocol.ts";
import { clearSignals, REASON_TIMEOUT, type Signals, SIGNALS_BYTES, stopJob } from "./signals.ts";

/** Extra time a job gets after its interrupt before its worker is terminated. */
const GRACE_MS = 400;

const encoder = new TextEncoder();
const out = Deno.stdout.writable.getWriter();
let secret = "";

async function send(message: object): Promise<void> {
  await out.write(encoder.encode(`${secret}${JSON.stringify(message)}\n`));
}

const shared = new SharedArrayBuffer(SIGNALS_BYTES);
const signals: Signals = { flags: new Int32Array(shared) };
let python: Worker | undefined;

function startPython(pyodideUrl: string): Promise<Worker> {
  const worker = new Worker(new URL("./python_worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      if (event.data.ready) resolve(worker);
      else reject(new Error(event.data.failed));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage({ init: { pyodideUrl, signals: shared } });
  });
}

/** Runs `job` on `worker`; resolves with its report or a timeout report if it had to be killed. */
function supervise(worker: Worker, job: WireJob, interruptible: boolean): Promise<RuntimeReport> {
  const started = performance.now();
  clearSignals(signals);
  return new Promise((resolve) => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finish = (report: RuntimeReport) => {
      for (const timer of timers) clearTimeout(timer);
      worker.onmessage = null;
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
    worker.onmessage = (event) => {
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
      timers.push(setTimeout(() => kill("timeout", limitMessage), job.timeout_ms));
    }
    worker.postMessage(job);
  });
}

async function runJob(job: WireJob, pyodideUrl: string): Promise<RuntimeReport> {
  if (job.language === "python") {
    python ??= await startPython(pyodideUrl);
    const report = await supervise(python, job, true);
    if (report.recycle) python = undefined;
    return report;
  }
  const worker = new Worker(new URL("./js_worker.ts", import.meta.url), { type: "module" });
  try {
    return await supervise(worker, job, false);
  } finally {
    worker.terminate();
  }
}

async function main(): Promise<void> {
  const pyodideUrl = Deno.args[0];
  const input = readLines(Deno.stdin.readable);
  const hello = await input.next();
  if (hello.done) Deno.exit(0);
  secret = JSON.parse(hello.value).secret;
  try {
    python = await startPython(pyodideUrl);
    await send({ ready: true });
  } catch (error) {
    await send({ failed: error instanceof Error ? error.message : String(error) });
    Deno.exit(1);
  }
  for await (const line of input) {
    const job: WireJob = JSON.parse(line);
    let report: RuntimeReport;
    try {
      report = await runJob(job, pyodideUrl);
    } catch (error) {
      report = {
        status: "sandbox_error",
        stdout: "",
        stderr: error instanceof Error ? error.message : String(error),
        duration_ms: 0,
        recycle: true,
      };
    }
    const result: WireResult = { id: job.id, ...report };
    if (!result.recycle) delete result.recycle;
    await send(result);
    if (report.recycle) Deno.exit(0);
  }
  Deno.exit(0);
}

await main();
