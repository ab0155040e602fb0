/**
 * What a JavaScript program finds in its realm besides the language's built-ins. The
 * source of {@link realmRuntime} is evaluated inside the fresh V8 context made for each
 * program (see `js_realm.ts`), so it refers to nothing outside itself: every name in it
 * is the context's own. It gives the program what a judge's Node-style shell has:
 * `require` of `fs` (`readFileSync(0)` as text, or as bytes whose `toString()` is the
 * text), `readline`, `readline/promises`, `os` (`EOL`) and `process` (whose `stdin` emits
 * the input and iterates over it, and whose `exit` listeners run at the program's end)
 * shims serving the input's stdin, and of Node's `assert`, `util`, `events` and
 * `perf_hooks` (`js_realm_modules.ts`, built when first required), `readline()`,
 * `prompt()`, `print()`, a console, a clock, timers on the realm's own queue (the runner
 * fires them; they go with the realm) and what a context lacks of a Node program's globals
 * (`js_realm_globals.ts`).
 *
 * The runner takes the functions returned here before any program code runs and reads
 * back only primitives and plain data: what the program printed is kept as text and, for
 * values other than strings, as a copy made at the time of the call, which the runner
 * formats with the host's own `Deno.inspect` (so both ways of running a program print
 * alike).
 *
 * @module
 */

import type { realmGlobals } from "./js_realm_globals.ts";
import type { realmModules } from "./js_realm_modules.ts";

/** A copy of a printed value other than a primitive: plain data, tagged by kind. */
export type Printed =
  | string
  | number
  | boolean
  | bigint
  | undefined
  | null
  | PrintedNode;

/** One non-primitive node of a {@link Printed} copy. */
export interface PrintedNode {
  kind:
    | "array"
    | "object"
    | "map"
    | "set"
    | "date"
    | "regexp"
    | "error"
    | "symbol"
    | "function"
    | "typed"
    | "hole"
    | "accessor"
    | "deep"
    | "format"
    | "inspect";
  /** Class or constructor name (objects, typed arrays, errors, functions). */
  name?: string;
  /** A class's base class name, a function's kind (`async`, `generator`, …). */
  detail?: string;
  /**
   * Array items (first ones), map entries as pairs, set items, typed array items; the
   * pieces of a `console` format string (text, and values to inspect as `inspect`
   * nodes); the value of an `inspect` node.
   */
  items?: Printed[];
  /** Own enumerable properties of an object, as pairs. */
  entries?: [string, Printed][];
  /** Length of an array or typed array, size of a map or set. */
  length?: number;
  /** Date time, regexp source, error stack, symbol description. */
  text?: string;
  number?: number;
  /** For an accessor: has a getter, has a setter. */
  get?: boolean;
  set?: boolean;
}

/** A program's outcome on one input, as the realm records it. */
export interface RealmOutcome {
  /** `ok`, `error` (thrown, rejected or failed timer), or `exit` (`process.exit`). */
  end: "ok" | "error" | "exit";
  errorText: string;
  exitCode: number;
  /** Each write, as text or as the copies of one `console` call's arguments. */
  stdout: (string | Printed[])[];
  stderr: (string | Printed[])[];
  /** Whether the program wrote past its cap (its output is cut there). */
  full: boolean;
}

/** The functions through which the runner drives a program's realm. */
export interface RealmRuntime {
  /** New stdin, fresh output, fresh shims (as globals) for one input. */
  begin(stdin: string, maxChars: number): void;
  /**
   * Runs the program's compiled top level (a function of the realm); `awaits` when it is
   * an async function (a top level with `await`), whose promise gives the entry point.
   */
  load(program: () => unknown, awaits?: boolean): void;
  /** Whether an async top level has not settled yet. */
  loading(): boolean;
  /** Calls the entry point the top level returned with arguments given as tagged JSON. */
  call(args: string, entry: string): void;
  /** Milliseconds to the next timer, 0 when one is due, -1 when none is left or the program ended. */
  next(): number;
  /** Runs the timer that is due first. */
  fire(): void;
  /** Records an error that reached the host (an unhandled rejection). */
  fail(error: unknown): void;
  /** Runs the program's `exit` listeners, as a process does at its end, whatever ended it. */
  exit(): void;
  /** Whether the program has ended (thrown, failed or exited). */
  ended(): boolean;
  /** Whether the entry point's call is still waiting for its promise. */
  waiting(): boolean;
  /** The code `error` carries when it is the program's `process.exit(code)`. */
  exitCodeOf(error: unknown): number | undefined;
  /** The outcome so far; `value` is the call's result (in call mode). */
  outcome(): RealmOutcome;
  value(): unknown;
}

