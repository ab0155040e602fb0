/**
 * A JavaScript program in a realm of its own: a fresh V8 context (`node:vm`) per program
 * inside a worker that is kept for the next program. The context has its own global
 * object and its own built-ins, and nothing of the worker's realm is reachable from it:
 * the runner gives it strings and numbers only, calls functions made in it (taken before
 * the program runs, see `js_realm_runtime.ts`), and reads back primitives and
 * structured-clone copies. Timers are the realm's own queue, fired by the runner while
 * the program runs and dropped with the realm; its promise jobs are drained before its
 * outcome is read; no built-in through which the host would call into it later
 * (`FinalizationRegistry`, `WebAssembly`'s background compiles, `SharedArrayBuffer` for
 * `Atomics.waitAsync`) is in it.
 * So when the next program gets its own context, nothing of this one can run or be seen.
 *
 * A program compiles here in its script form (`js_script.ts`: TypeScript without its
 * types, module syntax as `require`s and declarations), as an async function when its
 * top level awaits. One that has none (an import of a module the realm does not serve, a
 * dynamic `import()`, `import.meta`) and gold tests run as modules in the worker's own
 * realm instead ({@link ProgramRealm.own}), which spends the worker (`js_worker.ts`), and
 * so does a script that names a host global its context lacks
 * ({@link RealmResult.needsHost}), from that input on.
 *
 * @module
 */
import type { Context, Script } from "node:vm";
import { parsePythonArgs, PyKeyword } from "../src/code/python_literal.ts";
import { fromPythonValue } from "./canonical.ts";
import type { WireProgram } from "./protocol.ts";
import {
  type Printed,
  type PrintedNode,
  type RealmOutcome,
  type RealmRuntime,
  realmRuntime,
} from "./js_realm_runtime.ts";
import { realmGlobals } from "./js_realm_globals.ts";
import { realmModules } from "./js_realm_modules.ts";

/** Name the realm's runtime is compiled under (its frames are dropped from error texts). */
const RUNTIME_FILE = "<sandbox>";
/** Name the program is compiled under, as shown in its error texts. */
const PROGRAM_FILE = "<program>";
/** Name a gold test's code goes by in error texts. */
const TEST_FILE = "<test>";
/** The media type parameter that marks a gold test's module URL. */
const TEST_MEDIA = ";charset=utf-8";
/**
 * Built-ins through which the host would call into a context after its program ended:
 * not in it.
 */
const HOST_CALLBACKS = ["FinalizationRegistry", "WebAssembly", "SharedArrayBuffer"];
/**
 * Node's `vm` module and the script a fresh context runs first (the built-ins above go,
 * the runtime comes), loaded with the first context ({@link loadContexts}): a worker
 * that runs only modules does not pay for loading it (about 20 ms of its start).
 */
let contexts: { vm: typeof import("node:vm"); runtime: Script } | undefined;

/** Loads what {@link ProgramRealm.fresh} needs; call (and await) it once before. */
export async function loadContexts(): Promise<void> {
  if (contexts) return;
  const vm = await import("node:vm");
  const runtime = new vm.Script(
    `"use strict";for (const name of ${
      JSON.stringify(HOST_CALLBACKS)
    }) delete globalThis[name];(${realmRuntime})(${realmModules}, ${realmGlobals})`,
    { filename: RUNTIME_FILE },
  );
  contexts ??= { vm, runtime };
}

/**
 * What a script program is wrapped in: a strict-mode function of its realm, or an async
 * one when its top level awaits (as a module's may).
 */
const SCRIPT_PREFIXES = [`"use strict";(function () {`, `"use strict";(async function () {`];
/** What a module program starts with: the marker that it got past parsing. */
const MODULE_PREFIX = "globalThis.__sandboxStarted = true;";
/** A stack frame of the realm's runtime or of the worker around it (the program's say `<program>`). */
const RUNNER_FRAME = new RegExp(`^\\s+at .*(file://|ext:|${RUNTIME_FILE})`);

const apply = Reflect.apply;
/** The names of the worker's global scope, before any program runs (a context has fewer). */
const HOST_GLOBALS = new Set(Object.getOwnPropertyNames(globalThis));
const inspect = Deno.inspect;

