/**
 * Web Worker that runs JavaScript and TypeScript programs, each on all of its inputs.
 *
 * A JavaScript or TypeScript program whose script form (`js_script.ts`) compiles runs in
 * a realm of its own (a fresh V8 context, see `js_realm.ts`): nothing of this worker's
 * realm is reachable from it, and nothing of it can run after its last report, so the
 * worker stays pristine and the supervisor gives it the next program (each report says
 * whether it may: `reusable`). A module without a script form and the two sides of a
 * gold test run as modules in this worker's own realm instead, which is then spent: the
 * worker is terminated after that program (a fresh worker per program is then the
 * isolation unit: no global, timer, stdin reader or handler outlives it). Each input
 * imports such a program as a fresh `data:` module after the host's `Deno` namespace,
 * `WebAssembly`, `Worker`, `SharedArrayBuffer` and `BroadcastChannel` are removed from
 * its global scope. Either way the program gets the same shims (`require` of `fs`,
 * `readline`, `readline/promises`, `os`, `process`, `assert`, `util`, `events` and
 * `perf_hooks`, a `process` global, `readline()`, `prompt()`, `print()`, a console and
 * timers, see `js_realm_runtime.ts`). Return values
 * go back as structured clones and are serialized by the supervisor, which the program
 * cannot patch.
 *
 * A module program shares its realm with the code that reports on it, so it can shape
 * its own report (no more than its output could say). A gold test's verdict therefore
 * comes from a second fresh worker, the checker: it runs the test code's `check` with a
 * candidate that asks the program's worker (through the supervisor) for each call's
 * return value, blocks until the answer, and gets it as a structured clone made in its
 * own realm: plain values only, and no object of the program's realm.
 *
 * Messages in: `{ init: { port, parserUrl } }` (a private `MessagePort`, and where
 * `js_script.ts` loads its parser from), then on the port
 * `{ program, typesStripped?, noReset?, index?, through? }` (a {@link WireProgram} with its
 * first input, a TypeScript program's code without its types,
 * and with `through` the inputs up to it, run back to back; alone for a checker;
 * `noReset`, for the benchmark only, runs it in the previous program's realm), for a
 * checker `{ checker }` (its {@link CheckerChannel}), and in gold-test mode `{ index }`
 * per later input and, for the program's worker, `{ call: args }`. Messages out, on the port only: `{ started: true }`
 * when it starts a program's first input (in gold-test mode, each input),
 * one {@link RuntimeReport} per input (with the raw `value` for function calls),
 * `{ value }` or `{ callError }` per call, and from a checker `{ call: args }`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { canonicalJson } from "./canonical.ts";
import { loadContexts, ProgramRealm, type RealmResult } from "./js_realm.ts";
import { scriptForm } from "./js_script.ts";
import { type RuntimeReport, runtimeReport, type WireProgram } from "./protocol.ts";
import { OutputBuffer } from "./signals.ts";

/** How a checker waits for the answer to one call of the candidate. */
export interface CheckerChannel {
  /** The supervisor posts each answer here, then sets `ready[0]` to 1 and notifies. */
  answers: MessagePort;
  ready: Int32Array;
}

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

let port: MessagePort;
/** Where the parser {@link scriptForm} needs is (from the supervisor). */
let parserUrl: string;
/** The realm of the program running now (for errors that reach the host). */
let current: ProgramRealm | undefined;
/** This worker's own realm, once a program runs in it (the worker is then spent). */
let own: ProgramRealm | undefined;

self.addEventListener("error", (event) => {
  event.preventDefault();
  current?.fail(event.error);
});
self.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  current?.fail(event.reason);
});

function send(message: unknown): void {
  apply(postMessage, port, [message]);
}

/** This worker's own realm, its host globals hidden (judge-like globals, clear errors). */
function ownRealm(): ProgramRealm {
  if (own) return own;
  const g = globalThis as Record<string, unknown>;
  // `Atomics` stays: Deno's Node modules, loaded when a program first uses one, need it.
  for (const name of ["Deno", "WebAssembly", "Worker", "SharedArrayBuffer", "BroadcastChannel"]) {
    try {
      delete g[name];
    } catch {
      // not deletable: shadow below
    }
    if (name in g) Object.defineProperty(g, name, { value: undefined });
  }
  return own = ProgramRealm.own();
}

/** The program of the inputs to come, and the realm it runs in (once `chosen` settles). */
let program: WireProgram;
let realm: ProgramRealm;
let chosen: Promise<unknown> = Promise.resolve();
/** Benchmark only: the program runs in the previous program's realm. */
let noReset = false;
/** A fresh context made while the worker waited, for the next script program. */
let spare: ProgramRealm | undefined;

/**
 * The realm `program` runs in: a fresh context for a script (with `noReset`, for the
 * benchmark only, the previous program's), else this worker's own realm.
 */
