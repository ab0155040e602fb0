/**
 * One sandbox process as the pool sees it: spawn with no permission except reading
 * the Pyodide package and the sandbox's own scripts, the secret handshake, one job
 * at a time, the parent-side deadline, the resident-memory watch, and clean-up.
 * Internal to `sandbox/`.
 *
 * @module
 */
import type { ExecutionResult } from "../src/model/execution.ts";
import { PfpoError } from "../src/errors.ts";
import { OVERSIZED, readByteLines } from "../src/io/lines.ts";
import { maxLineChars, type PackedSnapshot, packSnapshot, type WireProgram } from "./protocol.ts";
import { validateResult, WireError } from "./validate.ts";

/** A sandbox process could not be started. */
export class SandboxStartError extends PfpoError {}

/** How to start sandbox processes. */
export interface SpawnOptions {
  /** JS heap cap for the process's isolates, in MiB. */
  heapMb: number;
  /** Most time to wait for a process to load Pyodide. */
  startTimeoutMs: number;
  /**
   * A Pyodide memory snapshot to start from (awaited once the process is spawned, so it
   * may still be read meanwhile); without one the process makes one.
   */
  snapshot?: Uint8Array | Promise<Uint8Array | undefined>;
  /**
   * Pyodide's WebAssembly with its writes marked (see `marked_module.ts`), awaited like
   * the snapshot; without it, or when it does not compile
   * ({@link SandboxProcess.moduleFailed}), the process compiles Pyodide's own module.
   */
  module?: Promise<Uint8Array | undefined>;
  /**
   * Tests only: after each reset that put back only the written blocks, the Python
   * workers compare all of memory with the pristine copy (as long as a full reset); a
   * difference fails the worker's next input with `sandbox_error`.
   */
  checkResets?: boolean;
}

const SANDBOX_DIR = new URL(".", import.meta.url);
const ENTRY = new URL("./sandbox_process.ts", import.meta.url);
/** Project modules the sandbox's workers import (a worker's imports need read access). */
const SHARED_MODULES = [
  new URL("../src/code/python_literal.ts", import.meta.url),
  new URL("../src/errors.ts", import.meta.url),
  new URL("../src/io/lines.ts", import.meta.url),
];
const PAGE_BYTES = 4096;
const MIB = 1024 * 1024;
/**
 * Resident memory a job may add beyond its own limit before the process is killed: room
 * for the runtimes themselves, e.g. a Python worker being replaced while the job runs.
 * The runtimes' own caps (WebAssembly growth, JS heap) act first; this is the backstop.
 */
const RSS_SLACK_MB = 512;
/**
 * Time past the job's limit before the parent kills a silent process. The process
 * enforces the limit itself (and may first have to replace its Python worker, which
 * is slow on a loaded machine); this only catches a process that stopped answering.
 */
const DEADLINE_SLACK_MS = 30_000;
const STDERR_TAIL = 4000;
/**
 * Time a process has to acknowledge a program (on its own line, or with its first
 * result). A program that went on reading the process's stdin after its own end could
 * take the next program's line; the line then goes unacknowledged, and the pool runs
 * that program again on a fresh process.
 */
const ACK_TIMEOUT_MS = 10_000;
/**
 * V8's stack limit in the process's threads, in KiB (V8's default is 984): a Deno worker's
 * thread has 4 MiB, so this leaves about 1 MiB for native frames past the limit. Pyodide
 * spends 1 to 1.5 KiB of it per Python call made through C (a recursion through
 * `functools.lru_cache`, `map`, `sorted(key=…)`): with V8's default such a recursion
 * failed (`RangeError: Maximum call stack size exceeded`) at a depth of 1,000, where
 * CPython 3.11 reaches 10,000; it now passes 2,000 (and fails at 3,000). A JavaScript
 * recursion goes about three times deeper than under Node's default too, as under judges
 * that raise Node's.
 */
const STACK_KIB = 3000;
/** Age past which the resident memory a program's allowance counts from is read again. */
const RSS_BASELINE_MS = 1000;

/** Each snapshot packed once, however many processes it goes to. */
const packed = new WeakMap<Uint8Array, PackedSnapshot>();

function packedSnapshot(snapshot: Uint8Array): PackedSnapshot {
  let pack = packed.get(snapshot);
  if (!pack) packed.set(snapshot, pack = packSnapshot(snapshot));
  return pack;
}

/** Where the JavaScript parser the workers load (`js_script.ts`) is. */
const PARSER_URL = new URL(import.meta.resolve("acorn"));

/** Where the Pyodide package is. */
export function pyodideUrl(): URL {
  return new URL(import.meta.resolve("pyodide"));
}

