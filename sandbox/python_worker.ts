/**
 * Web Worker that hosts Pyodide interpreters inside a sandbox process and runs Python
 * programs one at a time. The isolation unit is the program: all of its inputs run in
 * the interpreter (each in fresh globals), then the interpreter is put back to its
 * pristine state as a whole, so nothing a program did survives it:
 *
 * - the WebAssembly linear memory is put back, byte for byte, to a copy taken after
 *   start-up (memory a program grew is zeroed), which undoes every Python object,
 *   module, builtin, finalizer, hook and frame at once: only the 256-byte blocks the
 *   program wrote when the module marks its writes (`write_marks.ts`) and the imports
 *   that wrote from JavaScript were all audited (`pyodide_imports.ts`), else all of it;
 * - a worker whose WebAssembly function table changed is replaced instead;
 * - the in-memory file system is restored when the program changed it (files, folders,
 *   open descriptors, working directory);
 * - the table of JavaScript objects Python holds (Pyodide's hiwire table) is restored,
 *   and JavaScript-side finalizers registered for Python objects during the program
 *   are unregistered.
 *
 * Gold test code runs in a second interpreter, the checker (started at the first gold
 * test), which never runs a line of program code: it reaches the program's objects
 * only through a function of this worker that carries text (see `python_runner.ts`),
 * and it is reset after the program too. So a verdict comes from code the program
 * cannot reach.
 *
 * Python cannot reach the JavaScript side: every entry of that table is a frozen
 * empty object (so `js`, `pyodide_js` and any object-graph route lead nowhere), the
 * bridge modules are removed, and `_ctypes`, `_pyodide_core` and the `_test*`
 * built-in modules cannot be imported. Limits: the supervisor interrupts through a
 * shared buffer on timeout; output beyond the cap interrupts from here; WebAssembly
 * memory growth beyond the program's cap is refused (`MemoryError`).
 *
 * Start-up: one message `{ init: { pyodideUrl, signals, port } }`, on which the worker
 * loads Pyodide's scripts; after that it talks only on `port` (a private `MessagePort`):
 * it takes `{ module, snapshot? }` (Pyodide's compiled WebAssembly module, which every
 * interpreter of the worker instantiates, and the start-up snapshot), answers
 * `{ ready: true, snapshot? }` (the start-up snapshot it made when given none) or
 * `{ failed: text }`, then takes {@link PythonTask}s and answers `{ started: true }` as it
 * starts each that asks for it and one {@link RuntimeReport} when it ends.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { PYTHON_RUNNER, PYTHON_SEAL, RUNNER_NAME } from "./python_runner.ts";
import { trackImports, type WriteLog } from "./pyodide_imports.ts";
import { BLOCK_SHIFT, MARKS_EXPORT, STORE_SPILL, TABLE_MARK } from "./write_marks.ts";
import {
  RETURN_VALUE_LIMIT,
  type RuntimeReport,
  runtimeReport,
  type WireProgram,
} from "./protocol.ts";
import {
  OutputBuffer,
  REASON_OUTPUT,
  REASON_TIMEOUT,
  RESETTING,
  type Signals,
  stopJob,
} from "./signals.ts";

/** One input of a program; `program` comes with the first input the worker sees of it. */
export interface PythonTask {
  id: number;
  program?: WireProgram;
  index: number;
  /** Put the interpreter back to its pristine state after this input. */
  last: boolean;
  /** Benchmark only: skip the reset (never set by the pool outside the benchmark). */
  noReset?: boolean;
  /** Answer `{ started: true }` when the input starts (the supervisor waits for it to arm the limit). */
  announce?: boolean;
}

type PyCallable<R> = ((...args: unknown[]) => R) & { destroy(): void };
/** What `run_input`, `run_top` and `check_input` return (see `python_runner.ts`), parsed. */
type Outcome = [RuntimeReport["status"], string, string | undefined, string | undefined];

// deno-lint-ignore no-explicit-any
type Emscripten = any;

/** The runner's functions, as `python_runner.ts` leaves them. */
interface Runner {
  load: PyCallable<string>;
  runInput: PyCallable<unknown>;
  runTop: PyCallable<unknown>;
  call: PyCallable<unknown>;
  loadTest: PyCallable<string>;
  checkInput: PyCallable<unknown>;
}

/** Pyodide as this worker loads its interpreters: its scripts and its compiled module. */
interface PyodideBuild {
  indexURL: string;
  loadPyodide: (options: Record<string, unknown>) => Promise<Emscripten>;
  /** Pyodide's Emscripten module factory. */
  factory: (settings: Emscripten) => Promise<Emscripten>;
  /** Pyodide's WebAssembly module, compiled once per process. */
  module: WebAssembly.Module;
}

