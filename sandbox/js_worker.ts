/**
 * Web Worker that runs JavaScript and TypeScript programs, each on all of its inputs.
 *
 * A JavaScript program that compiles as a script runs in a realm of its own (a fresh V8
 * context, see `js_realm.ts`): nothing of this worker's realm is reachable from it, and
 * nothing of it can run after its last report, so the worker stays pristine and the
 * supervisor gives it the next program (each report says whether it may:
 * `reusable`). A program with module syntax, TypeScript, and the two sides of a gold
 * test run as modules in this worker's own realm instead, which is then spent: the
 * worker is terminated after that program (a fresh worker per program is then the
 * isolation unit: no global, timer, stdin reader or handler outlives it). For each
 * input such a program is imported as a fresh `data:` module after the host's `Deno`
 * namespace and `WebAssembly` are removed from its global scope; it gets Node-style
 * `require("fs")`/`require("readline")`/`process` shims that serve the input's stdin and
 * capture its stdout, plus `readline()`, `prompt()` and `print()` as in judge shells.
 * Return values go back as structured clones and are serialized by the supervisor,
 * which the program cannot patch.
 *
 * A module program shares its realm with the code that reports on it, so it can shape
 * its own report (no more than its output could say). A gold test's verdict therefore
 * comes from a second fresh worker, the checker: it runs the test code's `check` with a
 * candidate that asks the program's worker (through the supervisor) for each call's
 * return value, blocks until the answer, and gets it as a structured clone made in its
 * own realm: plain values only, and no object of the program's realm.
 *
 * Messages in: `{ init: { port } }` (a private `MessagePort`), then on the port
 * `{ program, noReset? }` (a {@link WireProgram}; `noReset`, for the benchmark only,
 * runs it in the previous program's realm), for a checker `{ checker }` (its
 * {@link CheckerChannel}), and `{ index }` per input or, for a program's worker in
 * gold-test mode, `{ call: args }`. Messages out, on the port only: `{ started: true }`,
 * one {@link RuntimeReport} per input (with the raw `value` for function calls),
 * `{ value }` or `{ callError }` per call, and from a checker `{ call: args }`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { parsePythonArgs, PyKeyword } from "../src/code/python_literal.ts";
import { canonicalJson, fromPythonValue } from "./canonical.ts";
import { type RuntimeReport, runtimeReport, type WireProgram } from "./protocol.ts";
import { OutputBuffer } from "./signals.ts";
import { ProgramRealm } from "./js_realm.ts";

class ProgramExit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/** How a checker waits for the answer to one call of the candidate. */
export interface CheckerChannel {
  /** The supervisor posts each answer here, then sets `ready[0]` to 1 and notifies. */
  answers: MessagePort;
  ready: Int32Array;
}

const inspect = Deno.inspect;
const memoryUsage = Deno.memoryUsage;
/**
 * Heap a worker may hold after a program and still take the next one: past it the
 * worker is replaced, so that one program's leftovers (garbage not yet collected) do not
 * crowd the next one's heap.
 */
const REUSE_HEAP_BYTES = 64 * 1024 * 1024;
const heapAtStart = memoryUsage().heapUsed;
// Taken before any program runs: what the runner posts cannot be intercepted by a
// program that replaces `MessagePort.prototype.postMessage` or `Reflect.apply`.
const apply = Reflect.apply;
const postMessage = MessagePort.prototype.postMessage;
const atomicsWait = Atomics.wait;
const atomicsStore = Atomics.store;
/** Takes the next message from a `MessagePort` without waiting (a checker only). */
let receive: (port: MessagePort) => { message: unknown } | undefined;

interface Timers {
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
  setInterval: typeof setInterval;
  clearInterval: typeof clearInterval;
}
/**
 * Where the runtime's own timer functions come from. Deno loads them lazily (a getter on
 * the global scope), and loading them costs a worker about a third of its start, so they
 * are read only when the program first uses a timer; the getters are taken now, before
 * any program runs.
 */
const timerSources: Record<string, PropertyDescriptor> = Object.getOwnPropertyDescriptors(
  globalThis,
);
let realTimers: Timers | undefined;

