/**
 * Web Worker that hosts one Pyodide interpreter inside a sandbox process and runs
 * Python programs one at a time. The isolation unit is the program: all of its
 * inputs run in the interpreter (each in fresh globals), then the interpreter is put
 * back to its pristine state as a whole, so nothing a program did survives it:
 *
 * - the whole WebAssembly linear memory is copied back from a snapshot taken after
 *   start-up (memory a program grew is zeroed), which undoes every Python object,
 *   module, builtin, finalizer, hook and frame at once;
 * - the in-memory file system is restored when the program changed it (files, folders,
 *   open descriptors, working directory);
 * - the table of JavaScript objects Python holds (Pyodide's hiwire table) is restored,
 *   and JavaScript-side finalizers registered for Python objects during the program
 *   are unregistered.
 *
 * Python cannot reach the JavaScript side: every entry of that table is a frozen
 * empty object (so `js`, `pyodide_js` and any object-graph route lead nowhere), the
 * bridge modules are removed, and `_ctypes`, `_pyodide_core` and the `_test*`
 * built-in modules cannot be imported. Limits: the supervisor interrupts through a
 * shared buffer on timeout; output beyond the cap interrupts from here; WebAssembly
 * memory growth beyond the program's cap is refused (`MemoryError`).
 *
 * Start-up: one message `{ init: { pyodideUrl, signals, port, snapshot? } }`; after
 * that the worker talks only on `port` (a private `MessagePort`): it answers
 * `{ ready: true, snapshot? }` (the start-up snapshot it made when given none) or
 * `{ failed: text }`, then takes {@link PythonTask}s and answers `{ started: true }` as it starts each
 * and one {@link RuntimeReport} when it ends.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { PYTHON_RUNNER, PYTHON_SEAL, RUNNER_NAME } from "./python_runner.ts";
import {
  RETURN_VALUE_LIMIT,
  type RuntimeReport,
  runtimeReport,
  type WireProgram,
} from "./protocol.ts";
import { OutputBuffer, REASON_OUTPUT, REASON_TIMEOUT, type Signals, stopJob } from "./signals.ts";

/** One input of a program; `program` comes with the first input the worker sees of it. */
export interface PythonTask {
  id: number;
  program?: WireProgram;
  index: number;
  /** Put the interpreter back to its pristine state after this input. */
  last: boolean;
  /** Benchmark only: skip the reset (never set by the pool outside the benchmark). */
  noReset?: boolean;
}

const MIB = 1024 * 1024;
/** Memory growth past the start-up size beyond which the worker is replaced instead of reset. */
const MAX_RESET_GROWTH = 64 * MIB;

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

type PyCallable<R> = ((...args: unknown[]) => R) & { destroy(): void };
interface PyResult<T> {
  toJs(): T;
  destroy(): void;
}

// deno-lint-ignore no-explicit-any
type Emscripten = any;

let signals: Signals;
let module: Emscripten;
let load: PyCallable<string>;
let runInput: PyCallable<
  PyResult<[RuntimeReport["status"], string, string | undefined, string | undefined]>
>;
let baseline = 0;
let stdin = new Uint8Array(0);
let stdinAt = 0;
let stdout: OutputBuffer;
let stderr: OutputBuffer;
let current: { id: number; program: WireProgram; compileError: string } | undefined;
let broken = "";

/** What the pristine interpreter looks like outside its linear memory. */
interface Pristine {
  memory: Uint8Array;
  table: unknown[];
  files: Map<string, { mode: number; contents?: Uint8Array; target?: string; mtime: number }>;
  streams: Map<number, number>;
  cwd: string;
}
let pristine: Pristine;
let fsChanged = false;
/** Finalizer tokens registered for Python objects during the current program. */
const registrations = new Set<object>();
/** The stand-in for every JavaScript object Python could otherwise hold. */
const NOTHING = Object.freeze(Object.create(null));

function tableEntries(): unknown[] {
  const entries: unknown[] = [];
  for (let i = 0;; i++) {
    try {
      entries.push(module.__hiwire_get(i));
    } catch {
      return entries;
    }
  }
}

/** Makes the built-in modules named by `unwanted` impossible to import (their inittab names are blanked). */
function removeBuiltinModules(unwanted: (name: string) => boolean): void {
  const heap32 = module.HEAPU32 as Uint32Array;
  const heap8 = module.HEAPU8 as Uint8Array;
  let entry = heap32[module._PyImport_Inittab >>> 2];
  for (;; entry += 8) {
    const namePtr = heap32[entry >>> 2];
    if (namePtr === 0) return;
    const name = module.UTF8ToString(namePtr);
    if (unwanted(name)) heap8[namePtr] = "!".charCodeAt(0);
  }
}

/** Open flags that may change a file: write access, create, truncate or append. */
function writes(flags: unknown): boolean {
  if (typeof flags === "string") return /[wa+]/.test(flags);
  return typeof flags === "number" && ((flags & 0o3) !== 0 || (flags & 0o3100) !== 0);
}