/**
 * Pyodide's two scripts (`pyodide.mjs` and the Emscripten module factory it loads), and
 * the Node modules Pyodide loads on its first load (it takes Deno for Node; `node:crypto`
 * is the interpreter's random source): loaded here, they load while the compiled module
 * and the snapshot are still on their way.
 */
async function importPyodide(
  pyodideUrl: string,
): Promise<Pick<PyodideBuild, "loadPyodide" | "factory">> {
  const [{ loadPyodide }, { default: factory }] = await Promise.all([
    import(pyodideUrl),
    import(new URL("pyodide.asm.mjs", pyodideUrl).href),
    import("node:crypto"),
    import("node:fs"),
    import("node:fs/promises"),
    import("node:path"),
    import("node:url"),
    import("node:vm"),
  ]);
  return { loadPyodide, factory };
}

/**
 * Pyodide's module factory with Emscripten's instantiation hook set to instantiate
 * `build.module`, compiled once per process, where Pyodide's own hook compiles
 * `pyodide.asm.wasm` again for every interpreter; `instantiated` sees the instance.
 * Pyodide's hook also adds the two imports that make and recognize its error marker;
 * these are the ones Pyodide itself uses where WebAssembly GC is unavailable. A failed
 * instantiation fails the load (with Pyodide's hook it would wait forever).
 */
function instantiating(
  build: PyodideBuild,
  writes: Writes | undefined,
  instantiated: (instance: WebAssembly.Instance) => void,
): PyodideBuild["factory"] {
  return (settings) =>
    new Promise((resolve, reject) => {
      settings.instantiateWasm = (
        imports: { env: Record<string, unknown> } & Record<string, Record<string, unknown>>,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        const marker = Symbol("error marker");
        imports.env.Jsv_GetError_import = () => marker;
        imports.env.JsvError_Check = (value: unknown) => value === marker;
        if (writes) trackImports(imports, writes, marker);
        WebAssembly.instantiate(build.module, imports as WebAssembly.Imports).then(
          (instance) => {
            instantiated(instance);
            receive(instance, build.module);
          },
          reject,
        );
        return {};
      };
      build.factory(settings).then(resolve, reject);
    });
}

/**
 * A WebAssembly module with one function, `zero(from, to)`: 1 when the bytes of the
 * imported memory `m.memory` from `from` to `to` (multiples of 8, `from < to`) are all
 * zero, else 0. Scanning the pristine memory for zero blocks runs once per interpreter,
 * before V8 has optimized any JavaScript loop of this worker (its compiler threads are
 * busy with Pyodide then): in JavaScript it took 100–230 ms, here it takes about 6 ms.
 *
 * ```wat
 * (module
 *   (import "m" "memory" (memory 0))
 *   (func (export "zero") (param $from i32) (param $to i32) (result i32) (local $any i64)
 *     (loop $next
 *       (local.set $any (i64.or (local.get $any) (i64.load (local.get $from))))
 *       (br_if $next (i32.and
 *         (i32.lt_u (local.tee $from (i32.add (local.get $from) (i32.const 8))) (local.get $to))
 *         (i64.eqz (local.get $any)))))
 *     (i64.eqz (local.get $any))))
 * ```
 */
// deno-fmt-ignore
const ZERO_SCAN_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type 0: (i32, i32) -> i32
  0x02, 0x0d, 0x01, 0x01, 0x6d, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00, // m.memory
  0x03, 0x02, 0x01, 0x00, // function 0 of type 0
  0x07, 0x08, 0x01, 0x04, 0x7a, 0x65, 0x72, 0x6f, 0x00, 0x00, // export "zero"
  0x0a, 0x26, 0x01, 0x24, 0x01, 0x01, 0x7e, // code: one body, one i64 local
  0x03, 0x40, // loop
  0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x84, 0x21, 0x02, // any |= load64(from)
  0x20, 0x00, 0x41, 0x08, 0x6a, 0x22, 0x00, // from += 8
  0x20, 0x01, 0x49, 0x20, 0x02, 0x50, 0x71, 0x0d, 0x00, // again while from < to && any == 0
  0x0b, // end of loop
  0x20, 0x02, 0x50, // any == 0
  0x0b, // end of body
]);
let zeroScan: WebAssembly.Module | undefined;

/** Whether a stretch of `memory` is all zero (see {@link ZERO_SCAN_WASM}). */
function zeroTest(memory: WebAssembly.Memory): (from: number, to: number) => boolean {
  zeroScan ??= new WebAssembly.Module(ZERO_SCAN_WASM);
  const { zero } = new WebAssembly.Instance(zeroScan, { m: { memory } }).exports as {
    zero: (from: number, to: number) => number;
  };
  return (from, to) => zero(from, to) === 1;
}

/** A reset of the written blocks left memory different from the pristine copy (tests only). */
class ResetCheckError extends Error {}

