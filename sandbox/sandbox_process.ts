/**
 * The sandbox process: started by {@link SandboxPool} as
 * `deno run --no-prompt --allow-read=<pyodide dir>,<sandbox dir>,<parser module>,<shared modules> sandbox_process.ts <pyodide url> <parser url>`
 * with no other permission. Its main thread is a supervisor that never runs user
 * code: it reads programs (one JSON line each, length capped) from stdin, acknowledges
 * each (with its first result, or on its own line when that takes longer), hands Python programs to one of two Pyodide workers in turn (one resets while
 * the other runs) and JavaScript/TypeScript programs to a worker (kept while its programs run in contexts of their own, see `js_worker.ts`), enforces the wall-clock limit of every input (interrupt
 * first, then terminate), and writes one result line per input to stdout, each
 * prefixed with the secret the parent sent first, so that bytes a program manages to
 * write to the real stdout cannot pass for a result. Workers report on private
 * `MessagePort`s that program code cannot reach. Pyodide's WebAssembly module (the one
 * with its writes marked, when the pool sends it) is compiled once, as the process
 * starts, and every Python interpreter of the process instantiates it; the first Python
 * worker loads Pyodide's scripts while the module and the start-up memory snapshot still
 * arrive. Its second Python worker and spare JavaScript workers
 * come up on the pool's `{"warm": true}` line (sent once all the pool's processes are
 * up) or with the first program. A Python worker that had to be terminated is replaced
 * at once from that snapshot (sent by the pool, or made here and sent to the pool). After stopping a JavaScript worker by force the
 * process exits (the pool replaces it), since the worker's thread may still run for a
 * moment. The process also exits when stdin closes (the parent is gone).
 *
 * @module
 */
import { canonicalJson } from "./canonical.ts";
import { OVERSIZED, readByteLines } from "../src/io/lines.ts";
import {
  readHello,
  RETURN_VALUE_LIMIT,
  type RuntimeReport,
  unpackSnapshot,
  type WireProgram,
  type WireResult,
} from "./protocol.ts";
import type { CheckerChannel } from "./js_worker.ts";
import { typesStripped } from "./js_script.ts";
import type { PythonTask } from "./python_worker.ts";
import {
  clearSignals,
  REASON_TIMEOUT,
  RESETTING,
  type Signals,
  SIGNALS_BYTES,
  stopJob,
} from "./signals.ts";

/** Extra time an input gets after its interrupt before its worker is terminated. */
const GRACE_MS = 400;
const MIB = 1024 * 1024;
/** Resident memory a JavaScript program may add beyond its limit (a fresh worker's own heap). */
const JS_RSS_SLACK_MB = 48;
/** Longest first line read from the parent (the secret and the snapshot's length). */
const MAX_HELLO_BYTES = 4096;
/** Longest program line read from the parent. */
const MAX_PROGRAM_CHARS = 256 * MIB;

/** Time after which a program's acknowledgement goes out alone, before any result. */
const ACK_DELAY_MS = 20;

const encoder = new TextEncoder();
const out = Deno.stdout.writable.getWriter();
let secret = "";
/** The acknowledgement of the program being read, until it is sent. */
let dueAck: { line: string; timer: ReturnType<typeof setTimeout> } | undefined;

function wireLine(message: object): string {
  return `${secret}${JSON.stringify(message)}\n`;
}

/** The due acknowledgement's line (to send first), or "". */
function takeAck(): string {
  if (!dueAck) return "";
  clearTimeout(dueAck.timer);
  const { line } = dueAck;
  dueAck = undefined;
  return line;
}

/**
 * Acknowledges program `id`: the line rides with the first line sent (one write, one
 * wake-up of the parent), or goes alone after {@link ACK_DELAY_MS}.
 */
function acknowledge(id: number): void {
  const timer = setTimeout(() => {
    out.write(encoder.encode(takeAck())).catch(() => Deno.exit(0));
  }, ACK_DELAY_MS);
  dueAck = { line: wireLine({ ack: id }), timer };
}