/**
 * The host's `setTimeout`, read when first needed: Deno loads its timers lazily (a third
 * of a worker's start), and a program in this realm replaces the global one, so its
 * getter is taken now, before any program runs.
 */
const hostSetTimeout: () => typeof setTimeout = (() => {
  const { get, value } = Object.getOwnPropertyDescriptor(globalThis, "setTimeout")!;
  let found: typeof setTimeout | undefined;
  return () => found ??= get ? apply(get, globalThis, []) : value;
})();
/** A promise that resolves after `ms` milliseconds of the host's clock. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => hostSetTimeout()(resolve, ms));
}

/**
 * How often the runner looks again for a timer while a program in the worker's own realm
 * waits on the host with none scheduled (see {@link ProgramRealm}'s settling).
 */
const HOST_POLL_MS = 2;

/** The channel {@link drained} posts through (made at its first use, kept). */
let boundary: { port: MessagePort; wake: (() => void)[] } | undefined;

/** A macrotask boundary: every promise job queued before it has run. */
function drained(): Promise<void> {
  if (!boundary) {
    const { port1, port2 } = new MessageChannel();
    const wake: (() => void)[] = [];
    port1.onmessage = () => wake.shift()?.();
    boundary = { port: port2, wake };
  }
  const { port, wake } = boundary;
  return new Promise((resolve) => {
    wake.push(resolve);
    port.postMessage(0);
  });
}

/**
 * A boundary after which the host has reported the promises rejected without a handler
 * before it: Deno does so in a later turn of its event loop, which a message through a
 * new channel waits for (one through the kept channel can arrive first).
 */
function reported(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(0);
  });
}

/** How a program ended on one input, in the runner's realm. */
export interface RealmResult {
  status: "ok" | "runtime_error" | "output_limit" | "compile_error";
  stdout: string;
  stderr: string;
  errorText: string;
  /** The entry point's return value (call mode, status ok): an object of the program's realm, to post as a structured clone. */
  value?: unknown;
  hasValue: boolean;
  /**
   * In a context of its own: the program used a global of the host's that the context
   * lacks (a Web API such as `fetch` or `URL`), so it must run as a module.
   */
  needsHost?: boolean;
}

/** A gold test's answer to one call of the candidate. */
export type Answer = { value: unknown } | { callError: string };

/**
 * One program's realm: a fresh context ({@link ProgramRealm.fresh}) for a script, or
 * this worker's own realm ({@link ProgramRealm.own}) for a module, TypeScript or either
 * side of a gold test, after which the worker is spent.
 */
export class ProgramRealm {
  readonly #context?: Context;
  readonly #runtime: RealmRuntime;
  #program?: () => unknown;
  /** Whether {@link ProgramRealm.#program} is async (its top level awaits). */
  #awaits = false;
  /** In this worker's own realm: the loaded program's entry point (for a gold test's calls). */
  #entry: unknown;