/**
 * The blocks of an interpreter's memory written since its last reset, when its module
 * marks its writes (`write_marks.ts`): WebAssembly's stores mark the marks memory
 * themselves, and the imports' and `FS.read`'s writes from JavaScript are marked here
 * (see `pyodide_imports.ts`). `untold` is set when JavaScript wrote where it cannot be
 * told: the reset then rewrites all of memory.
 */
class Writes implements WriteLog {
  untold = false;
  /** One byte per block, 1 when written (the module's marks memory; set once instantiated). */
  marks: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  unicodeData: (address: number) => number = () => {
    throw new Error("The interpreter is not instantiated");
  };

  /** Takes the marks memory and the `str` data accessor from the instance. */
  attach(instance: WebAssembly.Instance): void {
    this.marks = new Uint8Array((instance.exports[MARKS_EXPORT] as WebAssembly.Memory).buffer);
    const data = instance.exports.PyUnicode_Data as (address: number) => number;
    this.unicodeData = (address) => data(address) >>> 0;
  }

  mark(from: number, to: number): void {
    if (to <= from) return;
    const last = Math.min(Math.floor((to - 1) / 2 ** BLOCK_SHIFT), this.marks.length - 1);
    this.marks.fill(1, Math.floor(from / 2 ** BLOCK_SHIFT), last + 1);
  }

  unknown(): void {
    this.untold = true;
  }

  /**
   * Forgets what was written in a memory of `bytes` bytes. A mark past its end (a store
   * there traps after marking) is left: it costs only a copy.
   */
  clear(bytes: number): void {
    this.marks.fill(0, 0, Math.ceil(bytes / 2 ** BLOCK_SHIFT));
    this.marks[TABLE_MARK] = 0;
    this.untold = false;
  }

  /** JavaScript functions Python may call that write nothing into this memory. */
  readonly #quiet = new WeakSet<object>();

  /** Declares `fn` a function that writes nothing into this memory. */
  declareQuiet(fn: (...args: never[]) => unknown): void {
    this.#quiet.add(fn);
  }

  quiet(fn: unknown): boolean {
    return typeof fn === "function" && this.#quiet.has(fn);
  }
}

/** The stand-in for every JavaScript object Python could otherwise hold. */
const NOTHING = Object.freeze(Object.create(null));
const STATUSES = new Set(["ok", "runtime_error", "compile_error"]);

/** An open descriptor of Emscripten's file system. */
interface Stream {
  fd: number | null;
  position: number;
}

/** Granularity at which the pristine memory is split into copied and zeroed runs. */
const RUN_BYTES = 64 * 1024;

/** A stretch of the pristine linear memory: `bytes` to copy back, or zeros to write. */
interface MemoryRun {
  start: number;
  end: number;
  bytes?: Uint8Array;
}

/**
 * Splits the pristine memory `heap` (the live linear memory) into runs of whole blocks
 * that are all zero (`allZero` tells; they are put back by writing zeros, which costs a
 * fraction of a copy) and runs that are not, whose bytes are copied out (so only those
 * are copied). Every byte belongs to exactly one run, so a reset still rewrites all of
 * memory.
 */
function memoryRuns(
  heap: Uint8Array,
  allZero: (from: number, to: number) => boolean,
): MemoryRun[] {
  const runs: (MemoryRun & { zero: boolean })[] = [];
  for (let start = 0; start < heap.length; start += RUN_BYTES) {
    const end = Math.min(start + RUN_BYTES, heap.length);
    const zero = end - start === RUN_BYTES && allZero(start, end);
    const previous = runs.at(-1);
    if (previous?.zero === zero) previous.end = end;
    else runs.push({ start, end, zero });
  }
  return runs.map(({ start, end, zero }) =>
    zero ? { start, end } : { start, end, bytes: heap.slice(start, end) }
  );
}

/** File-system entries as the pristine interpreter has them. */
type Files = Map<string, { mode: number; contents?: Uint8Array; target?: string; mtime: number }>;

/** Open flags that may change a file: write access, create, truncate or append. */
function writes(flags: unknown): boolean {
  if (typeof flags === "string") return /[wa+]/.test(flags);
  return typeof flags === "number" && ((flags & 0o3) !== 0 || (flags & 0o3100) !== 0);
}

/**
 * One sealed Pyodide interpreter and what it looks like pristine outside its linear
 * memory, so that {@link Interpreter.reset} can put it back as a whole.
 */
class Interpreter {
  readonly module: Emscripten;
  readonly runner: Runner;
  /** Linear-memory size after start-up: a program's memory cap counts from here. */
  readonly baseline: number;
  /** Linear-memory size of the pristine interpreter. */
  #size = 0;
  /** The pristine memory as runs: bytes copied back, or zeroed (`bytes` absent). */
  #runs!: MemoryRun[];
  /** The run each {@link RUN_BYTES} of the pristine memory is in, by index. */
  #runOf!: Uint16Array;
  /** What the program wrote, when the module marks its writes. */
  readonly #writes?: Writes;
  /** The WebAssembly function table, and its entries as the pristine interpreter has them. */
  readonly #functions: WebAssembly.Table;
  #pristineFunctions: unknown[] = [];
  #table!: unknown[];
  #files!: Files;
  /** The open descriptors: each stream object and its position. */
  #streams!: Map<number, { stream: Stream; position: number }>;
  #cwd!: string;
  #fsChanged = false;
  /** Finalizer tokens registered for Python objects since the last reset. */
  readonly #registrations = new Set<object>();