async function send(message: object): Promise<void> {
  await out.write(encoder.encode(takeAck() + wireLine(message)));
}

/** A runtime worker and the private port its reports come back on. */
interface Runtime {
  worker: Worker;
  port: MessagePort;
  /** The buffer a Python worker is interrupted through (none for JavaScript). */
  signals?: Signals;
  /**
   * Messages that came while no input was supervised (a worker that runs a program's
   * inputs back to back reports the next one before the supervisor looks for it).
   */
  early?: Record<string, unknown>[];
}

let pyodideUrl = "";
/** Tests only: the Python workers check each reset (see `SpawnOptions.checkResets`). */
let checkResets = false;
/** Where the JavaScript parser is (`js_script.ts`). */
let parserUrl = "";
/**
 * Pyodide's WebAssembly module, compiled once as the process starts and shared by its
 * Python workers (and their checkers): an interpreter instantiates it instead of
 * compiling its own.
 */
let wasm: Promise<WebAssembly.Module>;
/**
 * Pyodide's memory right after start-up (from the parent, or made by the first worker;
 * none when neither): later workers start from it in a fraction of the time.
 */
let snapshot: Promise<Uint8Array | undefined>;
/**
 * Two Python workers take programs: while one puts its interpreter back after a
 * program (a rewrite of its whole memory), the other takes the next program, so a
 * program does not wait for the previous one's reset.
 */
const pythons: { runtime: Promise<Runtime>; ready: boolean; signals: Signals }[] = [];
/** The slot that went longest without a program. */
let turn = 0;

/** Starts the Python worker of slot `slot` (replacing the one there). */
function startPython(slot: number): Promise<Runtime> {
  const signals: Signals = { flags: new Int32Array(new SharedArrayBuffer(SIGNALS_BYTES)) };
  const entry = { runtime: launchPython(signals), ready: false, signals };
  pythons[slot] = entry;
  entry.runtime.then(() => (entry.ready = true), () => {});
  return entry.runtime;
}

/**
 * A slot for the next program: a started worker that is not resetting, the one that
 * waited longest first; else the started one that waited longest (its reset began
 * first); else the slot whose turn it is.
 */
function pythonSlot(): number {
  const order = pythons.map((_, i) => (turn + i) % pythons.length);
  const clean = (i: number) => Atomics.load(pythons[i].signals.flags, RESETTING) === 0;
  const slot = order.find((i) => pythons[i].ready && clean(i)) ??
    order.find((i) => pythons[i].ready) ?? turn;
  turn = (slot + 1) % pythons.length;
  return slot;
}

/**
 * Starts a Pyodide worker; it talks only through a private port that user code cannot
 * reach. It loads Pyodide's scripts at once, and the interpreter once the compiled
 * module and the snapshot are there.
 */
function launchPython(signals: Signals): Promise<Runtime> {
  const shared = signals.flags.buffer;
  const worker = new Worker(new URL("./python_worker.ts", import.meta.url), { type: "module" });
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve, reject) => {
    port1.onmessage = (event) => {
      if (event.data?.ready) {
        if (event.data.snapshot) snapshot = Promise.resolve(event.data.snapshot);
        resolve({ worker, port: port1, signals });
      } else {
        reject(new Error(String(event.data?.failed)));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage({ init: { pyodideUrl, signals: shared, port: port2 } }, [port2]);
    // The worker gets its own copy of the snapshot, transferred: one copy here instead of
    // a structured clone's two (30 MiB each) on the way to a worker that waits for it.
    Promise.all([wasm, snapshot]).then(([module, bytes]) => {
      const own = bytes?.slice();
      port1.postMessage({ module, snapshot: own, checkResets }, own ? [own.buffer] : []);
    }, reject);
  });
}

function text(value: unknown, limit: number): string {
  return typeof value === "string" ? value.slice(0, limit) : "";
}