  private constructor(context: Context | undefined) {
    this.#context = context;
    const runtime = context
      ? contexts!.runtime.runInContext(context) as RealmRuntime
      : realmRuntime(realmModules, realmGlobals);
    // Taken now: later the program could replace the object's properties.
    this.#runtime = {
      begin: runtime.begin,
      load: runtime.load,
      loading: runtime.loading,
      call: runtime.call,
      next: runtime.next,
      fire: runtime.fire,
      fail: runtime.fail,
      exit: runtime.exit,
      ended: runtime.ended,
      waiting: runtime.waiting,
      exitCodeOf: runtime.exitCodeOf,
      outcome: runtime.outcome,
      value: runtime.value,
    };
  }

  /** A fresh context with its runtime (made before any program code runs in it). */
  static fresh(): ProgramRealm {
    if (!contexts) throw new Error("Call loadContexts() before making a context");
    const { vm } = contexts;
    // An ordinary global object (no interceptor forwarding to an object of this realm):
    // nothing of this realm behind it, and global names resolve at full speed.
    return new ProgramRealm(
      vm.createContext(vm.constants.DONT_CONTEXTIFY, {
        codeGeneration: { strings: false, wasm: false },
      }),
    );
  }

  /** This worker's own realm, with the runtime installed in it (once per worker). */
  static own(): ProgramRealm {
    return new ProgramRealm(undefined);
  }

  /** Whether this is a context of its own (the worker's realm stays untouched). */
  get isolated(): boolean {
    return this.#context !== undefined;
  }

  /**
   * Compiles `program` as a strict-mode function of a fresh realm (a module's scoping:
   * its top-level names are its own, each input runs it afresh); false when it does not
   * compile as a script (the caller runs it as a module, which also reports a genuine
   * syntax error). In the worker's own realm the program is imported per input instead.
   */
  compile(program: WireProgram): boolean {
    if (!this.#context) return true;
    const entry = program.mode === "call" && program.entry_point
      ? `\n;return typeof ${program.entry_point} === "undefined" ? module.exports?.${program.entry_point} : ${program.entry_point};`
      : "";
    for (const prefix of SCRIPT_PREFIXES) {
      try {
        const compiled = new contexts!.vm.Script(`${prefix}${program.code}${entry}\n})`, {
          filename: PROGRAM_FILE,
          columnOffset: -prefix.length,
        }).runInContext(this.#context);
        if (typeof compiled !== "function") return false;
        this.#program = compiled as () => unknown;
        this.#awaits = prefix !== SCRIPT_PREFIXES[0];
        return true;
      } catch {
        // not a script this way (a top level that awaits needs the async function)
      }
    }
    return false;
  }

  #call<K extends keyof RealmRuntime>(
    name: K,
    ...args: Parameters<RealmRuntime[K]>
  ): ReturnType<RealmRuntime[K]> {
    return apply(this.#runtime[name], undefined, args);
  }

  /**
   * Fires the realm's timers in order and drains its promise jobs until none is left and
   * `pending` (a module's load, a call) has settled. Unless `last` is false (a call
   * follows, whose settling does it), a last boundary lets the host report a promise the
   * program left rejected.
   */
  async #settle(pending?: Promise<unknown>, last = true): Promise<void> {
    let done = pending === undefined;
    const finished = pending?.finally(() => (done = true));
    let quiet = !last;
    for (;;) {
      await (quiet && last ? reported() : drained());
      const wait = this.#call("next");
      if (typeof wait !== "number" || !(wait >= 0)) {
        // Done, or the program ended (an error ends it as it would end a process).
        if (done || this.#call("ended") === true) {
          if (quiet) return;
          quiet = true;
          continue;
        }
        // Nothing scheduled: only the pending promise can move the program on, and in this
        // worker's own realm the host too (a module still loading, a dynamic import), after
        // which the program may schedule a timer: look again soon.
        await (this.#context ? finished : Promise.race([finished, pause(HOST_POLL_MS)]));
        continue;
      }
      quiet = false;
      if (wait > 0) await (done ? pause(wait) : Promise.race([pause(wait), finished]));
      if (this.#call("next") === 0) this.#call("fire");
    }
  }

  /** Records an error that reached the host from the realm (an unhandled rejection). */
  fail(error: unknown): void {
    this.#call("fail", error);
  }

  /** Runs the program on input `index`; a call's value stays in the realm until posted. */
  async run(program: WireProgram, index: number): Promise<RealmResult> {
    const input = program.inputs[index];
    let args = "[]";
    try {
      if (program.mode === "call") args = argumentsJson(input.args);
    } catch (error) {
      return failure("runtime_error", errorTextOf(error));
    }
    this.#call("begin", input.stdin, program.max_output_bytes);
    if (this.#context) {
      this.#call("load", this.#program!, this.#awaits);
      await this.#settle(undefined, program.mode !== "call");
      // A top level awaiting what nothing can settle any more waits, as a module's would,
      // until its time limit.
      if (this.#call("loading") === true) await new Promise(() => {});
    } else {
      const compileError = await this.#loadModule(program, index);
      if (compileError !== undefined) return failure("compile_error", compileError);
    }
    if (program.mode === "call" && this.#call("ended") === false) {
      this.#call("call", args, program.entry_point);
      await this.#settle();
      // A promise nothing can settle any more: the program waits until its time limit.
      if (this.#call("waiting") === true) await new Promise(() => {});
    }
    this.#call("exit");
    const outcome = this.#outcome();
    const result = this.#result(outcome);
    if (program.mode === "test" && outcome.end === "exit") {
      result.status = "runtime_error";
      result.errorText = `process.exit(${outcome.exitCode}) before check() returned`;
    } else if (program.mode === "call" && outcome.end === "ok") {
      result.value = this.#call("value");
      result.hasValue = true;
    }
    if (outcome.full) result.status = "output_limit";
    if (this.#context && result.status === "runtime_error") {
      const name = /^ReferenceError: ([\w$]+) is not defined/.exec(result.errorText)?.[1];
      result.needsHost = name !== undefined && HOST_GLOBALS.has(name);
    }
    return result;
  }

  /** Imports the program as a fresh module in this realm; its text when it does not compile. */
  async #loadModule(program: WireProgram, index: number): Promise<string | undefined> {
    const g = globalThis as Record<string, unknown>;
    g.__sandboxStarted = false;
    g.__sandboxEntry = undefined;
    let compileError: string | undefined;
    const loading = import(moduleUrl(programSource(program), program.language, index)).then(
      () => {
        const entry = g.__sandboxEntry;
        this.#entry = entry;
        this.#call("load", () => entry);
      },
      (error) => {
        if (g.__sandboxStarted) this.#call("fail", error);
        else compileError = errorTextOf(error);
      },
    );
    await this.#settle(loading);
    return compileError;
  }

  /** Gold-test mode, in the program's worker: one call of the loaded entry point. */
  async answer(args: unknown[]): Promise<Answer> {
    let answer: Answer | undefined;
    const calling = (async () => {
      if (typeof this.#entry !== "function") throw new ReferenceError("The program did not load");
      return await this.#entry(...args);
    })().then(
      (value) => (answer = { value }),
      (error) => {
        const code = this.#call("exitCodeOf", error);
        answer = {
          callError: code === undefined
            ? errorTextOf(error)
            : `process.exit(${code}) before check() returned`,
        };
      },
    );
    await this.#settle(calling);
    return answer!;
  }

  /**
   * Gold-test mode, in the checker: the test code's `check` called with `candidate` (whose
   * every call the program's worker answers).
   */
  async check(program: WireProgram, index: number, candidate: unknown): Promise<RealmResult> {
    this.#call("begin", "", program.max_output_bytes);
    let errorText = "";
    const checking = import(
      moduleUrl(`${program.test_code}\n;export { check };`, program.language, index, TEST_MEDIA)
    ).then((tests) => tests.check(candidate)).then(() => {}, (error) => {
      errorText = errorTextOf(error);
    });
    await this.#settle(checking);
    const result = this.#result(this.#outcome());
    if (errorText) {
      result.status = "runtime_error";
      result.errorText = errorText;
    }
    return result;
  }

  /** The result an outcome gives, before what depends on the mode. */
  #result(outcome: RealmOutcome): RealmResult {
    const result: RealmResult = {
      status: "ok",
      stdout: printedText(outcome.stdout),
      stderr: printedText(outcome.stderr),
      errorText: "",
      hasValue: false,
    };
    if (outcome.end === "error") {
      result.status = "runtime_error";
      result.errorText = withoutRunnerFrames(outcome.errorText);
    } else if (outcome.end === "exit" && outcome.exitCode !== 0) {
      result.status = "runtime_error";
      result.errorText = `process.exit(${outcome.exitCode})`;
    }
    return result;
  }

  /** The realm's outcome record, copied and checked field by field. */
  #outcome(): RealmOutcome {
    let copied: Partial<RealmOutcome> = {};
    try {
      copied = structuredClone(this.#call("outcome")) ?? {};
    } catch {
      // not plain data: the program replaced what the realm records with
    }
    const segments = (value: unknown) =>
      Array.isArray(value)
        ? value.filter((part) => typeof part === "string" || Array.isArray(part))
        : [];
    return {
      end: copied.end === "ok" || copied.end === "exit" ? copied.end : "error",
      errorText: typeof copied.errorText === "string" ? copied.errorText : "Uncaught error",
      exitCode: typeof copied.exitCode === "number" ? copied.exitCode : 1,
      stdout: segments(copied.stdout),
      stderr: segments(copied.stderr),
      full: copied.full === true,
    };
  }
}

function failure(status: RealmResult["status"], errorText: string): RealmResult {
  return { status, stdout: "", stderr: "", errorText, hasValue: false };
}

/**
 * A `data:` URL for a module; `salt` makes each input's import a fresh module, `parameter`
 * (of the media type) tells a gold test's module.
 */
function moduleUrl(
  source: string,
  language: WireProgram["language"],
  salt: number,
  parameter = "",
): string {
  const mediaType = language === "typescript" ? "application/typescript" : "text/javascript";
  const bytes = new TextEncoder().encode(`${source}\n//${salt}\n`);
  return `data:${mediaType}${parameter};base64,${bytes.toBase64()}`;
}

/** The program module: a start marker (to tell parse errors from run-time ones), the program, the entry hook. */
function programSource(program: WireProgram): string {
  const entry = program.entry_point;
  const source = `${MODULE_PREFIX}${program.code}`;
  if (program.mode === "stdio" || !entry) return source;
  return `${source}\n;globalThis.__sandboxEntry = typeof ${entry} === "undefined" ? module.exports?.${entry} : ${entry};\n`;
}

/** An error's text (stack), with a module's `data:` URL shown as `<program>` (or `<test>`) and the runner's frames dropped. */
function errorTextOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error
      ? error.stack ?? `${error.name}: ${error.message}`
      : `Uncaught ${String(error)}`;
  } catch {
    text = "Uncaught error";
  }
  return withoutRunnerFrames(text);
}

/** A call's Python literal arguments (as `fromPythonValue` gives them) as JSON the realm revives (tags for what JSON lacks). */
function argumentsJson(text: string): string {
  const tagged = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(tagged);
    if (value instanceof Set) return { $set: [...value].map(tagged) };
    if (value instanceof Map) return { $map: [...value].map(([k, v]) => [tagged(k), tagged(v)]) };
    if (value instanceof Uint8Array) return { $bytes: [...value] };
    if (typeof value === "bigint") return { $bigint: String(value) };
    if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) {
      return { $number: String(value) };
    }
    if (value !== null && typeof value === "object") {
      return { $object: Object.entries(value).map(([k, v]) => [k, tagged(v)]) };
    }
    return value;
  };
  return JSON.stringify(
    parsePythonArgs(text).map((arg) => {
      if (arg instanceof PyKeyword) throw new TypeError("Keyword arguments need a Python program");
      return tagged(fromPythonValue(arg));
    }),
  );
}