  /** The linear memory (the object `module`'s heap views look into). */
  readonly #memory: WebAssembly.Memory;

  private constructor(
    module: Emscripten,
    runner: Runner,
    memory: WebAssembly.Memory,
    functions: WebAssembly.Table,
    writes: Writes | undefined,
  ) {
    this.module = module;
    this.runner = runner;
    this.#memory = memory;
    this.#functions = functions;
    this.#writes = writes;
    this.baseline = (module.HEAPU8 as Uint8Array).buffer.byteLength;
  }

  /**
   * Loads Pyodide with the runner: from `snapshot` when given (it holds the runner
   * already), otherwise from scratch, returning with it a start-up snapshot taken
   * after the runner; then seals it.
   */
  static async start(
    build: PyodideBuild,
    snapshot: Uint8Array | undefined,
  ): Promise<{ interpreter: Interpreter; made?: Uint8Array }> {
    let memory: WebAssembly.Memory | undefined;
    let functionTable: WebAssembly.Table | undefined;
    const marked = WebAssembly.Module.exports(build.module).some((e) => e.name === MARKS_EXPORT);
    const writes = marked ? new Writes() : undefined;
    const options = {
      indexURL: build.indexURL,
      createPyodideModule: instantiating(build, writes, (instance) => {
        writes?.attach(instance);
        memory = instance.exports.memory as WebAssembly.Memory;
        functionTable = instance.exports.__indirect_function_table as WebAssembly.Table;
      }),
    };
    let made: Uint8Array | undefined;
    let pyodide;
    if (snapshot) {
      // Whatever JavaScript objects the snapshot's Python held are replaced by stand-ins anyway.
      pyodide = await build.loadPyodide({
        ...options,
        _loadSnapshot: snapshot,
        _snapshotDeserializer: () => NOTHING,
      });
    } else {
      pyodide = await build.loadPyodide({ ...options, _makeSnapshot: true });
      pyodide.runPython(PYTHON_RUNNER);
      made = pyodide.makeMemorySnapshot({ serializer: () => null });
    }
    pyodide.setInterruptBuffer(new Int32Array(signals.flags.buffer, 0, 1));
    pyodide.setStdin({
      read(buffer: Uint8Array): number {
        const n = Math.min(buffer.length, stdin.length - stdinAt);
        buffer.set(stdin.subarray(stdinAt, stdinAt + n));
        stdinAt += n;
        return n;
      },
    });
    // After a fatal error Pyodide dumps the runner's frames to stdout: that is not the program's.
    const api = pyodide._api;
    const fatal = api.fatal_error;
    api.fatal_error = function (this: unknown, error: unknown) {
      fatalError = true;
      return fatal.call(this, error);
    };
    pyodide.setStdout({
      write: (buffer: Uint8Array) => fatalError ? buffer.length : stdout.write(buffer),
    });
    pyodide.setStderr({
      write: (buffer: Uint8Array) => fatalError ? buffer.length : stderr.write(buffer),
    });
    const functions = pyodide.globals.get(RUNNER_NAME);
    const [load, runInput, runTop, call, loadTest, checkInput] = Array.from(
      { length: 6 },
      (_, i) => functions.get(i),
    );
    functions.destroy();
    pyodide.runPython(PYTHON_SEAL);
    const interpreter = new Interpreter(
      pyodide._module,
      {
        load,
        runInput,
        runTop,
        call,
        loadTest,
        checkInput,
      },
      memory!,
      functionTable!,
      writes,
    );
    interpreter.#seal();
    return { interpreter, made };
  }

  /**
   * Declares `fn`, a JavaScript function handed to this interpreter's Python, one that
   * writes nothing into its memory (calls to others make the next reset a full one).
   */
  declareQuiet(fn: (...args: never[]) => unknown): void {
    this.#writes?.declareQuiet(fn);
  }

  /**
   * Whether the program changed the function table (Pyodide's dynamic linking does, from
   * JavaScript or WebAssembly), which a reset does not put back: the worker is replaced
   * instead. A marked module marks such changes from WebAssembly, and JavaScript makes
   * them only from imports that are not audited, so the entries are compared only after
   * such an import ran, or without marks.
   */
  get tableChanged(): boolean {
    const functions = this.#functions;
    const pristine = this.#pristineFunctions;
    if (functions.length !== pristine.length) return true;
    const writes = this.#writes;
    if (writes?.marks[TABLE_MARK] === 1) return true;
    if (writes && !writes.untold) return false;
    for (let i = 0; i < pristine.length; i++) {
      if (functions.get(i) !== pristine[i]) return true;
    }
    return false;
  }

