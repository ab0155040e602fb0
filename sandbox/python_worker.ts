/**
 * Web Worker that hosts one warm Pyodide interpreter inside a sandbox process and
 * runs Python jobs one at a time, isolating them with the runner in
 * `python_runner.ts`. Limits: the supervisor interrupts through a shared buffer on
 * timeout; output beyond the cap interrupts from here; WebAssembly memory growth
 * beyond the job's cap is refused, which Python sees as `MemoryError`.
 *
 * Messages in: `{ init: { pyodideUrl, signals } }` once, then {@link WireJob}s.
 * Messages out: `{ ready: true }` or `{ failed: text }` once, then
 * {@link RuntimeReport}s.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { PYTHON_RUNNER } from "./python_runner.ts";
import { type RuntimeReport, truncateText, type WireJob } from "./protocol.ts";
import {
  OutputBuffer,
  REASON_MEMORY,
  REASON_OUTPUT,
  REASON_TIMEOUT,
  type Signals,
  stopJob,
} from "./signals.ts";

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

async function init(pyodideUrl: string, shared: SharedArrayBuffer): Promise<void> {
  const { loadPyodide } = await import(pyodideUrl);
  const pyodide = await loadPyodide({ indexURL: new URL(".", pyodideUrl).pathname });
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
    // The interpreter itself failed (e.g. its stack overflowed): replace the worker.
    status = "runtime_error";
    errorText = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    dirty = true;
  } finally {
    memoryCap = Infinity;
  }
  const reason = Atomics.load(signals.flags, 1);
  if (memoryRefused || reason === REASON_MEMORY) status = "memory_limit";
  else if (reason === REASON_OUTPUT) status = "output_limit";
  else if (reason === REASON_TIMEOUT) status = "timeout";
  else if (errorType === "MemoryError") status = "memory_limit";
  const stderrText = stderr.text();
  const report: RuntimeReport = {
    status,
    stdout: stdout.text(),
    stderr: truncateText(
      errorText ? (stderrText ? `${stderrText}\n${errorText}` : errorText) : stderrText,
    ),
    duration_ms: performance.now() - started,
    recycle: dirty || status === "memory_limit",
  };
  if (returned !== undefined && status === "ok") report.return_value = returned;
  return report;
}

self.onmessage = async (event: MessageEvent) => {
  const data = event.data;
  if (data.init) {
    try {
      await init(data.init.pyodideUrl, data.init.signals);
      self.postMessage({ ready: true });
    } catch (error) {
      self.postMessage({
        failed: error instanceof Error ? error.stack ?? error.message : String(error),
      });
    }
    return;
  }
  self.postMessage(execute(data as WireJob));
};
