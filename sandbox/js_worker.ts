/**
 * Web Worker that runs one JavaScript or TypeScript job and is then terminated (a
 * fresh worker per job is the isolation). The program is imported as a `data:`
 * module after the host's `Deno` namespace and `WebAssembly` are removed from its
 * global scope; it gets Node-style `require("fs")`/`require("readline")`/`process`
 * shims that serve the job's stdin and capture its stdout, plus `readline()`,
 * `prompt()` and `print()` as in judge shells.
 *
 * Messages in: one {@link WireJob}. Messages out: one {@link RuntimeReport}.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { parsePythonArgs, PyKeyword } from "../src/code/python_literal.ts";
import { canonicalJson, fromPythonValue } from "./canonical.ts";
import { type RuntimeReport, runtimeReport, type WireJob } from "./protocol.ts";
import { OutputBuffer } from "./signals.ts";

class ProgramExit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

const post = self.postMessage.bind(self);
const inspect = Deno.inspect;
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;
const realSetInterval = setInterval;
const realClearInterval = clearInterval;

let pendingTimers = 0;
let settle: () => void = () => {};
let exitCode: number | undefined;

function trackTimers(): void {
  const live = new Set<number>();
  const done = (id: number) => {
    if (live.delete(id)) pendingTimers--;
    if (pendingTimers === 0) settle();
  };
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = realSetTimeout(() => {
      done(id);
      fn(...args);
    }, ms) as unknown as number;
    live.add(id);
    pendingTimers++;
    return id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number) => {
    realClearTimeout(id);
    done(id);
  }) as typeof clearTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = realSetInterval(() => fn(...args), ms) as unknown as number;
    live.add(id);
    pendingTimers++;
    return id;
  }) as unknown as typeof setInterval;
  globalThis.clearInterval = ((id: number) => {
    realClearInterval(id);
    done(id);
  }) as typeof clearInterval;
}

type Listener = (value?: unknown) => void;

/** A minimal event emitter for the stdin shims. */
class Emitter {
  readonly #listeners = new Map<string, Listener[]>();
  on(name: string, fn: Listener): this {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener): this {
    return this.on(name, fn);
  }
  addListener(name: string, fn: Listener): this {
    return this.on(name, fn);
  }
  emit(name: string, value?: unknown): void {
    for (const fn of this.#listeners.get(name) ?? []) fn(value);
  }
}

function installShims(input: string, stdout: OutputBuffer, stderr: OutputBuffer): void {
  const encoder = new TextEncoder();
  const write = (buffer: OutputBuffer) => (...parts: unknown[]) => {
    const text = parts.map((p) => typeof p === "string" ? p : inspect(p)).join(" ");
    buffer.write(encoder.encode(text + "\n"));
  };
  const log = write(stdout);
  const warn = write(stderr);
  const consoleShim = { ...console, log, info: log, debug: log, warn, error: warn, trace: warn };
  Object.defineProperty(globalThis, "console", { value: consoleShim, writable: true });
  const lines = input.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let lineAt = 0;
  const nextLine = () => lineAt < lines.length ? lines[lineAt++] : null;
  const stdinEvents = new Emitter();
  let stdinStarted = false;
  const startStdin = () => {
    if (stdinStarted) return;
    stdinStarted = true;
    pendingTimers++;
    queueMicrotask(() => {
      if (input) stdinEvents.emit("data", input);
      stdinEvents.emit("end");
      stdinEvents.emit("close");
      pendingTimers--;
      if (pendingTimers === 0) settle();
    });
  };
  const stdinShim = Object.assign(stdinEvents, {
    setEncoding: () => stdinShim,
    resume: () => (startStdin(), stdinShim),
    pause: () => stdinShim,
    read: () => null,
    fd: 0,
  });
  const originalOn = stdinEvents.on.bind(stdinEvents);
  stdinShim.on = (name: string, fn: Listener) => {
    originalOn(name, fn);
    if (name === "data" || name === "end" || name === "readable") startStdin();
    return stdinShim;
  };
  const streamWriter = (buffer: OutputBuffer) => ({
    write: (chunk: string | Uint8Array) => {
      buffer.write(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      return true;
    },
  });
  const processShim = {
    stdin: stdinShim,
    stdout: streamWriter(stdout),
    stderr: streamWriter(stderr),
    argv: ["node", "program"],
    env: {},
    platform: "linux",
    exit: (code = 0) => {
      throw new ProgramExit(code);
    },
    nextTick: (fn: (...a: unknown[]) => void, ...args: unknown[]) =>
      queueMicrotask(() => fn(...args)),
    hrtime: Object.assign(() => [0, 0], {
      bigint: () => BigInt(Math.round(performance.now() * 1e6)),
    }),
    memoryUsage: () => ({ heapUsed: 0, rss: 0 }),
  };
  const fsShim = {
    readFileSync(path: unknown, options?: unknown): string | Uint8Array {
      if (path === 0 || path === "/dev/stdin") {
        lineAt = lines.length;
        return options ? input : encoder.encode(input);
      }
      throw new Error(`ENOENT: no such file or directory, open '${String(path)}'`);
    },
  };
  const readlineShim = {
    createInterface: () => {
      const rl = new Emitter();
      const startLines = () => {
        if (stdinStarted) return;
        stdinStarted = true;
        pendingTimers++;
        queueMicrotask(() => {
          for (let line = nextLine(); line !== null; line = nextLine()) rl.emit("line", line);
          rl.emit("close");
          pendingTimers--;
          if (pendingTimers === 0) settle();
        });
      };
      const on = rl.on.bind(rl);
      return Object.assign(rl, {
        on: (name: string, fn: Listener) => {
          on(name, fn);
          if (name === "line") startLines();
          return rl;
        },
        close: () => {},
        question: (_q: string, fn: (answer: string) => void) => fn(nextLine() ?? ""),
        async *[Symbol.asyncIterator]() {
          for (let line = nextLine(); line !== null; line = nextLine()) yield line;
        },
      });
    },
  };
  const modules: Record<string, unknown> = {
    fs: fsShim,
    readline: readlineShim,
    process: processShim,
  };
  const g = globalThis as Record<string, unknown>;
  g.require = (name: string) => {
    const found = modules[name.replace(/^node:/, "")];
    if (found === undefined) throw new Error(`Cannot find module '${name}'`);
    return found;
  };
  g.process = processShim;
  g.readline = nextLine;
  g.prompt = () => nextLine();
  g.print = log;
  g.module = { exports: {} };
  g.exports = (g.module as { exports: unknown }).exports;
  for (const name of ["Deno", "WebAssembly", "Worker", "SharedArrayBuffer", "Atomics"]) {
    try {
      delete g[name];
    } catch {
      // not deletable: shadow below
    }
    if (name in g) Object.defineProperty(g, name, { value: undefined });
  }
}

/** The module to import: a start marker (to tell parse errors from run-time ones), the program, the call hook. */
function programSource(job: WireJob): string {
  const entry = job.entry_point;
  const source = `globalThis.__sandboxStarted = true;${job.source}`;
  if (job.mode === "call") {
    return `${source}\n;globalThis.__sandboxEntry = typeof ${entry} === "undefined" ? module.exports?.${entry} : ${entry};\n`;
  }
  if (job.mode === "test" && entry) return `${source}\n;check(${entry});\n`;
  return source;
}

/** Error text with the program's `data:` URL shown as `<program>` and the runner's frames dropped. */
function errorTextOf(error: unknown): string {
  const text = error instanceof Error
    ? error.stack ?? `${error.name}: ${error.message}`
    : String(error);
  return text.replace(/data:[a-z/]+;base64,[A-Za-z0-9+/=.]+/g, "<program>")
    .split("\n").filter((line) => !line.includes(import.meta.url)).join("\n");
}

function callArguments(text: string): unknown[] {
  return parsePythonArgs(text).map((arg) => {
    if (arg instanceof PyKeyword) throw new TypeError("Keyword arguments need a Python program");
    return fromPythonValue(arg);
  });
}

async function execute(job: WireJob): Promise<RuntimeReport> {
  const started = performance.now();
  let outputFull = false;
  const onFull = () => {
    if (!outputFull) post({ outputFull: true });
    outputFull = true;
    throw new RangeError("Output limit reached");
  };
  const stdout = new OutputBuffer(onFull);
  const stderr = new OutputBuffer(onFull);
  stdout.reset(job.max_output_bytes);
  stderr.reset(job.max_output_bytes);
  const mediaType = job.language === "typescript" ? "application/typescript" : "text/javascript";
  const bytes = new TextEncoder().encode(programSource(job));
  const url = `data:${mediaType};base64,${
    btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""))
  }`;
  const args = job.mode === "call" ? callArguments(job.args) : [];
  trackTimers();
  installShims(job.stdin, stdout, stderr);
  let status: RuntimeReport["status"] = "ok";
  let errorText = "";
  let returnValue: string | undefined;
  const fail = (error: unknown) => {
    if (error instanceof ProgramExit) {
      exitCode = error.code;
      return;
    }
    status = "runtime_error";
    errorText = errorTextOf(error);
  };
  self.addEventListener("error", (event) => {
    event.preventDefault();
    fail(event.error);
    settle();
  });
  self.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fail(event.reason);
    settle();
  });
  try {
    await import(url);
    const quiet = new Promise<void>((resolve) => (settle = resolve));
    if (pendingTimers > 0 && status === "ok" && exitCode === undefined) await quiet;
    if (job.mode === "call" && status === "ok" && exitCode === undefined) {
      const entry = (globalThis as Record<string, unknown>).__sandboxEntry;
      if (typeof entry !== "function") {
        throw new ReferenceError(`${job.entry_point} is not defined`);
      }
      returnValue = canonicalJson(await entry(...args));
    }
  } catch (error) {
    if (!(globalThis as Record<string, unknown>).__sandboxStarted) {
      status = "compile_error";
      errorText = errorTextOf(error);
    } else {
      fail(error);
    }
  }
  if (exitCode !== undefined && exitCode !== 0) {
    status = "runtime_error";
    errorText ||= `process.exit(${exitCode})`;
  }
  if (outputFull) status = "output_limit";
  return runtimeReport({
    status,
    stdout: stdout.text(),
    stderr: stderr.text(),
    errorText,
    started,
    recycle: false,
    returnValue,
  });
}

self.onmessage = async (event: MessageEvent<WireJob>) => {
  self.onmessage = null;
  post(await execute(event.data));
};