  /** Linear-memory bytes the current program added to the pristine interpreter. */
  get grown(): number {
    return (this.module.HEAPU8 as Uint8Array).length - this.#size;
  }

  /**
   * Puts the interpreter back exactly as it was after start-up. With `check` (tests
   * only), a reset that put back only the written blocks is followed by a comparison of
   * all of memory with the pristine copy, which throws on a difference.
   */
  reset(check = false): void {
    const module = this.module;
    for (const token of this.#registrations) module.finalizationRegistry.unregister(token);
    this.#registrations.clear();
    const heap = module.HEAPU8 as Uint8Array;
    const writes = this.#writes;
    if (writes && !writes.untold) {
      this.#restoreWritten(heap, writes.marks);
      if (check) this.#compareWithPristine(heap);
    } else {
      this.#restore(heap, 0, this.#size);
      if (heap.length > this.#size) heap.fill(0, this.#size);
    }
    writes?.clear(heap.length);
    for (const [i, value] of this.#table.entries()) module.__hiwire_set(i, value);
    for (let i = this.#table.length;; i++) {
      try {
        module.__hiwire_get(i);
        module.__hiwire_set(i, null);
      } catch {
        break;
      }
    }
    if (module.FS.cwd() !== this.#cwd) this.#fsChanged = true;
    this.#restoreFileSystem();
  }

  /**
   * Puts back the marked blocks (each with the bytes a store starting in it may reach in
   * the next): from the pristine memory, or zeros where the program grew the memory.
   */
  #restoreWritten(heap: Uint8Array, marks: Uint8Array): void {
    const size = this.#size;
    const blocks = Math.ceil(heap.length / 2 ** BLOCK_SHIFT);
    // Four marks at a time where none is set (the common case by far).
    const words = new Uint32Array(marks.buffer, 0, Math.floor(blocks / 4));
    let block = 0;
    while (block < blocks) {
      if ((block & 3) === 0 && words[block >> 2] === 0) {
        block += 4;
        continue;
      }
      if (marks[block] === 0) {
        block++;
        continue;
      }
      let end = block + 1;
      while (end < blocks && marks[end] !== 0) end++;
      const from = block * 2 ** BLOCK_SHIFT;
      const to = Math.min(end * 2 ** BLOCK_SHIFT + STORE_SPILL, heap.length);
      if (from < size) this.#restore(heap, from, Math.min(to, size));
      if (to > size) heap.fill(0, Math.max(from, size), to);
      block = end;
    }
  }

  /** Puts back bytes `[from, to)` of the pristine memory, run by run. */
  #restore(heap: Uint8Array, from: number, to: number): void {
    while (from < to) {
      const run = this.#runs[this.#runOf[Math.floor(from / RUN_BYTES)]];
      const end = Math.min(to, run.end);
      if (run.bytes) heap.set(run.bytes.subarray(from - run.start, end - run.start), from);
      else heap.fill(0, from, end);
      from = end;
    }
  }

  /** Throws when memory differs from the pristine memory (or is not zero past it). */
  #compareWithPristine(heap: Uint8Array): void {
    // Runs and memory are whole WebAssembly pages: compared four bytes at a time.
    const live = new Uint32Array(heap.buffer, heap.byteOffset, heap.length / 4);
    let first = -1;
    let last = -1;
    for (const run of this.#runs.concat({ start: this.#size, end: heap.length })) {
      const saved = run.bytes &&
        new Uint32Array(run.bytes.buffer, run.bytes.byteOffset, run.bytes.length / 4);
      for (let i = run.start / 4; i < run.end / 4; i++) {
        if (live[i] !== (saved ? saved[i - run.start / 4] : 0)) {
          if (first < 0) first = i;
          last = i;
        }
      }
    }
    if (first >= 0) {
      throw new ResetCheckError(
        `The reset of the written blocks left bytes ${first * 4} to ${
          last * 4 + 3
        } different from the pristine memory`,
      );
    }
  }

  #tableEntries(): unknown[] {
    const entries: unknown[] = [];
    for (let i = 0;; i++) {
      try {
        entries.push(this.module.__hiwire_get(i));
      } catch {
        return entries;
      }
    }
  }

  /** Makes the built-in modules named by `unwanted` impossible to import (their inittab names are blanked). */
  #removeBuiltinModules(unwanted: (name: string) => boolean): void {
    const module = this.module;
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