/**
 * Error text without the frames of the realm's runtime and of the worker around it, a
 * gold test's module shown as `<test>`, a program module's `data:` URL as `<program>` and
 * its positions on the first line counted from the program's first character (as a
 * script's are). Deno shortens long `data:` URLs in stack frames (`…` in the middle), so
 * they are told apart by their media type.
 */
function withoutRunnerFrames(text: string): string {
  return text.replace(
    new RegExp(`data:[a-z/]+${TEST_MEDIA};base64,[A-Za-z0-9+/=.]+`, "g"),
    TEST_FILE,
  )
    .replace(
      /data:[a-z/]+;base64,[A-Za-z0-9+/=.]+:1:(\d+)/g,
      (_, column) => `${PROGRAM_FILE}:1:${Number(column) - MODULE_PREFIX.length}`,
    ).replace(/data:[a-z/]+;base64,[A-Za-z0-9+/=.]+/g, PROGRAM_FILE)
    // A parse error's frame of the first line, without the start marker (its mark moved with it).
    .replace(
      new RegExp(
        `^1 \\| ${RegExp.escape(MODULE_PREFIX)}(.*)\n(\\s*\\| ) {${MODULE_PREFIX.length}}`,
        "m",
      ),
      "1 | $1\n$2",
    ).split("\n")
    .filter((line) => !RUNNER_FRAME.test(line))
    .join("\n");
}

