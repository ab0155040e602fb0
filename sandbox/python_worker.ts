/**
 * Web Worker that hosts one warm Pyodide interpreter inside a sandbox process and
 * runs Python jobs one at a time, isolating them with the runner in
 * `python_runner.ts`. Limits: the supervisor interrupts through a shared buffer on
 * timeout; output beyond the cap interrupts from here; WebAssembly memory growth
 * beyond the job's cap is refused, which Python sees as `MemoryError`.
 *
 * Start-up: one message `{ init: { pyodideUrl, signals, port, snapshot? } }`; after
 * that the worker talks only on `port` (a private `MessagePort`): it answers
 * `{ ready: true, snapshot? }` (the snapshot it made when given none) or
 * `{ failed: text }`, then takes {@link WireJob}s and answers {@link RuntimeReport}s.
 * Timers scheduled during a job never fire in a later one.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { PYTHON_RUNNER } from "./python_runner.ts";
import { type RuntimeReport, runtimeReport, type WireJob } from "./protocol.ts";
import { OutputBuffer, REASON_OUTPUT, REASON_TIMEOUT, type Signals, stopJob } from "./signals.ts";

const MIB = 1024 * 1024;

let memoryCap = Infinity;
let memoryRefused = false;
const originalGrow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function grow(this: WebAssembly.Memory, pages: number) {
  if (this.buffer.byteLength + pages * 65536 > memoryCap) {
    memoryRefused = true;
    throw new RangeError("WebAssembly memory limit reached");
  }
  return originalGrow.call(this, pages);
};

interface PythonRun {
  (source: string, mode: string, entryPoint: string, args: string): {
    toJs(): [RuntimeReport["status"], string, string | undefined, string | undefined, boolean];
    destroy(): void;
  };
}

let signals: Signals;
let run: PythonRun;
let baseline = 0;
let stdin = new Uint8Array(0);
let stdinAt = 0;
let stdout: OutputBuffer;
let stderr: OutputBuffer;

/** Loads Pyodide (from `snapshot` when given) and the runner; returns a fresh snapshot otherwise. */
async function init(
  pyodideUrl: string,
  shared: SharedArrayBuffer,
  snapshot: Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  const { loadPyodide } = await import(pyodideUrl);
  const indexURL = new URL(".", pyodideUrl).pathname;
  const pyodide = snapshot
    ? await loadPyodide({ indexURL, _loadSnapshot: snapshot })
    : await loadPyodide({ indexURL, _makeSnapshot: true });
  const made: Uint8Array | undefined = snapshot ? undefined : pyodide.makeMemorySnapshot();
  signals = { flags: new Int32Array(shared) };
  pyodide.setInterruptBuffer(new Int32Array(shared, 0, 1));
  stdout = new OutputBuffer(() => stopJob(signals, REASON_OUTPUT));
  stderr = new OutputBuffer(() => stopJob(signals, REASON_OUTPUT));
  pyodide.setStdin({
    read(buffer: Uint8Array): number {
      const n = Math.min(buffer.length, stdin.length - stdinAt);
      buffer.set(stdin.subarray(stdinAt, stdinAt + n));
      stdinAt += n;
      return n;
    },
  });
  pyodide.setStdout({ write: (buffer: Uint8Array) => stdout.write(buffer) });
  pyodide.setStderr({ write: (buffer: Uint8Array) => stderr.write(buffer) });
  run = pyodide.runPython(PYTHON_RUNNER, { globals: pyodide.toPy({}) });
  baseline = (pyodide._module.HEAPU8 as Uint8Array).buffer.byteLength;
  delete (globalThis as Record<string, unknown>).Deno;
  return made;
}

function execute(job: WireJob): RuntimeReport {
  const started = performance.now();
  stdin = new TextEncoder().encode(job.stdin);
  stdinAt = 0;
  stdout.reset(job.max_output_bytes);
  stderr.reset(job.max_output_bytes);
  memoryRefused = false;
  memoryCap = baseline + job.memory_mb * MIB;
  let status: RuntimeReport["status"];
  let errorText: string;
  let returned: string | undefined;
  let errorType: string | undefined;
  let dirty: boolean;
  try {
    const proxy = run(job.source, job.mode, job.entry_point, job.args);
    [status, errorText, returned, errorType, dirty] = proxy.toJs();
    proxy.destroy();
  } catch (error) {
    // The interpreter itself stopped (os._exit, a stack overflow): replace the worker.
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const exit = /^Exit: Program terminated with exit\((\d+)\)/.exec(text);
    status = exit?.[1] === "0" ? "ok" : "runtime_error";
    errorText = exit ? "" : text;
    dirty = true;
  } finally {
    memoryCap = Infinity;
  }
  const reason = Atomics.load(signals.flags, 1);
  if (reason === REASON_TIMEOUT) status = "timeout";
  else if (reason === REASON_OUTPUT) status = "output_limit";
  else if (memoryRefused || errorType === "MemoryError") status = "memory_limit";
  return runtimeReport({
    status,
    stdout: stdout.text(),
    stderr: stderr.text(),
    errorText,
    started,
    recycle: dirty || status === "memory_limit",
    returnValue: returned,
  });
}

/** Timers scheduled during one job never fire in a later one. */
function guardTimers(): void {
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const realClearInterval = globalThis.clearInterval;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const scheduledIn = generation;
    return realSetTimeout(() => {
      if (scheduledIn === generation) fn(...args);
    }, ms);
  }) as unknown as typeof setTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const scheduledIn = generation;
    const id = realSetInterval(() => {
      if (scheduledIn === generation) fn(...args);
      else realClearInterval(id);
    }, ms);
    return id;
  }) as unknown as typeof setInterval;
}

let generation = 0;
guardTimers();

self.onmessage = async (event: MessageEvent) => {
  self.onmessage = null;
  const { pyodideUrl, signals: shared, port, snapshot } = event.data.init as {
    pyodideUrl: string;
    signals: SharedArrayBuffer;
    port: MessagePort;
    snapshot?: Uint8Array;
  };
  let made: Uint8Array | undefined;
  try {
    made = await init(pyodideUrl, shared, snapshot);
  } catch (error) {
    port.postMessage({
      failed: error instanceof Error ? error.stack ?? error.message : String(error),
    });
    return;
  }
  port.onmessage = (message: MessageEvent<WireJob>) => {
    const report = execute(message.data);
    generation++;
    port.postMessage(report);
  };
  port.postMessage({ ready: true, snapshot: made }, made ? [made.buffer as ArrayBuffer] : []);
};