  /** Watches the file-system calls that change something other than a device. */
  #watchFileSystem(): void {
    const fs = this.module.FS;
    const changed = () => (this.#fsChanged = true);
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
        changed();
        return real.apply(this, args);
      };
    }
    const realOpen = fs.open;
    fs.open = function (path: unknown, flags: unknown, ...rest: unknown[]) {
      const stream = realOpen.call(this, path, flags, ...rest);
      if (!fs.isChrdev(stream.node.mode) && writes(flags)) changed();
      return stream;
    };
    const realWrite = fs.write;
    fs.write = function (stream: { node: { mode: number } }, ...args: unknown[]) {
      if (!fs.isChrdev(stream.node.mode)) changed();
      return realWrite.call(this, stream, ...args);
    };
    const tracked = this.#writes;
    if (!tracked) return;
    // What a read brings into memory (from a file, a device or stdin) is written from
    // JavaScript: at most `length` bytes at `offset` of the buffer it is given.
    const memory = this.#memory;
    const realRead = fs.read;
    fs.read = function (
      stream: unknown,
      buffer: Uint8Array,
      offset: number,
      length: number,
      ...rest: unknown[]
    ) {
      if (buffer.buffer === memory.buffer) {
        const from = buffer.byteOffset + offset;
        tracked.mark(from, from + length);
      }
      return realRead.call(this, stream, buffer, offset, length, ...rest);
    };
  }

  #walkFiles(
    visit: (path: string, stat: { mode: number; mtime: Date }) => void,
    path = "/",
  ): void {
    const fs = this.module.FS;
    for (const name of fs.readdir(path)) {
      if (name === "." || name === "..") continue;
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      if (child === "/dev" || child === "/proc") continue;
      const stat = fs.lstat(child);
      visit(child, stat);
      if (fs.isDir(stat.mode)) this.#walkFiles(visit, child);
    }
  }

  #takePristine(): void {
    const fs = this.module.FS;
    const files: Files = new Map();
    this.#walkFiles((path, stat) => {
      const entry: { mode: number; contents?: Uint8Array; target?: string; mtime: number } = {
        mode: stat.mode,
        mtime: stat.mtime.getTime(),
      };
      if (fs.isFile(stat.mode)) entry.contents = fs.readFile(path);
      else if (fs.isLink(stat.mode)) entry.target = fs.readlink(path);
      files.set(path, entry);
    });
    const streams = new Map<number, { stream: Stream; position: number }>();
    for (const [fd, stream] of (fs.streams as (Stream | null)[]).entries()) {
      if (stream) streams.set(fd, { stream, position: stream.position });
    }
    const heap = this.module.HEAPU8 as Uint8Array;
    this.#size = heap.length;
    this.#runs = memoryRuns(heap, zeroTest(this.#memory));
    this.#runOf = new Uint16Array(Math.ceil(heap.length / RUN_BYTES));
    for (const [i, run] of this.#runs.entries()) {
      this.#runOf.fill(i, run.start / RUN_BYTES, Math.ceil(run.end / RUN_BYTES));
    }
    this.#writes?.clear(heap.length);
    this.#pristineFunctions = Array.from(
      { length: this.#functions.length },
      (_, i) => this.#functions.get(i),
    );
    this.#table = this.#tableEntries();
    this.#files = files;
    this.#streams = streams;
    this.#cwd = fs.cwd();
  }

  /**
   * Puts back the descriptors open at the snapshot that a program closed or replaced
   * (`open(0).read()` closes fd 0 when the file object goes, `os.dup2`): before each
   * input, since the runner reads the next input through fd 0, and at the reset.
   */
  restoreDescriptors(): void {
    const streams = this.module.FS.streams as (Stream | null)[];
    for (const [fd, saved] of this.#streams) {
      if (streams[fd] === saved.stream) continue;
      saved.stream.fd = fd;
      saved.stream.position = saved.position;
      streams[fd] = saved.stream;
    }
  }

  #restoreFileSystem(): void {
    const fs = this.module.FS;
    const streams = fs.streams as (Stream | null)[];
    for (const [fd, stream] of streams.entries()) {
      if (stream && stream !== this.#streams.get(fd)?.stream) fs.close(stream);
    }
    for (const saved of this.#streams.values()) saved.stream.position = saved.position;
    this.restoreDescriptors();
    if (!this.#fsChanged) return;
    const extra: string[] = [];
    this.#walkFiles((path, stat) => {
      const saved = this.#files.get(path);
      if (!saved || saved.mode !== stat.mode) extra.push(path);
    });
    // Deepest first, so folders are empty when they go.
    for (const path of extra.sort((a, b) => b.length - a.length)) {
      const stat = fs.lstat(path);
      if (fs.isDir(stat.mode)) fs.rmdir(path);
      else fs.unlink(path);
    }
    for (const [path, saved] of this.#files) {
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
    fs.chdir(this.#cwd);
    this.#fsChanged = false;
  }

  /** Closes every route from Python to JavaScript, then takes the pristine snapshot. */
  #seal(): void {
    const module = this.module;
    this.#removeBuiltinModules((name) =>
      name === "_ctypes" || name === "_pyodide_core" || name.startsWith("_test") ||
      name === "_xxtestfuzz"
    );
    const table = this.#tableEntries();
    for (let i = 1; i < table.length; i++) {
      if (table[i] !== null && table[i] !== undefined) module.__hiwire_set(i, NOTHING);
    }
    const registry = module.finalizationRegistry;
    const registrations = this.#registrations;
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
    this.#watchFileSystem();
    this.#takePristine();
  }
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