/** What a program printed: its text writes as they are, its `console` calls formatted by `Deno.inspect`. */
function printedText(segments: (string | Printed[])[]): string {
  let text = "";
  for (const segment of segments) {
    if (typeof segment === "string") {
      text += segment;
      continue;
    }
    const seen = new Map<PrintedNode, unknown>();
    const shown = (part: Printed): string =>
      typeof part === "string" ? part : inspect(rebuilt(part, seen));
    text += segment.map((part) =>
      typeof part === "object" && part?.kind === "format"
        ? (part.items ?? []).map((piece) =>
          typeof piece === "object" && piece?.kind === "inspect"
            ? inspect(rebuilt(piece.items?.[0], seen))
            : shown(piece)
        ).join("")
        : shown(part)
    ).join(" ") + "\n";
  }
  return text;
}

const TYPED_ARRAYS: Record<string, new (length: number) => { [i: number]: unknown }> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

function named<T extends object>(value: T, name: string): T {
  return Object.defineProperty(value, "name", { value: name });
}

function rebuiltFunction(name: string, detail: string): unknown {
  if (detail.startsWith("class")) {
    const baseName = detail.slice("class:".length);
    if (!baseName) return named(class {}, name);
    // A base class of its own name (not an expression after `extends`, which `Deno.inspect`
    // would not read as a class).
    const Base = named(class {}, baseName);
    return named(class extends Base {}, name);
  }
  const kinds: Record<string, unknown> = {
    async: async function () {},
    generator: function* () {},
    asyncgenerator: async function* () {},
  };
  return named((kinds[detail] ?? function () {}) as object, name);
}