/** A worker's report, field by field: whatever else the message held is dropped. */
function checkedReport(data: unknown, maxOutputBytes: number): RuntimeReport {
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<
    string,
    unknown
  >;
  const report: RuntimeReport = {
    status: typeof record.status === "string"
      ? record.status as RuntimeReport["status"]
      : "sandbox_error",
    stdout: text(record.stdout, maxOutputBytes),
    stderr: text(record.stderr, maxOutputBytes + 8192),
    duration_ms: typeof record.duration_ms === "number" ? record.duration_ms : 0,
    recycle: record.recycle === true,
  };
  if (record.reusable === true) report.reusable = true;
  if ("value" in record && report.status === "ok") {
    try {
      report.return_value = canonicalJson(record.value);
    } catch (error) {
      report.status = "runtime_error";
      report.stderr = `Cannot serialize the return value: ${error}`;
    }
  } else if (typeof record.return_value === "string" && report.status === "ok") {
    report.return_value = record.return_value;
  }
  if ((report.return_value?.length ?? 0) > RETURN_VALUE_LIMIT) {
    report.status = "output_limit";
    report.stderr = "Return value limit reached";
    delete report.return_value;
  }
  return report;
}

function timeLimitText(program: WireProgram): string {
  return `Time limit of ${program.timeout_ms} ms exceeded`;
}

/**
 * Sends `message` to a runtime and waits for its report on one input, enforcing the
 * input's limits; `relay` takes the messages that are neither reports nor signals.
 * The limit is armed when the worker says it started the input, or at once when
 * `startsAtOnce` (an idle worker that will not say so).
 */
function supervise(
  runtime: Runtime,
  message: unknown,
  program: WireProgram,
  interruptible: boolean,
  relay?: (data: Record<string, unknown>) => boolean,
  startsAtOnce = false,
): Promise<RuntimeReport> {
  const { worker, port, signals } = runtime;
  const started = performance.now();
  if (signals) clearSignals(signals);
  return new Promise((resolve) => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    let finished = false;
    const finish = (report: RuntimeReport) => {
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      // Until the next input is supervised, what comes is kept for it.
      const early = runtime.early ??= [];
      port.onmessage = (event: MessageEvent) => early.push(event.data ?? {});
      worker.onerror = (event) => {
        event.preventDefault();
        early.push({ workerFailed: event.message });
      };
      resolve(report);
    };
    const kill = (status: RuntimeReport["status"], stderr: string) => {
      worker.terminate();
      finish({
        status,
        stdout: "",
        stderr,
        duration_ms: performance.now() - started,
        recycle: true,
      });
    };
    const limitMessage = timeLimitText(program);
    // The limit counts from the moment the worker starts the input (not while it still
    // resets after the previous program or loads).
    const arm = () => {
      if (interruptible && signals) {
        timers.push(setTimeout(() => {
          stopJob(signals, REASON_TIMEOUT);
          timers.push(setInterval(() => stopJob(signals, REASON_TIMEOUT), 50));
          timers.push(setTimeout(() => kill("timeout", limitMessage), GRACE_MS));
        }, program.timeout_ms));
      } else {
        // No interrupt for JavaScript: stop the worker at the limit, and when the process
        // grows past the program's memory allowance (its heap is not capped per program).
        timers.push(setTimeout(() => kill("timeout", limitMessage), program.timeout_ms));
        const rssLimit = Deno.memoryUsage().rss + (program.memory_mb + JS_RSS_SLACK_MB) * MIB;
        timers.push(setInterval(() => {
          if (Deno.memoryUsage().rss > rssLimit) {
            kill("memory_limit", `Memory limit of ${program.memory_mb} MiB exceeded`);
          }
        }, 25));
      }
    };
    const take = (data: Record<string, unknown>) => {
      if (relay?.(data)) return;
      if (typeof data.workerFailed === "string") {
        kill("runtime_error", `Worker failed: ${data.workerFailed}`);
      } else if (data.started === true) {
        if (timers.length === 0) arm();
      } else finish(checkedReport(data, program.max_output_bytes));
    };
    port.onmessage = (event: MessageEvent) => take(event.data ?? {});
    worker.onerror = (event) => {
      event.preventDefault();
      take({ workerFailed: event.message });
    };
    if (message !== undefined) port.postMessage(message);
    if (startsAtOnce) arm();
    const early = runtime.early ?? [];
    while (early.length > 0 && !finished) take(early.shift()!);
  });
}