/** The command-line arguments a sandbox process is started with. */
export function sandboxArgs(options: SpawnOptions): string[] {
  const pyodideDir = new URL(".", pyodideUrl());
  const readable = [pyodideDir, SANDBOX_DIR, PARSER_URL, ...SHARED_MODULES]
    .map((url) => decodeURIComponent(url.pathname));
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    `--allow-read=${readable.join(",")}`,
    `--v8-flags=--max-old-space-size=${options.heapMb},--disallow-code-generation-from-strings,--stack-size=${STACK_KIB}`,
    decodeURIComponent(ENTRY.pathname),
    pyodideUrl().href,
    PARSER_URL.href,
  ];
}

function passThroughEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** A running sandbox process. */
export class SandboxProcess {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #secret: string;
  readonly #lines: AsyncGenerator<string | typeof OVERSIZED>;
  /** Longest line accepted now (it depends on the program's output cap). */
  #maxLine = maxLineChars(1 << 20);
  #stderrTail = "";
  #dead = false;
  /** Resident memory read at a program's start, and when: later programs soon after reuse it. */
  #baseline?: { rss: Promise<number>; at: number };
  /** The snapshot this process made, when it was started without one. */
  snapshot?: Uint8Array;
  /** The marked module it was given did not compile (it runs Pyodide's own). */
  moduleFailed = false;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess, secret: string) {
    this.#child = child;
    this.#secret = secret;
    this.#writer = child.stdin.getWriter();
    this.#lines = readByteLines(child.stdout, { maxChars: () => this.#maxLine });
    this.exited = child.status.finally(() => (this.#dead = true));
    this.#drainStderr();
  }

  /** Starts a process and waits until its Pyodide worker is warm. */
  static async spawn(options: SpawnOptions): Promise<SandboxProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: sandboxArgs(options),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: passThroughEnv(),
    }).spawn();
    const secret = crypto.randomUUID();
    const process = new SandboxProcess(child, secret);
    const timer = setTimeout(() => process.kill(), options.startTimeoutMs);
    try {
      // The marked module and the snapshot (its zero stretches left out) follow the first
      // line as raw bytes: the one large message.
      const [module, snapshot] = await Promise.all([options.module, options.snapshot]);
      const pack = snapshot ? packedSnapshot(snapshot) : undefined;
      const parts = [...(module ? [module] : []), ...(pack?.parts ?? [])];
      const bytes = parts.reduce((sum, part) => sum + part.length, 0);
      await process.#send({
        secret,
        bytes,
        module: module?.length ?? 0,
        size: pack?.size,
        zeros: pack?.zeros,
        ...(options.checkResets ? { check_resets: true } : {}),
      });
      for (const part of parts) await process.#writer.write(part);
      const hello = await process.#receive(64 << 20);
      if (hello === undefined || !hello.ready) {
        throw new SandboxStartError(
          `Cannot start sandbox process: ${
            hello?.failed ?? (process.#stderrTail.trim() || "it exited")
          }`,
        );
      }
      if (typeof hello.snapshot === "string") {
        process.snapshot = Uint8Array.fromBase64(hello.snapshot);
      }
      process.moduleFailed = hello.module_failed === true;
      return process;
    } catch (error) {
      process.kill();
      await process.exited;
      if (error instanceof SandboxStartError) throw error;
      throw new SandboxStartError(`Cannot start sandbox process: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Lets the process bring up its reserves (its second Python worker and its spare
   * JavaScript workers); until then it runs on its first Python worker alone. The pool
   * says so once all the processes it starts are up, so that the reserves of the first
   * process up do not take the cores the others still start on.
   */
  warm(): void {
    this.#send({ warm: true }).catch(() => {}); // a dead process is seen by the next run
  }

  /** The operating-system process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** True once the process has exited or was killed. */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Runs one program on its inputs; `onResult` sees each result as it arrives.
   * Resolves with one entry per input: its result, or `undefined` when the process
   * died before the input ran (the caller may run it again elsewhere); and whether the
   * process may be reused. A process that does not acknowledge the program, stays
   * silent past an input's deadline, sends a result line that fails validation or
   * outgrows its memory allowance is killed. Lines without the secret (bytes a program
   * wrote to the real stdout) are skipped.
   */
  async run(
    program: WireProgram,
    options: { signal?: AbortSignal; noReset?: boolean } = {},
  ): Promise<{ results: (ExecutionResult | undefined)[]; reusable: boolean }> {
    const { signal } = options;
    const results: (ExecutionResult | undefined)[] = new Array(program.inputs.length);
    let started = performance.now();
    let killedFor: "silent" | "memory_limit" | "aborted" | "invalid" | undefined;
    const killFor = (reason: typeof killedFor) => {
      killedFor ??= reason;
      this.kill();
    };
    let deadline = setTimeout(() => killFor("silent"), ACK_TIMEOUT_MS);
    const armDeadline = () => {
      clearTimeout(deadline);
      started = performance.now();
      deadline = setTimeout(() => killFor("silent"), program.timeout_ms + DEADLINE_SLACK_MS);
    };
    // Read while the program travels: a round trip does not wait for it.
    if (!this.#baseline || started - this.#baseline.at > RSS_BASELINE_MS) {
      this.#baseline = { rss: this.#rssBytes(), at: started };
    }
    const rssLimit = this.#baseline.rss.then((rss) =>
      rss + (program.memory_mb + RSS_SLACK_MB) * MIB
    );
    const watch = setInterval(async () => {
      if ((await this.#rssBytes()) > await rssLimit) killFor("memory_limit");
    }, 100);
    const onAbort = () => killFor("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    let next = 0;
    let exiting = false;
    try {
      await this.#send(options.noReset ? { ...program, no_reset: true } : program);
      let acknowledged = false;
      while (next < program.inputs.length) {
        const reply = await this.#receive(program.max_output_bytes);
        if (reply === undefined) break;
        if (!acknowledged && "ack" in reply) {
          if (reply.ack !== program.id) throw new WireError("the program was not acknowledged");
          acknowledged = true;
          armDeadline();
          continue;
        }
        // A first result acknowledges the program too (it is validated for this program).
        acknowledged = true;
        const wire = validateResult(reply, program);
        if (wire.index !== next) throw new WireError("a result came out of order");
        const result: ExecutionResult = {
          status: wire.status,
          stdout: wire.stdout,
          stderr: wire.stderr,
          duration_ms: wire.duration_ms,
        };
        if (wire.return_value !== undefined) result.return_value = wire.return_value;
        results[next++] = result;
        exiting ||= wire.exiting === true;
        armDeadline();
      }
    } catch (error) {
      if (error instanceof WireError) killFor("invalid");
      // otherwise the pipe broke: the process is gone
    } finally {
      clearTimeout(deadline);
      clearInterval(watch);
      signal?.removeEventListener("abort", onAbort);
    }
    if (next === program.inputs.length) return { results, reusable: !exiting && !this.#dead };
    this.kill();
    await this.exited;
    const duration_ms = performance.now() - started;
    if (
      killedFor === "memory_limit" ||
      /out of memory|heap limit|allocation failed/i.test(this.#stderrTail)
    ) {
      results[next] = this.#failure(
        "memory_limit",
        `Memory limit of ${program.memory_mb} MiB exceeded`,
        duration_ms,
      );
    } else if (killedFor === "silent" && next < program.inputs.length) {
      results[next] = this.#failure(
        "sandbox_error",
        `Sandbox process stopped answering: ${this.#stderrTail.trim().slice(-1000) || "no output"}`,
        duration_ms,
      );
    }
    return { results, reusable: false };
  }

  /** Kills the process (idempotent). */
  kill(): void {
    if (this.#dead) return;
    this.#dead = true;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  #failure(
    status: ExecutionResult["status"],
    stderr: string,
    duration_ms: number,
  ): ExecutionResult {
    return { status, stdout: "", stderr, duration_ms };
  }

  /** Why the last program failed, for errors that outlive it. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  async #send(message: object): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  /**
   * The next message carrying the secret, `undefined` at end of stream. Lines without
   * the secret, and what precedes it on its line, are bytes a program wrote and are
   * skipped; a line is never held beyond the cap.
   *
   * @throws {WireError} when a line with the secret is not JSON.
   */
  async #receive(maxOutputBytes: number): Promise<Record<string, unknown> | undefined> {
    this.#maxLine = maxLineChars(maxOutputBytes);
    for (;;) {
      const next = await this.#lines.next();
      if (next.done) return undefined;
      if (next.value === OVERSIZED) continue;
      const at = next.value.lastIndexOf(this.#secret);
      if (at < 0) continue;
      try {
        return JSON.parse(next.value.slice(at + this.#secret.length));
      } catch {
        throw new WireError("a result line is not JSON");
      }
    }
  }

  async #rssBytes(): Promise<number> {
    try {
      const statm = await Deno.readTextFile(`/proc/${this.#child.pid}/statm`);
      return Number(statm.split(" ")[1]) * PAGE_BYTES;
    } catch {
      return 0;
    }
  }

  async #drainStderr(): Promise<void> {
    try {
      for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL);
      }
    } catch {
      // the process is gone
    }
  }
}