async function realmFor(program: WireProgram, typesStripped?: string): Promise<ProgramRealm> {
  // A gold test's two sides are modules (the checker reaches the program through the
  // supervisor); TypeScript comes with its types stripped, when they could be.
  const javascript = program.language === "typescript" ? typesStripped : program.code;
  const code = program.mode === "test" || javascript === undefined
    ? undefined
    : await scriptForm(javascript, parserUrl).catch(() => undefined);
  if (code !== undefined) {
    await loadContexts();
    const kept = noReset && realm?.isolated ? realm : undefined;
    const next = kept ?? spare ?? ProgramRealm.fresh();
    if (next === spare) spare = undefined;
    if (next.compile({ ...program, code })) return next;
  }
  return ownRealm();
}

/** The checker's candidate: each call goes to the program's worker and blocks until its answer. */
function candidateFor(channel: CheckerChannel): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
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
}

/** Gold-test mode, in the program's worker: one call of the candidate, answered with a structured clone. */
async function answerCall(realm: ProgramRealm, args: unknown[]): Promise<void> {
  const answer = await realm.answer(args);
  try {
    send(answer);
  } catch (error) {
    send({ callError: `The return value cannot be copied: ${error}` });
  }
}

/** Output cut at the program's cap, in bytes; `full` when it was cut. */
function capped(text: string, cap: number): { text: string; full: boolean } {
  // A UTF-16 unit is at most 3 bytes of UTF-8: short text needs no count.
  if (text.length * 3 <= cap) return { text, full: false };
  let full = false;
  const buffer = new OutputBuffer(() => (full = true));
  buffer.reset(cap);
  buffer.write(new TextEncoder().encode(text));
  return { text: buffer.text(), full };
}

/** Runs input `index` of the program (or, in a checker, its check) and reports on it. */
async function execute(index: number, checkerChannel?: Promise<CheckerChannel>): Promise<void> {
  await chosen;
  // The supervisor arms the limit of a later input when the report before it comes.
  if (index === 0 || checkerChannel || program.mode === "test") send({ started: true });
  const channel = await checkerChannel;
  const started = performance.now();
  current = realm;
  let result: RealmResult = channel
    ? await realm.check(program, index, candidateFor(channel))
    : await realm.run(program, index);
  if (result.needsHost) {
    // It needs a global its context lacks: it and its later inputs run as a module.
    current = realm = ownRealm();
    result = await realm.run(program, index);
  }
  const stdout = capped(result.stdout, program.max_output_bytes);
  const stderr = capped(result.stderr, program.max_output_bytes);
  const last = index === program.inputs.length - 1;
  const report = runtimeReport({
    status: stdout.full || stderr.full ? "output_limit" : result.status,
    stdout: stdout.text,
    stderr: stderr.text,
    errorText: result.errorText,
    started,
    recycle: false,
    // What the supervisor reads is the last input's word (the heap is read only then).
    reusable: own === undefined &&
      (!last || memoryUsage().heapUsed - heapAtStart < REUSE_HEAP_BYTES),
  });
  sendReport(report, result);
  // The next program's context is made while this one's results travel.
  if (last && report.reusable && !noReset) spare ??= ProgramRealm.fresh();
}

/** Runs inputs `from` to `through` (excluded) back to back, reporting each. */
async function executeThrough(
  from: number,
  through: number,
  checkerChannel?: Promise<CheckerChannel>,
): Promise<void> {
  for (let index = from; index < through; index++) await execute(index, checkerChannel);
}

/** Posts a report, with the call's raw value when it has one (serialized here if it cannot be copied). */
function sendReport(report: RuntimeReport, result: RealmResult): void {
  if (report.status === "ok" && result.hasValue) {
    try {
      send({ ...report, value: result.value });
      return;
    } catch {
      // not cloneable (a function inside): serialize here
      report.return_value = canonicalJson(result.value);
    }
  }
  send(report);
}

self.onmessage = (event: MessageEvent) => {
  self.onmessage = null;
  ({ port, parserUrl } = event.data.init as { port: MessagePort; parserUrl: string });
  let checker: Promise<CheckerChannel> | undefined;
  port.onmessage = (
    message: MessageEvent<
      | {
        program: WireProgram;
        typesStripped?: string;
        noReset?: boolean;
        index?: number;
        through?: number;
      }
      | { checker: CheckerChannel }
      | { call: unknown[] }
      | { index: number }
    >,
  ) => {
    const data = message.data;
    if ("program" in data) {
      program = data.program;
      noReset = data.noReset === true;
      chosen = (checker ? Promise.resolve(ownRealm()) : realmFor(program, data.typesStripped)).then(
        (next) => realm = next,
      );
    }
    if ("call" in data) void chosen.then(() => answerCall(realm, data.call));
    else if ("checker" in data) {
      // Only a checker loads Node's module (it costs a program's worker a third of its start).
      checker = import("node:worker_threads").then(({ receiveMessageOnPort }) => {
        receive = receiveMessageOnPort as unknown as typeof receive;
        return data.checker;
      });
    } else if (typeof data.index === "number") {
      const through = "through" in data ? data.through : undefined;
      void executeThrough(data.index, through ?? data.index + 1, checker);
    }
  };
};