async function sendResult(
  program: WireProgram,
  index: number,
  report: RuntimeReport,
  exiting = false,
) {
  const { recycle: _, reusable: __, ...result } = report;
  await send(
    { id: program.id, index, ...result, ...(exiting ? { exiting } : {}) } satisfies WireResult,
  );
}

/** Runs a Python program on each of its inputs; the worker resets itself after the last one. */
async function runPython(program: WireProgram, noReset: boolean): Promise<void> {
  const slot = pythonSlot();
  let runtime: Runtime | undefined;
  let sent = false;
  let retried = false;
  for (let index = 0; index < program.inputs.length; index++) {
    runtime ??= await pythons[slot].runtime;
    // A worker still resetting, or that may first start its checker, says when it starts
    // the input (its limit counts from then); an idle one starts at once.
    const announce = Atomics.load(runtime.signals!.flags, RESETTING) === 1 ||
      program.mode === "test";
    const task: PythonTask = {
      id: program.id,
      index,
      last: index === program.inputs.length - 1,
      ...(sent ? {} : { program }),
      ...(noReset ? { noReset } : {}),
      ...(announce ? { announce } : {}),
    };
    let report = await supervise(runtime, task, program, true, undefined, !announce);
    sent = true;
    if (report.status === "sandbox_error" && retried) {
      // It failed again as the first input of a fresh interpreter: the program broke
      // its runner (e.g. cleared the runner's names through gc), which is its outcome.
      report = {
        ...report,
        status: "runtime_error",
        stderr: `The program left its runner unable to report: ${report.stderr}`,
      };
    }
    if (report.recycle) {
      // The worker was stopped or cannot go on: replace it; the next input starts fresh.
      runtime.worker.terminate();
      startPython(slot);
      runtime = undefined;
      sent = false;
      // What the program's earlier inputs did can break the runner before this one
      // (e.g. rebinding io.FileIO): it runs again as the first input of a fresh unit.
      if (report.status === "sandbox_error" && !retried) {
        retried = true;
        index--;
        continue;
      }
    }
    retried = false;
    await sendResult(program, index, report);
  }
}

/**
 * Workers that have run no program yet, started ahead so that a program does not wait
 * for one: two, so that the next program's worker has loaded by the time it comes even
 * when it comes at once, and a gold test finds its checker too.
 */
const spareJavaScript: Runtime[] = [];
const SPARE_JAVASCRIPT = 2;
/**
 * The worker the previous JavaScript program ran in, kept for the next: when that
 * program ran in a realm of its own (the worker's own realm is pristine), or, for the
 * benchmark only (`no_reset`), whatever it ran.
 */
let keptJavaScript: { runtime: Runtime; pristine: boolean } | undefined;

function newJavaScriptRuntime(): Runtime {
  const worker = new Worker(new URL("./js_worker.ts", import.meta.url), { type: "module" });
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ init: { port: port2, parserUrl } }, [port2]);
  return { worker, port: port1 };
}

/** The oldest spare worker, or a new one. */
function freshJavaScriptRuntime(): Runtime {
  return spareJavaScript.shift() ?? newJavaScriptRuntime();
}

/** Starts spare workers up to {@link SPARE_JAVASCRIPT} (each constructor blocks this thread). */
function startSpareJavaScript(): void {
  while (spareJavaScript.length < SPARE_JAVASCRIPT) spareJavaScript.push(newJavaScriptRuntime());
}