/**
 * Builds the realm's runtime; evaluated as `(${realmRuntime})(${realmModules}, ${realmGlobals})`
 * inside the program's context (`modules` builds what `require` serves besides the shims
 * here, `globals` what the realm lacks of a Node program's globals).
 */
export function realmRuntime(
  modules: typeof realmModules,
  globals: typeof realmGlobals,
): RealmRuntime {
  const g = globalThis as unknown as Record<string, unknown>;
  if (!("self" in g)) g.self = g;
  const nativeQueueMicrotask = g.queueMicrotask as (fn: () => void) => void;
  const dateNow = Date.now;
  const startedAt = dateNow();
  const parseJson = JSON.parse;
  const isArray = Array.isArray;
  const getPrototypeOf = Object.getPrototypeOf;
  const ownKeys = Object.keys;
  const describeProperty = Object.getOwnPropertyDescriptor;
  const defineProperty = Object.defineProperty;
  const functionText = Function.prototype.toString;
  const hasOwn = Object.hasOwn;
  const MAX_ITEMS = 101;
  const MAX_DEPTH = 8;
  for (const [name, value] of Object.entries(globals())) if (!(name in g)) define(name, value);
  /** The realm's own codec, taken before any program code runs (stdin's bytes, written bytes). */
  const decoder = new (g.TextDecoder as typeof TextDecoder)();
  const encoder = new (g.TextEncoder as typeof TextEncoder)();

  class ProgramExit {
    constructor(readonly code: number) {}
  }

  let stdout: (string | Printed[])[] = [];
  let stderr: (string | Printed[])[] = [];
  let chars = 0;
  let maxChars = Infinity;
  let full = false;
  let end: RealmOutcome["end"] = "ok";
  let errorText = "";
  let exitCode = 0;
  let settled = false;
  let result: unknown;
  let entryPoint: unknown;
  let loading = false;

  interface Timer {
    id: number;
    due: number;
    fn: (...args: unknown[]) => unknown;
    args: unknown[];
    every: number;
  }
  let timers: Timer[] = [];
  let timerId = 0;
  /** The input's `process` events (its `exit` listeners run when the input is over). */
  let processEvents: Emitter;

  function errorTextOf(error: unknown): string {
    try {
      if (error instanceof Error) return String(error.stack ?? `${error.name}: ${error.message}`);
      return `Uncaught ${String(error)}`;
    } catch {
      return "Uncaught error";
    }
  }

  function fail(error: unknown): void {
    if (error instanceof ProgramExit) {
      if (end === "ok") {
        end = "exit";
        exitCode = error.code;
      }
      return;
    }
    if (end !== "ok") return;
    end = "error";
    errorText = errorTextOf(error);
  }

  function guarded(fn: (...args: unknown[]) => unknown, args: unknown[]): void {
    if (end !== "ok") return;
    try {
      fn(...args);
    } catch (error) {
      fail(error);
    }
  }

  function write(to: (string | Printed[])[], part: string | Printed[], size: number): void {
    if (full) throw new RangeError("Output limit reached");
    chars += size;
    to.push(part);
    if (chars > maxChars) {
      full = true;
      throw new RangeError("Output limit reached");
    }
  }

  /** A copy of `value` as plain data, made now (later changes to it do not show). */
  function copy(value: unknown, depth: number, seen: Map<object, PrintedNode>): Printed {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      if (typeof value === "symbol") return { kind: "symbol", text: value.description ?? "" };
      return value as Printed;
    }
    const known = seen.get(value);
    if (known) return known;
    if (depth > MAX_DEPTH) return { kind: "deep" };
    if (typeof value === "function") {
      const source = String(functionText.call(value));
      const name = String(value.name ?? "");
      if (source.startsWith("class")) {
        const base = getPrototypeOf(value);
        const detail = typeof base === "function" && base.name ? String(base.name) : undefined;
        return {
          kind: "function",
          name,
          detail: detail === undefined ? "class" : `class:${detail}`,
        };
      }
      const detail = source.startsWith("async function*") || source.startsWith("async *")
        ? "asyncgenerator"
        : source.startsWith("async")
        ? "async"
        : /^function\s*\*/.test(source) || source.startsWith("*")
        ? "generator"
        : "";
      return { kind: "function", name, detail };
    }
    const node: PrintedNode = { kind: "object" };
    seen.set(value, node);
    const items = (source: Iterable<unknown>, limit: number): Printed[] => {
      const out: Printed[] = [];
      for (const item of source) {
        if (out.length >= limit) break;
        out.push(copy(item, depth + 1, seen));
      }
      return out;
    };
    if (isArray(value)) {
      node.kind = "array";
      node.length = value.length;
      node.items = [];
      for (let i = 0; i < value.length && i < MAX_ITEMS; i++) {
        node.items.push(i in value ? copy(value[i], depth + 1, seen) : { kind: "hole" });
      }
      return node;
    }
    if (value instanceof Map) {
      node.kind = "map";
      node.length = value.size;
      node.items = [];
      for (const [k, v] of value) {
        if (node.items.length >= 2 * MAX_ITEMS) break;
        node.items.push(copy(k, depth + 1, seen), copy(v, depth + 1, seen));
      }
      return node;
    }
    if (value instanceof Set) {
      node.kind = "set";
      node.length = value.size;
      node.items = items(value, MAX_ITEMS);
      return node;
    }
    if (value instanceof Date) {
      node.kind = "date";
      node.number = value.getTime();
      return node;
    }
    if (value instanceof RegExp) {
      node.kind = "regexp";
      node.text = value.source;
      node.detail = value.flags;
      return node;
    }
    if (value instanceof Error) {
      node.kind = "error";
      node.name = String(value.name);
      node.text = errorTextOf(value);
      return node;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const typed = value as unknown as ArrayLike<unknown> & Iterable<unknown>;
      node.kind = "typed";
      node.name = String(getPrototypeOf(value)?.constructor?.name ?? "Uint8Array");
      node.length = typed.length;
      node.items = items(typed, MAX_ITEMS);
      return node;
    }
    const proto = getPrototypeOf(value);
    node.name = proto === null
      ? ""
      : String(describeProperty(proto, "constructor")?.value?.name ?? "Object");
    node.entries = [];
    for (const key of ownKeys(value)) {
      const property = describeProperty(value, key);
      if (!property) continue;
      node.entries.push([
        key,
        "value" in property ? copy(property.value, depth + 1, seen) : {
          kind: "accessor",
          get: property.get !== undefined,
          set: property.set !== undefined,
        },
      ]);
    }
    return node;
  }

  /**
   * A `console` call whose first argument is a format string, as Deno's console reads
   * it: `%s`, `%d`/`%i`, `%f` convert their argument now (in this realm), `%o`/`%O` copy
   * it to be inspected, `%c` drops it, `%%` is `%`; the arguments left follow.
   */
  function formatted(parts: unknown[], seen: Map<object, PrintedNode>): Printed[] {
    const format = parts[0] as string;
    const pieces: Printed[] = [];
    let at = 1;
    let text = "";
    let appended = 0;
    for (let i = 0; i < format.length - 1; i++) {
      if (format[i] !== "%") continue;
      const directive = format[++i];
      if (at < parts.length) {
        let piece: Printed | undefined;
        if (directive === "s") piece = String(parts[at++]);
        else if (directive === "d" || directive === "i") {
          piece = String(parseInt(parts[at++] as string));
        } else if (directive === "f") piece = String(parseFloat(parts[at++] as string));
        else if (directive === "o" || directive === "O") {
          piece = { kind: "inspect", items: [copy(parts[at++], 0, seen)] };
        } else if (directive === "c") {
          at++;
          piece = "";
        }
        if (piece !== undefined) {
          pieces.push(text + format.slice(appended, i - 1), piece);
          text = "";
          appended = i + 1;
        }
      }
      if (directive === "%") {
        text += format.slice(appended, i - 1) + "%";
        appended = i + 1;
      }
    }
    pieces.push(text + format.slice(appended));
    const rest = parts.slice(at).map((part) =>
      typeof part === "string" ? part : copy(part, 0, seen)
    );
    return [{ kind: "format", items: pieces }, ...rest];
  }

  function printer(to: () => (string | Printed[])[]) {
    return (...parts: unknown[]) => {
      if (parts.length > 1 && typeof parts[0] === "string" && parts[0].includes("%")) {
        write(to(), formatted(parts, new Map()), 16 * parts.length);
        return;
      }
      if (parts.every((part) => typeof part === "string")) {
        const text = parts.join(" ") + "\n";
        write(to(), text, text.length);
        return;
      }
      const seen = new Map<object, PrintedNode>();
      const copies = parts.map((part) => copy(part, 0, seen));
      write(to(), copies, 16 * parts.length);
    };
  }

  /**
   * What `readFileSync(0)` returns without an encoding: bytes that, like a Node `Buffer`,
   * turn into their text (as UTF-8) in `readFileSync(0).toString()` or `readFileSync(0) + ""`.
   */
  class FileBytes extends Uint8Array {
    override toString(_encoding?: unknown, start = 0, end = this.length): string {
      return decoder.decode(this.subarray(start, end));
    }
  }

  type Listener = (...args: unknown[]) => void;
  /** Node's event emitter (also what `require("events")` gives). */
  class Emitter {
    readonly #events = new Map<string | symbol, Listener[]>();
    on(name: string | symbol, fn: Listener): this {
      this.#events.set(name, [...(this.#events.get(name) ?? []), fn]);
      return this;
    }
    prependListener(name: string | symbol, fn: Listener): this {
      this.#events.set(name, [fn, ...(this.#events.get(name) ?? [])]);
      return this;
    }
    once(name: string | symbol, fn: Listener): this {
      const first: Listener = (...args) => {
        this.off(name, first);
        fn(...args);
      };
      return this.on(name, first);
    }
    off(name: string | symbol, fn: Listener): this {
      const listeners = this.#events.get(name) ?? [];
      const at = listeners.lastIndexOf(fn);
      if (at >= 0) this.#events.set(name, listeners.toSpliced(at, 1));
      return this;
    }
    addListener(name: string | symbol, fn: Listener): this {
      return this.on(name, fn);
    }
    removeListener(name: string | symbol, fn: Listener): this {
      return this.off(name, fn);
    }
    removeAllListeners(name?: string | symbol): this {
      if (name === undefined) this.#events.clear();
      else this.#events.delete(name);
      return this;
    }
    setMaxListeners(): this {
      return this;
    }
    listeners(name: string | symbol): Listener[] {
      return [...(this.#events.get(name) ?? [])];
    }
    listenerCount(name: string | symbol): number {
      return this.#events.get(name)?.length ?? 0;
    }
    eventNames(): (string | symbol)[] {
      return [...this.#events.keys()].filter((name) => this.listenerCount(name) > 0);
    }
    emit(name: string | symbol, ...args: unknown[]): boolean {
      const listeners = this.listeners(name);
      if (name === "error" && listeners.length === 0) throw args[0];
      for (const fn of listeners) fn.apply(this, args);
      return listeners.length > 0;
    }
  }

  function addTimer(fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    const delay = Math.max(0, Number(ms) || 0);
    const timer: Timer = {
      id: ++timerId,
      due: dateNow() + delay,
      fn: fn as Timer["fn"],
      args,
      every: repeat ? Math.max(1, delay) : -1,
    };
    timers.push(timer);
    return timer.id;
  }
  function clearTimer(id: unknown): void {
    timers = timers.filter((timer) => timer.id !== id);
  }

  /**
   * Sets a global as a plain value (in a worker's own realm, assigning would run the
   * setter of a global that Deno loads lazily, and load it).
   */
  function define(name: string, value: unknown): void {
    defineProperty(g, name, { value, writable: true, configurable: true });
  }

  function installShims(input: string): void {
    processEvents = new Emitter();
    const log = printer(() => stdout);
    const warn = printer(() => stderr);
    const noop = () => {};
    define("console", {
      log,
      info: log,
      debug: log,
      warn,
      error: warn,
      trace: warn,
      dir: log,
      table: log,
      assert: noop,
      count: noop,
      countReset: noop,
      group: noop,
      groupEnd: noop,
      groupCollapsed: noop,
      time: noop,
      timeEnd: noop,
      timeLog: noop,
    });
    const lines = input.split("\n");
    if (lines.at(-1) === "") lines.pop();
    let lineAt = 0;
    const nextLine = () => lineAt < lines.length ? lines[lineAt++] : null;
    let stdinStarted = false;
    /** Serves stdin once (to whichever reader starts first), in a promise job like a stream's. */
    const serveStdin = (serve: () => void) => {
      if (stdinStarted) return;
      stdinStarted = true;
      nativeQueueMicrotask(() => guarded(serve, []));
    };
    const stdinEvents = new Emitter();
    /** Text once `setEncoding` was called, else bytes (whose `toString()` is the text), as in Node. */
    let encoded = false;
    let unread = true;
    /** The whole input as one chunk, the first time; then `null` (the end). */
    const takeStdin = () => {
      if (!unread || !input) return null;
      unread = false;
      lineAt = lines.length;
      return encoded ? input : new FileBytes(encoder.encode(input));
    };
    const startStdin = () =>
      serveStdin(() => {
        // A reader that reads on "readable" takes the input here, one on "data" below.
        stdinEvents.emit("readable");
        const chunk = takeStdin();
        if (chunk !== null) stdinEvents.emit("data", chunk);
        stdinEvents.emit("end");
        stdinEvents.emit("close");
      });
    const stdinShim = Object.assign(stdinEvents, {
      setEncoding: () => ((encoded = true), stdinShim),
      resume: () => (startStdin(), stdinShim),
      pause: () => stdinShim,
      read: takeStdin,
      fd: 0,
      /** `for await (const chunk of process.stdin)`: the whole input as one chunk, served once. */
      async *[Symbol.asyncIterator]() {
        if (stdinStarted) return;
        stdinStarted = true;
        const chunk = takeStdin();
        if (chunk !== null) yield chunk;
      },
    });
    const on = stdinEvents.on.bind(stdinEvents);
    stdinShim.on = (name: string, fn: Listener) => {
      on(name, fn);
      if (name === "data" || name === "end" || name === "readable") startStdin();
      return stdinShim;
    };
    const streamWriter = (to: () => (string | Printed[])[]) => ({
      write: (chunk: unknown) => {
        const text = typeof chunk === "string"
          ? chunk
          : chunk instanceof Uint8Array
          ? decoder.decode(chunk)
          : String(chunk);
        write(to(), text, text.length);
        return true;
      },
    });
    const processShim = Object.assign(processEvents, {
      stdin: stdinShim,
      stdout: streamWriter(() => stdout),
      stderr: streamWriter(() => stderr),
      argv: ["node", "program"],
      env: {},
      platform: "linux",
      exit: (code = 0) => {
        throw new ProgramExit(code);
      },
      nextTick: (fn: (...a: unknown[]) => void, ...args: unknown[]) =>
        nativeQueueMicrotask(() => guarded(fn, args)),
      hrtime: Object.assign(() => [0, 0], {
        bigint: () => BigInt(Math.round((dateNow() - startedAt) * 1e6)),
      }),
      memoryUsage: () => ({ heapUsed: 0, rss: 0 }),
    });
    const fsShim = {
      readFileSync(path: unknown, options?: unknown): string | Uint8Array {
        if (path === 0 || path === "/dev/stdin") {
          lineAt = lines.length;
          return options ? input : new FileBytes(encoder.encode(input));
        }
        throw new Error(`ENOENT: no such file or directory, open '${String(path)}'`);
      },
    };
    /**
     * Writes a question to the interface's output stream, when it was given one (as Node's
     * readline does): `createInterface({ input, output })` or `createInterface(input, output)`.
     */
    const asker = (options: unknown, second: unknown) => {
      const output = (second ?? (options as { output?: unknown } | null)?.output) as
        | { write?: unknown }
        | undefined;
      return (query: unknown) => {
        if (typeof output?.write === "function") output.write(String(query));
      };
    };
    const readlineShim = {
      createInterface: (options?: unknown, output?: unknown) => {
        const ask = asker(options, output);
        const rl = new Emitter();
        const startLines = () =>
          serveStdin(() => {
            for (let line = nextLine(); line !== null; line = nextLine()) rl.emit("line", line);
            rl.emit("close");
          });
        const rlOn = rl.on.bind(rl);
        return Object.assign(rl, {
          on: (name: string, fn: Listener) => {
            rlOn(name, fn);
            if (name === "line") startLines();
            return rl;
          },
          close: () => {},
          question: (query: unknown, fn: (answer: string) => void) => {
            ask(query);
            fn(nextLine() ?? "");
          },
          async *[Symbol.asyncIterator]() {
            for (let line = nextLine(); line !== null; line = nextLine()) yield line;
          },
        });
      },
    };
    const served: Record<string, unknown> = {
      fs: fsShim,
      readline: readlineShim,
      // The same lines, a question's answer as a promise.
      "readline/promises": {
        createInterface: (options?: unknown, output?: unknown) => {
          const ask = asker(options, output);
          return Object.assign(readlineShim.createInterface(), {
            question: (query: unknown) => {
              ask(query);
              return Promise.resolve(nextLine() ?? "");
            },
          });
        },
      },
      os: { EOL: "\n" },
      process: processShim,
    };
    /** `assert`, `util`, `events`, `perf_hooks`: built for the input when first required. */
    let more: Record<string, unknown> | undefined;
    define("require", (name: string) => {
      const key = String(name).replace(/^node:/, "");
      if (!hasOwn(served, key)) {
        more ??= modules({ Emitter, performance: g.performance });
        if (!hasOwn(more, key)) throw new Error(`Cannot find module '${name}'`);
        return more[key];
      }
      return served[key];
    });
    define("process", processShim);
    define("readline", nextLine);
    define("prompt", () => nextLine());
    define("print", log);
    define("module", { exports: {} });
    define("exports", (g.module as { exports: unknown }).exports);
    define("queueMicrotask", (fn: unknown) => {
      if (typeof fn !== "function") throw new TypeError("The callback must be a function");
      nativeQueueMicrotask(() => guarded(fn as Listener, []));
    });
    define(
      "setTimeout",
      (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false),
    );
    define(
      "setInterval",
      (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true),
    );
    define("setImmediate", (fn: unknown, ...args: unknown[]) => addTimer(fn, 0, args, false));
    define("clearTimeout", clearTimer);
    define("clearInterval", clearTimer);
    define("clearImmediate", clearTimer);
    // A context has no clock of its own; a worker's own realm keeps the host's.
    if (!("performance" in g)) {
      define("performance", { now: () => dateNow() - startedAt, timeOrigin: startedAt });
    }
  }

  function revive(_key: string, value: unknown): unknown {
    if (value === null || typeof value !== "object" || isArray(value)) return value;
    const tagged = value as Record<string, unknown>;
    if ("$bigint" in tagged) return BigInt(tagged.$bigint as string);
    if ("$number" in tagged) return Number(tagged.$number);
    if ("$set" in tagged) return new Set(tagged.$set as unknown[]);
    if ("$bytes" in tagged) return new Uint8Array(tagged.$bytes as number[]);
    if ("$map" in tagged) return new Map(tagged.$map as [unknown, unknown][]);
    if ("$object" in tagged) return Object.fromEntries(tagged.$object as [string, unknown][]);
    return value;
  }

  return {
    begin(input: string, cap: number) {
      stdout = [];
      stderr = [];
      chars = 0;
      maxChars = cap;
      full = false;
      end = "ok";
      errorText = "";
      exitCode = 0;
      settled = false;
      result = undefined;
      entryPoint = undefined;
      loading = false;
      timers = [];
      installShims(input);
    },
    load(program: () => unknown, awaits = false) {
      try {
        const value = program();
        if (!awaits) {
          entryPoint = value;
          return;
        }
        loading = true;
        (value as Promise<unknown>).then((entry) => {
          entryPoint = entry;
          loading = false;
        }, (error) => {
          loading = false;
          fail(error);
        });
      } catch (error) {
        fail(error);
      }
    },
    loading() {
      return end === "ok" && loading;
    },
    call(args: string, entry: string) {
      if (end !== "ok") return;
      try {
        if (typeof entryPoint !== "function") throw new ReferenceError(`${entry} is not defined`);
        const value = entryPoint(...parseJson(args, revive));
        if (value !== null && typeof value === "object" && typeof value.then === "function") {
          value.then((v: unknown) => {
            result = v;
            settled = true;
          }, fail);
        } else {
          result = value;
          settled = true;
        }
      } catch (error) {
        fail(error);
      }
    },
    next() {
      if (end !== "ok" || timers.length === 0) return -1;
      let first = timers[0];
      for (const timer of timers) if (timer.due < first.due) first = timer;
      return Math.max(0, first.due - dateNow());
    },
    fire() {
      if (end !== "ok" || timers.length === 0) return;
      let first = timers[0];
      for (const timer of timers) if (timer.due < first.due) first = timer;
      if (first.every < 0) clearTimer(first.id);
      else first.due = dateNow() + first.every;
      guarded(first.fn, first.args);
    },
    fail,
    exit() {
      const code = end === "ok" ? 0 : end === "exit" ? exitCode : 1;
      for (const fn of processEvents.listeners("exit")) {
        try {
          fn(code);
        } catch (error) {
          fail(error);
        }
      }
    },
    ended() {
      return end !== "ok";
    },
    waiting() {
      return end === "ok" && !settled;
    },
    exitCodeOf(error: unknown) {
      return error instanceof ProgramExit ? error.code : undefined;
    },
    outcome() {
      return { end, errorText, exitCode, stdout, stderr, full };
    },
    value() {
      return result;
    },
  };
}
