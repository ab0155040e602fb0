/**
 * Where Pyodide's JavaScript writes into its interpreter's memory, for the write
 * tracking of `python_worker.ts`: WebAssembly's own writes mark themselves (see
 * `write_marks.ts`); writes from JavaScript happen inside the imports the WebAssembly
 * calls, and {@link trackImports} wraps every one of them. An import in
 * {@link FOOTPRINTS} marks what it writes (read off its arguments, before it runs); any
 * other import, and an audited one that took its error path (Pyodide's error handler
 * writes a traceback from JavaScript), makes the next reset rewrite all of memory. Data
 * read from files and devices lands through `FS.read`, which the worker marks itself.
 *
 * The footprints were read off the glue of one Pyodide build (`pyodide.asm.mjs`, whose
 * SHA-256 is {@link AUDITED_GLUE_SHA256}); with any other build the pool keeps the full
 * reset.
 *
 * @module
 */

/** SHA-256 (hex) of the `pyodide.asm.mjs` whose imports {@link FOOTPRINTS} describes. */
export const AUDITED_GLUE_SHA256 =
  "f7cdc8ece80678ceb712f8e65ebe6d3a83203a180c399865f49612a051693635";

/** What the wrappers report to. */
export interface WriteLog {
  /** Bytes `[from, to)` of the memory were (or may have been) written. */
  mark(from: number, to: number): void;
  /** Something wrote where it cannot be told: the next reset rewrites all of memory. */
  unknown(): void;
  /** Where the characters of the `str` object at `address` start. */
  unicodeData(address: number): number;
  /**
   * Whether `fn`, a JavaScript function Python calls, writes nothing into this
   * interpreter's memory (the gold test checker's channel to the program).
   */
  quiet(fn: unknown): boolean;
}

type Args = unknown[];
/** An import's writes, marked from its arguments before it runs. */
type Footprint = (log: WriteLog, args: Args) => void;

/** A pointer argument (WebAssembly passes `i32` as a signed number). */
const at = (args: Args, i: number) => (args[i] as number) >>> 0;

/** The import writes `bytes` bytes at its pointer argument `i`. */
const writes = (i: number, bytes: number): Footprint => (log, args) =>
  log.mark(at(args, i), at(args, i) + bytes);

/** The import writes up to its length argument `length` at its pointer argument `i`. */
const writesUpTo = (i: number, length: number): Footprint => (log, args) =>
  log.mark(at(args, i), at(args, i) + at(args, length));

/** Bytes Emscripten's `writeStat` writes (its last field is 8 bytes at offset 88). */
const STAT_BYTES = 96;

/**
 * The audited imports (by name, as both `env` and `wasi_snapshot_preview1` carry them)
 * and what each writes into memory from JavaScript; `null`: nothing (the import is kept
 * as it is).
 */
const FOOTPRINTS: Record<string, Footprint | null> = {
  // The error marker's two imports, which the worker defines.
  Jsv_GetError_import: null,
  JsvError_Check: null,
  // The interrupt check reads and clears the signal buffer, not the memory.
  _Py_CheckEmscriptenSignals_Helper: null,
  JsvNoValue_Check: null,
  JsvArray_New: null,
  JsvArray_Push: null,
  pyproxy_Check: null,
  JsvNum_fromInt: null,
  JsvUTF8ToString: null,
  JsvFunction_Check: null,
  JsvPromise_Check: null,
  JsvGenerator_Check: null,
  JsvAsyncGenerator_Check: null,
  is_comlink_proxy: null,
  // Proxies of Python objects held by JavaScript: JavaScript maps, and reference counts
  // changed by WebAssembly (a failure there is fatal: the worker is replaced).
  __hiwire_deduplicate_get: null,
  __hiwire_deduplicate_set: null,
  __hiwire_deduplicate_delete: null,
  proxy_cache_get: null,
  proxy_cache_set: null,
  destroy_proxies: null,
  fd_close: null,
  __syscall_openat: null,
  emscripten_resize_heap: null,
  // File descriptors: the data a read brings goes through `FS.read` (marked there).
  fd_read: writes(3, 4),
  fd_write: writes(3, 4),
  fd_seek: writes(3, 8),
  fd_fdstat_get: writes(1, 24),
  __syscall_fstat64: writes(1, STAT_BYTES),
  __syscall_stat64: writes(1, STAT_BYTES),
  __syscall_lstat64: writes(1, STAT_BYTES),
  __syscall_newfstatat: writes(2, STAT_BYTES),
  __syscall_getdents64: writesUpTo(1, 2),
  __syscall_getcwd: writesUpTo(0, 1),
  clock_time_get: writes(2, 8),
  emscripten_date_now: null,
  emscripten_get_now: null,
  // A `struct tm`, up to the last field each writes (local time: the offset from UTC).
  _localtime_js: writes(1, 40),
  _gmtime_js: writes(1, 32),
  random_get: writesUpTo(0, 1),
  environ_sizes_get: (log, args) => {
    log.mark(at(args, 0), at(args, 0) + 4);
    log.mark(at(args, 1), at(args, 1) + 4);
  },
};

