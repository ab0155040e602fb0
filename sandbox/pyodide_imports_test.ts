import assert from "node:assert";
import { createHash } from "node:crypto";
import { AUDITED_GLUE_SHA256, trackImports, type WriteLog } from "./pyodide_imports.ts";
import { pyodideUrl } from "./process.ts";

/** A log that records what the wrappers report. */
function recorder(quiet: unknown): WriteLog & { marked: [number, number][]; unknowns: number } {
  return {
    marked: [],
    unknowns: 0,
    quiet: (fn) => fn === quiet,
    mark(from, to) {
      this.marked.push([from, to]);
    },
    unknown() {
      this.unknowns++;
    },
    unicodeData: (address) => address + 32,
  };
}

const ERROR = Symbol("error marker");

function imports() {
  const signals = () => 0;
  const table = {
    _Py_CheckEmscriptenSignals_Helper: signals,
    fd_write: (_fd: number, _iov: number, _count: number, _written: number) => 0,
    clock_time_get: () => 0,
    js2python_js: (_value: unknown) => 4096,
    JsvArray_Get: (array: unknown[], index: number) => index in array ? array[index] : ERROR,
    JsProxy_compute_typeflags: (object: unknown) => object === null ? -1 : 5,
    JsvFunction_CallBound: (fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]) =>
      fn.apply(self, args),
    mystery: Object.assign(() => 1, { sig: "i" }),
    memory: new WebAssembly.Memory({ initial: 1 }),
  };
  return { signals, imports: { env: table, wasi_snapshot_preview1: { ...table } } };
}

Deno.test("an audited import marks what it writes; any other makes the reset rewrite all", () => {
  const send = () => "reply";
  const log = recorder(send);
  const { signals, imports: table } = imports();
  trackImports(table, log, ERROR);
  const env = table.env as unknown as Record<string, (...args: unknown[]) => unknown>;
  // Writes nothing: kept as it is, so the hot interrupt check costs nothing more.
  assert.equal(env._Py_CheckEmscriptenSignals_Helper, signals);
  env.fd_write(1, 0, 0, -8); // a pointer past 2 GiB arrives as a negative i32
  env.clock_time_get(0, 0n, 5000);
  assert.deepEqual(log.marked, [[2 ** 32 - 8, 2 ** 32 - 4], [5000, 5008]]);
  assert.equal(log.unknowns, 0);
  // A string's characters: at most 4 bytes per UTF-16 unit, from the str's data on.
  log.marked.length = 0;
  env.js2python_js("héllo");
  env.js2python_js(7);
  env.js2python_js(null);
  assert.deepEqual(log.marked, [[4128, 4148]]);
  assert.equal(log.unknowns, 0);
  // An object becomes a proxy made by WebAssembly; a big integer's digits are not audited.
  env.js2python_js({});
  assert.equal(log.unknowns, 0);
  env.js2python_js(2n ** 70n);
  assert.equal(log.unknowns, 1);
  // An error result: Pyodide's error handler wrote a traceback.
  assert.equal(env.JsvArray_Get([1], 0), 1);
  assert.equal(env.JsProxy_compute_typeflags({}), 5);
  assert.equal(log.unknowns, 1);
  assert.equal(env.JsvArray_Get([1], 5), ERROR);
  assert.equal(env.JsProxy_compute_typeflags(null), -1);
  assert.equal(log.unknowns, 3);
  // A call into JavaScript: only a function declared quiet is audited.
  assert.equal(env.JsvFunction_CallBound(send, undefined, []), "reply");
  assert.equal(log.unknowns, 3);
  assert.equal(env.JsvFunction_CallBound(() => "other", undefined, []), "other");
  assert.equal(log.unknowns, 4);
  // Any other import.
  assert.equal(env.mystery(), 1);
  assert.equal(log.unknowns, 5);
  // Emscripten reads properties such as `sig` off its imports.
  assert.equal((env.mystery as unknown as { sig: string }).sig, "i");
  // Both namespaces are wrapped, and other kinds of imports are left alone.
  (table.wasi_snapshot_preview1 as unknown as Record<string, () => unknown>).mystery();
  assert.equal(log.unknowns, 6);
  assert.ok(table.env.memory instanceof WebAssembly.Memory);
});

Deno.test("the audit is of the Pyodide build the project depends on", async () => {
  const glue = await Deno.readFile(new URL("pyodide.asm.mjs", pyodideUrl()));
  assert.equal(createHash("sha256").update(glue).digest("hex"), AUDITED_GLUE_SHA256);
});