let signals: Signals;
let build: PyodideBuild;
/** The start-up snapshot, for the checker. */
let snapshot: Uint8Array;
/** The interpreter that runs programs. */
let runtime: Interpreter;
/** The interpreter that runs gold test code (started at the first gold test). */
let checker: Interpreter | undefined;
let checkerUsed = false;
/** Tests only: compare memory with the pristine copy after each reset of written blocks. */
let checkResets = false;
/** Tests only: what a failed reset check found (see {@link ResetCheckError}). */
let checkFailed = "";
/** An interpreter hit a fatal error: what it writes from then on is not the program's output. */
let fatalError = false;
let stdin = new Uint8Array(0);
let stdinAt = 0;
let stdout: OutputBuffer;
let stderr: OutputBuffer;
let current: { id: number; program: WireProgram; compileError: string } | undefined;
let broken = "";

/** Status and error text when an interpreter itself stopped (os._exit, a fatal trap). */
function interpreterStopped(
  error: unknown,
  mode: WireProgram["mode"],
): [RuntimeReport["status"], string] {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof Error && error.name === "PythonError") {
    // The runner catches whatever a program raises: this came from the interpreter itself.
    return ["sandbox_error", `The interpreter failed outside the program: ${text}`];
  }
  const exit = /^Exit: Program terminated with exit\((\d+)\)/.exec(text);
  if (exit?.[1] === "0" && mode !== "test") return ["ok", ""];
  if (exit) return ["runtime_error", `SystemExit: ${exit[1]} (the interpreter was stopped)`];
  return ["runtime_error", text];
}

/** An outcome from an interpreter that may run program code (JSON text), its fields checked. */
function outcome(result: unknown): Outcome {
  let value: unknown;
  if (typeof result === "string") {
    try {
      value = JSON.parse(result);
    } catch {
      value = undefined;
    }
  } else {
    // Not the runner's text: a proxy the program made; released before any reset.
    (result as { destroy?: () => void } | undefined)?.destroy?.();
  }
  const [status, errorText, returned, errorType] = Array.isArray(value) ? value : [];
  const text = (field: unknown) => typeof field === "string" ? field : undefined;
  return [
    STATUSES.has(status) ? status : "runtime_error",
    text(errorText) ?? "",
    text(returned),
    text(errorType),
  ];
}

/** Random 32-bit integers drawn ahead, two per seed. */
const seedPool = new Uint32Array(512);
let seedAt = seedPool.length;

/** A fresh seed for `random`, as two 32-bit integers (numbers cross to Python cheaply). */
function seeds(): [number, number] {
  if (seedAt === seedPool.length) {
    crypto.getRandomValues(seedPool);
    seedAt = 0;
  }
  seedAt += 2;
  return [seedPool[seedAt - 2], seedPool[seedAt - 1]];
}

/** Loads the program (and its gold test code) on its first input; the compile error, if any. */
function load(program: WireProgram): string {
  const error = runtime.runner.load(program.code);
  if (error || program.mode !== "test") return error;
  checkerUsed = true;
  return checker!.runner.loadTest(program.test_code);
}

/**
 * Gold test mode: the program's top level in its interpreter, then the test code in the
 * checker, which reaches the program only through `send` (text in, text out).
 */
function runTest(program: WireProgram): { outcome: Outcome; stopped?: unknown } {
  const top = outcome(runtime.runner.runTop(...seeds()));
  if (top[0] !== "ok") return { outcome: top };
  let stopped: unknown;
  const send = (op: unknown, handle: unknown, name: unknown, payload: unknown): string => {
    if (stopped !== undefined || Atomics.load(signals.flags, 1) !== 0) return "s";
    try {
      const reply = runtime.runner.call(op, handle, name, payload);
      return typeof reply === "string" && reply.length <= RETURN_VALUE_LIMIT ? reply : "s";
    } catch (error) {
      stopped = error;
      return "s";
    }
  };
  // It writes only into the program's interpreter (and its reply reaches the checker's
  // memory through the audited string conversion).
  checker!.declareQuiet(send);
  const result = outcome(
    checker!.runner.checkInput(program.entry_point, top[2] ?? "", send, ...seeds()),
  );
  return { outcome: result, stopped };
}