/**
 * Imports that write nothing, except on their error path, where Pyodide's error handler
 * writes a traceback from JavaScript; the value they return then (the error marker, or
 * a number).
 */
const WRITE_ON_FAILURE: Record<string, "marker" | number> = {
  JsvArray_Get: "marker",
  _python2js_ascii: "marker",
  _python2js_ucs1: "marker",
  _python2js_ucs2: "marker",
  _python2js_ucs4: "marker",
  pyproxy_new_ex: "marker",
  JsProxy_compute_typeflags: -1,
};

/**
 * `js2python_js(value)`: a string's characters are written from JavaScript into the
 * `str` it makes (at most 4 bytes per UTF-16 unit), a big integer's digits onto the
 * stack (not audited); everything else is made by WebAssembly (numbers, booleans,
 * `undefined`, `null`, and the proxy of any object). It returns 0 after its error
 * handler ran.
 */
function js2python(real: (...args: Args) => unknown, log: WriteLog): (...args: Args) => unknown {
  return function (this: unknown, ...args: Args) {
    const value = args[0];
    const kind = typeof value;
    if (kind === "bigint") log.unknown();
    const result = real.apply(this, args);
    if (result === 0) log.unknown();
    else if (kind === "string") {
      const data = log.unicodeData(result as number);
      log.mark(data, data + 4 * (value as string).length);
    }
    return result;
  };
}

/**
 * Wraps every function import in `imports` (Emscripten's import object, before
 * instantiation) so that its writes into memory reach `log`; `error` is Pyodide's error
 * marker. Properties Emscripten reads off its imports (`sig`, …) are kept.
 */
export function trackImports(
  imports: Record<string, Record<string, unknown>>,
  log: WriteLog,
  error: unknown,
): void {
  for (const table of Object.values(imports)) {
    for (const [name, value] of Object.entries(table)) {
      if (typeof value !== "function") continue;
      const real = value as (...args: Args) => unknown;
      const footprint = FOOTPRINTS[name];
      if (footprint === null) continue;
      let wrapped: (...args: Args) => unknown;
      const failure = WRITE_ON_FAILURE[name] === "marker" ? error : WRITE_ON_FAILURE[name];
      if (name === "js2python_js") wrapped = js2python(real, log);
      else if (name === "JsvFunction_CallBound") {
        // Calls a JavaScript function: only those that write nothing here are audited.
        wrapped = function (this: unknown, ...args: Args) {
          if (!log.quiet(args[0])) log.unknown();
          const result = real.apply(this, args);
          if (result === error) log.unknown();
          return result;
        };
      } else if (footprint) {
        wrapped = function (this: unknown, ...args: Args) {
          footprint(log, args);
          return real.apply(this, args);
        };
      } else if (failure !== undefined) {
        wrapped = function (this: unknown, ...args: Args) {
          const result = real.apply(this, args);
          if (result === failure) log.unknown();
          return result;
        };
      } else {
        wrapped = function (this: unknown, ...args: Args) {
          log.unknown();
          return real.apply(this, args);
        };
      }
      table[name] = Object.assign(wrapped, real);
    }
  }
}