/** Watches the file-system calls that change something other than a device. */
function watchFileSystem(): void {
  const fs = module.FS;
  for (
    const name of [
      "mknod",
      "mkdir",
      "rename",
      "unlink",
      "rmdir",
      "symlink",
      "chmod",
      "fchmod",
      "chown",
      "fchown",
      "truncate",
      "ftruncate",
      "utime",
      "chdir",
      "mount",
      "unmount",
    ]
  ) {
    const real = fs[name];
    fs[name] = function (...args: unknown[]) {
      fsChanged = true;
      return real.apply(this, args);
    };
  }
  const realOpen = fs.open;
  fs.open = function (path: unknown, flags: unknown, ...rest: unknown[]) {
    const stream = realOpen.call(this, path, flags, ...rest);
    if (!fs.isChrdev(stream.node.mode) && writes(flags)) fsChanged = true;
    return stream;
  };
  const realWrite = fs.write;
  fs.write = function (stream: { node: { mode: number } }, ...args: unknown[]) {
    if (!fs.isChrdev(stream.node.mode)) fsChanged = true;
    return realWrite.call(this, stream, ...args);
  };
}

function walkFiles(
  visit: (path: string, stat: { mode: number; mtime: Date }) => void,
  path = "/",
): void {
  const fs = module.FS;
  for (const name of fs.readdir(path)) {
    if (name === "." || name === "..") continue;
    const child = path === "/" ? `/${name}` : `${path}/${name}`;
    if (child === "/dev" || child === "/proc") continue;
    const stat = fs.lstat(child);
    visit(child, stat);
    if (fs.isDir(stat.mode)) walkFiles(visit, child);
  }
}

function fileContents(path: string): Uint8Array {
  return module.FS.readFile(path);
}

function takePristine(): Pristine {
  const fs = module.FS;
  const files: Pristine["files"] = new Map();
  walkFiles((path, stat) => {
    const entry: { mode: number; contents?: Uint8Array; target?: string; mtime: number } = {
      mode: stat.mode,
      mtime: stat.mtime.getTime(),
    };
    if (fs.isFile(stat.mode)) entry.contents = fileContents(path);
    else if (fs.isLink(stat.mode)) entry.target = fs.readlink(path);
    files.set(path, entry);
  });
  const streams = new Map<number, number>();
  for (const [fd, stream] of (fs.streams as ({ position: number } | null)[]).entries()) {
    if (stream) streams.set(fd, stream.position);
  }
  return {
    memory: (module.HEAPU8 as Uint8Array).slice(),
    table: tableEntries(),
    files,
    streams,
    cwd: fs.cwd(),
  };
}

function restoreFileSystem(): void {
  const fs = module.FS;
  const streams = fs.streams as ({ position: number } | null)[];
  for (const [fd, stream] of streams.entries()) {
    if (!stream) continue;
    const position = pristine.streams.get(fd);
    if (position === undefined) fs.close(stream);
    else stream.position = position;
  }
  if (!fsChanged) return;
  const extra: string[] = [];
  walkFiles((path, stat) => {
    const saved = pristine.files.get(path);
    if (!saved || saved.mode !== stat.mode) extra.push(path);
  });
  // Deepest first, so folders are empty when they go.
  for (const path of extra.sort((a, b) => b.length - a.length)) {
    const stat = fs.lstat(path);
    if (fs.isDir(stat.mode)) fs.rmdir(path);
    else fs.unlink(path);
  }
  for (const [path, saved] of pristine.files) {
    let stat: { mode: number; mtime: Date } | undefined;
    try {
      stat = fs.lstat(path);
    } catch {
      stat = undefined;
    }
    if (stat && stat.mtime.getTime() === saved.mtime) continue;
    if (fs.isDir(saved.mode)) {
      if (!stat) fs.mkdir(path, saved.mode);
    } else if (fs.isLink(saved.mode)) {
      if (stat) fs.unlink(path);
      fs.symlink(saved.target, path);
    } else if (saved.contents) {
      fs.writeFile(path, saved.contents);
      fs.chmod(path, saved.mode);
    }
    fs.utime(path, saved.mtime, saved.mtime);
  }
  fs.chdir(pristine.cwd);
  fsChanged = false;
}

/** Puts the interpreter back exactly as it was after start-up. */
function reset(): void {
  for (const token of registrations) module.finalizationRegistry.unregister(token);
  registrations.clear();
  const heap = module.HEAPU8 as Uint8Array;
  heap.set(pristine.memory);
  if (heap.length > pristine.memory.length) heap.fill(0, pristine.memory.length);
  for (const [i, value] of pristine.table.entries()) module.__hiwire_set(i, value);
  for (let i = pristine.table.length;; i++) {
    try {
      module.__hiwire_get(i);
      module.__hiwire_set(i, null);
    } catch {
      break;
    }
  }
  if (module.FS.cwd() !== pristine.cwd) fsChanged = true;
  restoreFileSystem();
  current = undefined;
}