function execute(task: PythonTask): RuntimeReport {
  const started = performance.now();
  if (task.program) {
    const program = task.program;
    current = { id: task.id, program, compileError: load(program) };
  } else runtime.restoreDescriptors();
  const program = current!.program;
  const input = program.inputs[task.index];
  stdin = new TextEncoder().encode(input.stdin);
  stdinAt = 0;
  stdout.reset(program.max_output_bytes);
  stderr.reset(program.max_output_bytes);
  memoryRefused = false;
  memoryCap = runtime.baseline + program.memory_mb * MIB;
  let status: RuntimeReport["status"];
  let errorText: string;
  let returned: string | undefined;
  let errorType: string | undefined;
  let recycle = false;
  if (current!.compileError) {
    [status, errorText] = ["compile_error", current!.compileError];
  } else {
    try {
      if (program.mode === "test") {
        const run = runTest(program);
        [status, errorText, returned, errorType] = run.outcome;
        if (run.stopped !== undefined) {
          [status, errorText] = interpreterStopped(run.stopped, program.mode);
          recycle = true;
        }
      } else {
        [status, errorText, returned, errorType] = outcome(
          runtime.runner.runInput(program.mode, program.entry_point, input.args, ...seeds()),
        );
      }
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
  // a fresh worker is cheaper. A changed function table cannot be put back.
  const grown = Math.max(runtime.grown, checkerUsed ? checker!.grown : 0);
  const tableChanged = task.last &&
    (runtime.tableChanged || (checkerUsed && checker!.tableChanged));
  return runtimeReport({
    status,
    stdout: stdout.text(),
    stderr: stderr.text(),
    errorText,
    started,
    recycle: recycle || tableChanged || (task.last && grown > MAX_RESET_GROWTH),
    returnValue: program.mode === "call" ? returned : undefined,
  });
}

/** Puts the interpreters the program used back to their pristine state. */
function reset(): void {
  runtime.reset(checkResets);
  if (checkerUsed) checker!.reset(checkResets);
  checkerUsed = false;
  current = undefined;
}

self.onmessage = async (event: MessageEvent) => {
  self.onmessage = null;
  const init = event.data.init as {
    pyodideUrl: string;
    signals: SharedArrayBuffer;
    port: MessagePort;
  };
  const port = init.port;
  signals = { flags: new Int32Array(init.signals) };
  stdout = new OutputBuffer(() => stopJob(signals, REASON_OUTPUT));
  stderr = new OutputBuffer(() => stopJob(signals, REASON_OUTPUT));
  // Pyodide's scripts load while the compiled module and the snapshot are on their way.
  const scripts = importPyodide(init.pyodideUrl);
  scripts.catch(() => {}); // awaited below
  const given = await new Promise<
    { module: WebAssembly.Module; snapshot?: Uint8Array; checkResets?: boolean }
  >((resolve) => (port.onmessage = (message) => resolve(message.data)));
  checkResets = given.checkResets === true;
  let made: Uint8Array | undefined;
  try {
    const { loadPyodide, factory } = await scripts;
    build = {
      indexURL: new URL(".", init.pyodideUrl).pathname,
      loadPyodide,
      factory,
      module: given.module,
    };
    ({ interpreter: runtime, made } = await Interpreter.start(build, given.snapshot));
    snapshot = given.snapshot ?? made!.slice();
    delete (globalThis as Record<string, unknown>).Deno;
  } catch (error) {
    port.postMessage({
      failed: error instanceof Error ? error.stack ?? error.message : String(error),
    });
    return;
  }
  port.onmessage = async (message: MessageEvent<PythonTask>) => {
    const task = message.data;
    let report: RuntimeReport | undefined;
    if (!broken && task.program?.mode === "test" && !checker) {
      // Before the input's clock starts: the first gold test starts the checker.
      try {
        checker = (await Interpreter.start(build, snapshot)).interpreter;
      } catch (error) {
        broken = `Cannot start the checker: ${error}`;
      }
    }
    if (task.announce) port.postMessage({ started: true });
    if (broken || checkFailed) {
      // A failed reset check (tests only) is not recycled: every later input of this
      // worker shows it, where a replaced worker would hide it.
      report = runtimeReport({
        status: "sandbox_error",
        stdout: "",
        stderr: "",
        errorText: checkFailed || broken,
        started: performance.now(),
        recycle: !checkFailed,
      });
    } else {
      report = execute(task);
    }
    const resetting = task.last && !task.noReset && !report.recycle;
    // Marked before the report goes out, so the supervisor never takes this worker for
    // clean while it resets.
    if (resetting) Atomics.store(signals.flags, RESETTING, 1);
    port.postMessage(report);
    if (resetting) {
      try {
        reset();
      } catch (error) {
        if (error instanceof ResetCheckError) checkFailed = error.message;
        else broken = `Cannot reset the interpreter: ${error}`;
      }
      Atomics.store(signals.flags, RESETTING, 0);
    }
  };
  port.postMessage({ ready: true, snapshot: made }, made ? [made.buffer as ArrayBuffer] : []);
};