function stopJavaScript({ worker, port }: Runtime): void {
  worker.terminate();
  port.close();
}

/** Most bytes of a call's error text passed on to the checker. */
const CALL_ERROR_CHARS = 4000;

/**
 * Gold-test mode: runs the test code's `check` in a fresh checker worker (see
 * `js_worker.ts`) after the program loaded in `runtime`; each call of the candidate is
 * passed to the program's worker and its answer back. The verdict is the checker's.
 */
async function runCheck(
  program: WireProgram,
  index: number,
  runtime: Runtime,
  loaded: RuntimeReport,
): Promise<RuntimeReport> {
  const checker = freshJavaScriptRuntime();
  const answers = new MessageChannel();
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const channel: CheckerChannel = { answers: answers.port2, ready };
  checker.port.postMessage({ checker: channel }, [answers.port2]);
  checker.port.postMessage({ program });
  let calling = false;
  const answer = (message: object) => {
    calling = false;
    answers.port1.postMessage(message);
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
  };
  runtime.port.onmessage = (event: MessageEvent) => {
    const data = event.data ?? {};
    if (!calling) return;
    if ("value" in data) answer({ value: data.value });
    else if ("callError" in data) answer({ callError: text(data.callError, CALL_ERROR_CHARS) });
  };
  const relay = (data: Record<string, unknown>) => {
    if (!("call" in data)) return false;
    calling = true;
    try {
      runtime.port.postMessage({ call: data.call });
    } catch (error) {
      answer({ callError: `The arguments cannot be copied: ${error}` });
    }
    return true;
  };
  try {
    const remaining = Math.max(1, program.timeout_ms - loaded.duration_ms);
    const verdict = await supervise(
      checker,
      { index },
      { ...program, timeout_ms: remaining },
      false,
      relay,
    );
    return {
      ...verdict,
      stdout: loaded.stdout,
      // The checker's limit is what the load left of the input's limit.
      stderr: [
        loaded.stderr,
        verdict.status === "timeout" ? timeLimitText(program) : verdict.stderr,
      ]
        .filter(Boolean).join("\n"),
      duration_ms: loaded.duration_ms + verdict.duration_ms,
    };
  } finally {
    runtime.port.onmessage = null;
    stopJavaScript(checker);
    answers.port1.close();
  }
}

/**
 * Runs a JavaScript or TypeScript program in the previous program's worker when that
 * one stayed pristine (with `noReset`, for the benchmark only, whatever it ran), else in
 * a fresh worker; returns whether the process must exit (a worker it had to stop may
 * still be running).
 */
async function runJavaScript(program: WireProgram, noReset: boolean): Promise<boolean> {
  // A Python worker still being replaced would distort the program's memory watch.
  await Promise.all(pythons.map((python) => python.runtime.catch(() => {})));
  const kept = keptJavaScript?.pristine || noReset ? keptJavaScript?.runtime : undefined;
  if (keptJavaScript && !kept) stopJavaScript(keptJavaScript.runtime);
  keptJavaScript = undefined;
  const runtime = kept ?? freshJavaScriptRuntime();
  // The program travels with its first input (one message, one wake-up of the worker);
  // but for a gold test (whose checker comes between inputs), the worker then runs the
  // inputs back to back, starting each as it reports the one before.
  const backToBack = program.mode !== "test";
  const first = {
    program,
    // Stripped here: `node:module` must not load in a program's worker (see `js_script.ts`).
    ...(program.language === "typescript" && backToBack
      ? { typesStripped: await typesStripped(program.code) }
      : {}),
    index: 0,
    ...(backToBack ? { through: program.inputs.length } : {}),
    ...(noReset ? { noReset } : {}),
  };
  let exiting = false;
  let pristine = false;
  try {
    for (let index = 0; index < program.inputs.length && !exiting; index++) {
      // A later input's limit counts from the report before it.
      const atOnce = index > 0 && backToBack;
      const message = index === 0 ? first : backToBack ? undefined : { index };
      let report = await supervise(runtime, message, program, false, undefined, atOnce);
      if (program.mode === "test" && program.entry_point && report.status === "ok") {
        report = await runCheck(program, index, runtime, report);
      }
      exiting = report.recycle || report.status === "sandbox_error";
      pristine = report.reusable === true;
      await sendResult(program, index, report, exiting);
    }
    return exiting;
  } finally {
    if (!exiting && (pristine || noReset)) keptJavaScript = { runtime, pristine };
    else stopJavaScript(runtime);
    // Spare workers start once this program's results are out: a constructor blocks this
    // thread, which a running program needs for each input.
    if (!noReset && !exiting) startSpareJavaScript();
  }
}