/** A value of this realm that `Deno.inspect` prints as the program's value printed in its own. */
function rebuilt(part: Printed, seen: Map<PrintedNode, unknown>): unknown {
  if (part === null || typeof part !== "object") return part;
  if (seen.has(part)) return seen.get(part);
  const items = part.items ?? [];
  switch (part.kind) {
    case "array": {
      const array = new Array(part.length ?? items.length);
      seen.set(part, array);
      items.forEach((item, i) => {
        if (!(typeof item === "object" && item?.kind === "hole")) array[i] = rebuilt(item, seen);
      });
      return array;
    }
    case "map": {
      const map = new Map();
      seen.set(part, map);
      for (let i = 0; i + 1 < items.length; i += 2) {
        map.set(rebuilt(items[i], seen), rebuilt(items[i + 1], seen));
      }
      // Entries past the copied ones, which `Deno.inspect` only counts.
      while (map.size < (part.length ?? 0)) map.set(Symbol(), undefined);
      return map;
    }
    case "set": {
      const set = new Set();
      seen.set(part, set);
      for (const item of items) set.add(rebuilt(item, seen));
      while (set.size < (part.length ?? 0)) set.add(Symbol());
      return set;
    }
    case "typed": {
      const Typed = TYPED_ARRAYS[part.name ?? ""] ?? Uint8Array;
      const typed = new Typed(part.length ?? items.length);
      items.forEach((item, i) => (typed[i] = item));
      return typed;
    }
    case "date":
      return new Date(part.number ?? NaN);
    case "regexp":
      try {
        return new RegExp(part.text ?? "", part.detail ?? "");
      } catch {
        return {};
      }
    case "error": {
      const error = new Error();
      Object.defineProperty(error, "stack", { value: withoutRunnerFrames(part.text ?? "") });
      return error;
    }
    case "symbol":
      return Symbol(part.text);
    case "function":
      return rebuiltFunction(part.name ?? "", part.detail ?? "");
    case "object": {
      const object = part.name === ""
        ? Object.create(null)
        : part.name === "Object"
        ? {}
        : Object.create(named(class {}, part.name ?? "Object").prototype);
      seen.set(part, object);
      for (const [key, value] of part.entries ?? []) {
        const accessor = typeof value === "object" && value?.kind === "accessor";
        Object.defineProperty(
          object,
          key,
          accessor
            ? {
              get: value.get ? () => undefined : undefined,
              set: value.set ? () => {} : undefined,
              enumerable: true,
              configurable: true,
            }
            : { value: rebuilt(value, seen), enumerable: true, writable: true, configurable: true },
        );
      }
      return object;
    }
    default:
      return {};
  }
}