function timers(): Timers {
  const read = <K extends keyof Timers>(name: K): Timers[K] => {
    const { get, value } = timerSources[name];
    return (get ? apply(get, globalThis, []) : value) as Timers[K];
  };
  return realTimers ??= {
    setTimeout: read("setTimeout"),
    clearTimeout: read("clearTimeout"),
    setInterval: read("setInterval"),
    clearInterval: read("clearInterval"),
  };
}

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
    const id = timers().setTimeout(() => {
      done(id);
      fn(...args);
    }, ms) as unknown as number;
    live.add(id);
    pendingTimers++;
    return id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number) => {
    timers().clearTimeout(id);
    done(id);
  }) as typeof clearTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = timers().setInterval(() => fn(...args), ms) as unknown as number;
    live.add(id);
    pendingTimers++;
    return id;
  }) as unknown as typeof setInterval;
  globalThis.clearInterval = ((id: number) => {
    timers().clearInterval(id);
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
  // `Atomics` stays: Deno's Node modules, loaded when a program first uses one (its
  // first timer included), need it.
  for (const name of ["Deno", "WebAssembly", "Worker", "SharedArrayBuffer", "BroadcastChannel"]) {
    try {
      delete g[name];
    } catch {
      // not deletable: shadow below
    }
    if (name in g) Object.defineProperty(g, name, { value: undefined });
  }
}

/** A `data:` URL for a module; `salt` makes each input's import a fresh module. */
function moduleUrl(source: string, language: WireProgram["language"], salt: number): string {
  const mediaType = language === "typescript" ? "application/typescript" : "text/javascript";
  const bytes = new TextEncoder().encode(`${source}\n//${salt}\n`);
  return `data:${mediaType};base64,${bytes.toBase64()}`;
}

/** The program module: a start marker (to tell parse errors from run-time ones), the program, the entry hook. */
function programSource(program: WireProgram): string {
  const entry = program.entry_point;
  const source = `globalThis.__sandboxStarted = true;${program.code}`;
  if (program.mode === "stdio" || !entry) return source;
  return `${source}\n;globalThis.__sandboxEntry = typeof ${entry} === "undefined" ? module.exports?.${entry} : ${entry};\n`;
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

interface Outcome {
  status: RuntimeReport["status"];
  errorText: string;
  value?: unknown;
  hasValue: boolean;
}

let port: MessagePort;
let outputFull = false;
let fail: (error: unknown) => void = () => {};
/** In gold-test mode: the program's function that the checker's candidate calls. */
let candidateEntry: ((...args: unknown[]) => unknown) | undefined;
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
trackTimers();

function send(message: unknown): void {
  apply(postMessage, port, [message]);
}

async function runInput(program: WireProgram, index: number): Promise<Outcome> {
  const outcome: Outcome = { status: "ok", errorText: "", hasValue: false };
  exitCode = undefined;
  pendingTimers = 0;
  fail = (error: unknown) => {
    if (error instanceof ProgramExit) {
      exitCode = error.code;
      return;
    }
    if (outcome.status === "ok") {
      outcome.status = "runtime_error";
      outcome.errorText = errorTextOf(error);
    }
  };
  const g = globalThis as Record<string, unknown>;
  g.__sandboxStarted = false;
  g.__sandboxEntry = undefined;
  const args = program.mode === "call" ? callArguments(program.inputs[index].args) : [];
  try {
    await import(moduleUrl(programSource(program), program.language, index));
    const quiet = new Promise<void>((resolve) => (settle = resolve));
    if (pendingTimers > 0 && outcome.status === "ok" && exitCode === undefined) await quiet;
    if (program.mode !== "stdio" && outcome.status === "ok" && exitCode === undefined) {
      const entry = g.__sandboxEntry;
      if (program.entry_point && typeof entry !== "function") {
        throw new ReferenceError(`${program.entry_point} is not defined`);
      }
      if (program.mode === "call") {
        outcome.value = await (entry as (...a: unknown[]) => unknown)(...args);
        outcome.hasValue = true;
      } else if (program.entry_point) {
        candidateEntry = entry as (...a: unknown[]) => unknown;
      }
    }
  } catch (error) {
    if (!g.__sandboxStarted) {
      outcome.status = "compile_error";
      outcome.errorText = errorTextOf(error);
    } else {
      fail(error);
    }
  }
  if (exitCode !== undefined && (exitCode !== 0 || program.mode === "test")) {
    outcome.status = "runtime_error";
    outcome.errorText ||= program.mode === "test"
      ? `process.exit(${exitCode}) before check() returned`
      : `process.exit(${exitCode})`;
    outcome.hasValue = false;
  }
  return outcome;
}

/** Gold-test mode, in the program's worker: one call of the candidate, answered with a structured clone. */
async function answerCall(args: unknown[]): Promise<void> {
  let answer: { value: unknown } | { callError: string };
  try {
    if (!candidateEntry) throw new ReferenceError("The program did not load");
    answer = { value: await candidateEntry(...args) };
  } catch (error) {
    answer = {
      callError: error instanceof ProgramExit
        ? `process.exit(${error.code}) before check() returned`
        : errorTextOf(error),
    };
  }
  try {
    send(answer);
  } catch (error) {
    send({ callError: `The return value cannot be copied: ${errorTextOf(error)}` });
  }
}

/**
 * Gold-test mode, in the checker: `check` from the test code, called with a candidate
 * whose every call is answered by the program's worker.
 */
async function runCheck(program: WireProgram, index: number, channel: CheckerChannel) {
  const outcome: Outcome = { status: "ok", errorText: "", hasValue: false };
  const candidate = (...args: unknown[]) => {
    send({ call: args });
    atomicsWait(channel.ready, 0, 0);
    atomicsStore(channel.ready, 0, 0);
    const answer = receive(channel.answers)?.message as
      | { value?: unknown; callError?: string }
      | undefined;
    if (answer === undefined || typeof answer.callError === "string") {
      throw new Error(answer?.callError ?? "The program's worker did not answer");
    }
    return answer.value;
  };
  try {
    const tests = await import(
      moduleUrl(`${program.test_code}\n;export { check };`, program.language, index)
    );
    await tests.check(candidate);
  } catch (error) {
    outcome.status = "runtime_error";
    outcome.errorText = errorTextOf(error);
  }
  return outcome;
}

/** Sends input's report, with the call's raw value when it has one (serialized here if it cannot be copied). */
function sendReport(report: RuntimeReport, outcome: { hasValue: boolean; value?: unknown }) {
  if (report.status === "ok" && outcome.hasValue) {
    try {
      send({ ...report, value: outcome.value });
      return;
    } catch {
      // not cloneable (a function inside): serialize here
      report.return_value = canonicalJson(outcome.value);
    }
  }
  send(report);
}

/** Whether no program has run in this worker's own realm (then it may take the next program). */
let pristine = true;

function reusable(): boolean {
  return pristine && memoryUsage().heapUsed - heapAtStart < REUSE_HEAP_BYTES;
}

/** Runs input `index` of a program compiled into `realm`, and reports on it. */
async function executeInRealm(realm: ProgramRealm, program: WireProgram, index: number) {
  send({ started: true });
  const started = performance.now();
  fail = (error: unknown) => realm.fail(error);
  const result = await realm.run(program, index);
  let full = false;
  const capped = (text: string) => {
    const buffer = new OutputBuffer(() => (full = true));
    buffer.reset(program.max_output_bytes);
    buffer.write(new TextEncoder().encode(text));
    return buffer.text();
  };
  const stdout = capped(result.stdout);
  const stderr = capped(result.stderr);
  const report = runtimeReport({
    status: full ? "output_limit" : result.status,
    stdout,
    stderr,
    errorText: result.errorText,
    started,
    recycle: false,
    reusable: reusable(),
  });
  sendReport(report, result);
}

async function execute(
  program: WireProgram,
  index: number,
  checkerChannel?: Promise<CheckerChannel>,
) {
  pristine = false;
  send({ started: true });
  const checker = await checkerChannel;
  const started = performance.now();
  outputFull = false;
  const onFull = () => {
    if (!outputFull) send({ outputFull: true });
    outputFull = true;
    throw new RangeError("Output limit reached");
  };
  const stdout = new OutputBuffer(onFull);
  const stderr = new OutputBuffer(onFull);
  stdout.reset(program.max_output_bytes);
  stderr.reset(program.max_output_bytes);
  installShims(checker ? "" : program.inputs[index].stdin, stdout, stderr);
  const outcome = checker
    ? await runCheck(program, index, checker)
    : await runInput(program, index);
  if (outputFull) outcome.status = "output_limit";
  const report = runtimeReport({
    status: outcome.status,
    stdout: stdout.text(),
    stderr: stderr.text(),
    errorText: outcome.errorText,
    started,
    recycle: false,
  });
  sendReport(report, outcome);
}

/** A script program's realm, made for it (or, with `noReset`, the previous program's); none for a module. */
function realmFor(program: WireProgram, previous: ProgramRealm | undefined, noReset: boolean) {
  if (program.language !== "javascript" || program.mode === "test") return undefined;
  const realm = (noReset ? previous : undefined) ?? new ProgramRealm();
  return realm.compile(program) ? realm : undefined;
}

self.onmessage = (event: MessageEvent) => {
  self.onmessage = null;
  port = (event.data.init as { port: MessagePort }).port;
  let program: WireProgram;
  let realm: ProgramRealm | undefined;
  let checker: Promise<CheckerChannel> | undefined;
  port.onmessage = (
    message: MessageEvent<
      | { program: WireProgram; noReset?: boolean }
      | { checker: CheckerChannel }
      | { call: unknown[] }
      | { index: number }
    >,
  ) => {
    const data = message.data;
    if ("program" in data) {
      program = data.program;
      realm = checker ? undefined : realmFor(program, realm, data.noReset === true);
    } else if ("call" in data) void answerCall(data.call);
    else if ("checker" in data) {
      // Only a checker loads Node's module (it costs a program's worker a third of its start).
      checker = import("node:worker_threads").then(({ receiveMessageOnPort }) => {
        receive = receiveMessageOnPort as unknown as typeof receive;
        return data.checker;
      });
    } else if (realm) void executeInRealm(realm, program, data.index);
    else void execute(program, data.index, checker);
  };
};