async function main(): Promise<void> {
  [pyodideUrl, parserUrl] = Deno.args;
  const reading = readHello(Deno.stdin.readable, MAX_HELLO_BYTES);
  // The module with its writes marked comes first in the payload, when the pool has it;
  // else Pyodide's own is compiled. Either compiles on other threads once the payload is
  // in, while the first worker loads Pyodide's scripts.
  const parts = reading.then((hello) => {
    const length = Number(hello?.header.module ?? 0);
    const payload = hello?.payload ?? new Uint8Array(0);
    if (!Number.isSafeInteger(length) || length < 0 || length > payload.length) {
      throw new Error("The module does not fit the payload");
    }
    return {
      header: hello?.header ?? {},
      module: payload.subarray(0, length) as Uint8Array<ArrayBuffer>,
      snapshot: payload.subarray(length),
    };
  });
  const own = () => WebAssembly.compile(Deno.readFileSync(new URL("pyodide.asm.wasm", pyodideUrl)));
  let moduleFailed = false;
  wasm = parts.then(({ module }) =>
    module.length === 0 ? own() : WebAssembly.compile(module).catch(() => {
      moduleFailed = true;
      return own();
    })
  );
  snapshot = parts.then(({ header, snapshot: packed }) =>
    packed.length > 0 ? unpackSnapshot(packed, header.size, header.zeros) : undefined
  );
  // The first worker loads Pyodide's scripts while the snapshot arrives.
  const first = startPython(0);
  const hello = await reading;
  if (!hello || typeof hello.header.secret !== "string") Deno.exit(0);
  secret = hello.header.secret;
  checkResets = hello.header.check_resets === true;
  const input = readByteLines(hello.rest, { maxChars: MAX_PROGRAM_CHARS });
  try {
    const given = (await parts).snapshot.length > 0;
    if (given && !(await snapshot)) {
      throw new Error("The start-up snapshot does not fit its header");
    }
    await first;
    // A pool without a snapshot yet gets this one, so its other processes start fast.
    await send({
      ready: true,
      ...(given ? {} : { snapshot: (await snapshot)?.toBase64() }),
      ...(moduleFailed ? { module_failed: true } : {}),
    });
  } catch (error) {
    await send({ failed: error instanceof Error ? error.message : String(error) });
    Deno.exit(1);
  }
  // The reserves (the second Python worker, spare JavaScript workers) come up when the
  // pool says all its processes are up (or with the first program), not while the
  // others still start.
  let warm = false;
  const bringUpReserves = () => {
    if (warm) return;
    warm = true;
    startSpareJavaScript();
    startPython(1).catch(() => startPython(1).catch(() => {}));
  };
  for await (const line of input) {
    if (line === OVERSIZED) Deno.exit(1);
    const message = JSON.parse(line) as WireProgram & { no_reset?: boolean; warm?: boolean };
    bringUpReserves();
    if (message.warm === true) continue;
    const { no_reset: noReset, ...program } = message;
    acknowledge(program.id);
    if (program.language === "python") {
      await runPython(program, noReset === true);
    } else if (await runJavaScript(program, noReset === true)) {
      Deno.exit(0);
    }
  }
  Deno.exit(0);
}

await main();