/** Closes every route from Python to JavaScript, then takes the pristine snapshot. */
function seal(): void {
  removeBuiltinModules((name) =>
    name === "_ctypes" || name === "_pyodide_core" || name.startsWith("_test") ||
    name === "_xxtestfuzz"
  );
  const table = tableEntries();
  for (let i = 1; i < table.length; i++) {
    if (table[i] !== null && table[i] !== undefined) module.__hiwire_set(i, NOTHING);
  }
  const registry = module.finalizationRegistry;
  module.finalizationRegistry = {
    register(target: object, held: unknown, token?: object) {
      const key = token ?? {};
      registrations.add(key);
      registry.register(target, held, key);
    },
    unregister(token: object) {
      registrations.delete(token);
      return registry.unregister(token);
    },
  };
  watchFileSystem();
  pristine = takePristine();
}

/**
 * Loads Pyodide with the runner: from `snapshot` when given (it holds the runner
 * already), otherwise from scratch, returning a start-up snapshot taken after the runner.
 */
async function init(
  pyodideUrl: string,
  shared: SharedArrayBuffer,
  snapshot: Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  const { loadPyodide } = await import(pyodideUrl);
  const indexURL = new URL(".", pyodideUrl).pathname;
  let made: Uint8Array | undefined;
  let pyodide;
  if (snapshot) {
    // Whatever JavaScript objects the snapshot's Python held are replaced by stand-ins anyway.
    pyodide = await loadPyodide({
      indexURL,
      _loadSnapshot: snapshot,
      _snapshotDeserializer: () => NOTHING,
    });
  } else {
    pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
    pyodide.runPython(PYTHON_RUNNER);
    made = pyodide.makeMemorySnapshot({ serializer: () => null });
  }
  module = pyodide._module;
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
  const functions = pyodide.globals.get(RUNNER_NAME);
  load = functions.get(0);
  runInput = functions.get(1);
  functions.destroy();
  pyodide.runPython(PYTHON_SEAL);
  baseline = (module.HEAPU8 as Uint8Array).buffer.byteLength;
  delete (globalThis as Record<string, unknown>).Deno;
  seal();
  return made;
}

/** Status and error text when the interpreter itself stopped (os._exit, a fatal trap). */
function interpreterStopped(
  error: unknown,
  mode: WireProgram["mode"],
): [RuntimeReport["status"], string] {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const exit = /^Exit: Program terminated with exit\((\d+)\)/.exec(text);
  if (exit?.[1] === "0" && mode !== "test") return ["ok", ""];
  if (exit) return ["runtime_error", `SystemExit: ${exit[1]} (the interpreter was stopped)`];
  return ["runtime_error", text];
}

function execute(task: PythonTask): RuntimeReport {
  const started = performance.now();
  if (task.program) {
    const program = task.program;
    current = { id: task.id, program, compileError: load(program.code, program.test_code) };
  }
  const program = current!.program;
  const input = program.inputs[task.index];
  stdin = new TextEncoder().encode(input.stdin);
  stdinAt = 0;
  stdout.reset(program.max_output_bytes);
  stderr.reset(program.max_output_bytes);
  memoryRefused = false;
  memoryCap = baseline + program.memory_mb * MIB;
  let status: RuntimeReport["status"];
  let errorText: string;
  let returned: string | undefined;
  let errorType: string | undefined;
  let recycle = false;
  if (current!.compileError) {
    [status, errorText] = ["compile_error", current!.compileError];
  } else {
    try {
      const result = runInput(program.mode, program.entry_point, input.args);
      [status, errorText, returned, errorType] = result.toJs();
      result.destroy();
    } catch (error) {
      [status, errorText] = interpreterStopped(error, program.mode);
      // After a trap Pyodide's JavaScript API stays disabled: replace the worker.
      recycle = true;
    } finally {
      memoryCap = Infinity;
    }
  }
  const reason = Atomics.load(signals.flags, 1);
  if (reason === REASON_TIMEOUT) status = "timeout";
  else if (reason === REASON_OUTPUT) status = "output_limit";
  else if (memoryRefused || errorType === "MemoryError") status = "memory_limit";
  else if (returned !== undefined && returned.length > RETURN_VALUE_LIMIT) {
    [status, errorText, returned] = ["output_limit", "Return value limit reached", undefined];
  }
  // Zeroing what a program grew costs time after every later program: past a bound,
  // a fresh worker is cheaper.
  const grown = (module.HEAPU8 as Uint8Array).length - pristine.memory.length;
  return runtimeReport({
    status,
    stdout: stdout.text(),
    stderr: stderr.text(),
    errorText,
    started,
    recycle: recycle || (task.last && grown > MAX_RESET_GROWTH),
    returnValue: returned,
  });
}

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
  port.onmessage = (message: MessageEvent<PythonTask>) => {
    const task = message.data;
    port.postMessage({ started: true });
    let report: RuntimeReport;
    if (broken) {
      report = runtimeReport({
        status: "sandbox_error",
        stdout: "",
        stderr: "",
        errorText: broken,
        started: performance.now(),
        recycle: true,
      });
    } else {
      report = execute(task);
    }
    port.postMessage(report);
    if (task.last && !task.noReset && !report.recycle) {
      try {
        reset();
      } catch (error) {
        broken = `Cannot reset the interpreter: ${error}`;
      }
    }
  };
  port.postMessage({ ready: true, snapshot: made }, made ? [made.buffer as ArrayBuffer] : []);
};
