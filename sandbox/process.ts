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
import { readLines, type WireJob, type WireResult } from "./protocol.ts";

/** A sandbox process could not be started. */
export class SandboxStartError extends PfpoError {}

/** How to start sandbox processes. */
export interface SpawnOptions {
  /** JS heap cap for the process's isolates, in MiB. */
  heapMb: number;
  /** Most time to wait for a process to load Pyodide. */
  startTimeoutMs: number;
  /** A Pyodide memory snapshot (base64) to start from; without one the process makes one. */
  snapshot?: string;
}

const SANDBOX_DIR = new URL(".", import.meta.url);
const ENTRY = new URL("./sandbox_process.ts", import.meta.url);
/** Project modules the sandbox's workers import (a worker's imports need read access). */
const SHARED_MODULES = [
  new URL("../src/code/python_literal.ts", import.meta.url),
  new URL("../src/errors.ts", import.meta.url),
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

function pyodideUrl(): URL {
  return new URL(import.meta.resolve("pyodide"));
}

/** The command-line arguments a sandbox process is started with. */
export function sandboxArgs(options: SpawnOptions): string[] {
  const pyodideDir = new URL(".", pyodideUrl());
  const readable = [pyodideDir, SANDBOX_DIR, ...SHARED_MODULES]
    .map((url) => decodeURIComponent(url.pathname));
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    `--allow-read=${readable.join(",")}`,
    `--v8-flags=--max-old-space-size=${options.heapMb},--disallow-code-generation-from-strings`,
    decodeURIComponent(ENTRY.pathname),
    pyodideUrl().href,
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
  readonly #lines: AsyncGenerator<string>;
  #stderrTail = "";
  #dead = false;
  /** The snapshot (base64) this process made, when it was started without one. */
  snapshot?: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess, secret: string) {
    this.#child = child;
    this.#secret = secret;
    this.#writer = child.stdin.getWriter();
    this.#lines = readLines(child.stdout);
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
      await process.#send({ secret, snapshot: options.snapshot });
      const hello = await process.#receive();
      if (hello === undefined || !hello.ready) {
        throw new SandboxStartError(
          `Cannot start sandbox process: ${
            hello?.failed ?? (process.#stderrTail.trim() || "it exited")
          }`,
        );
      }
      if (typeof hello.snapshot === "string") process.snapshot = hello.snapshot;
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

  /** The operating-system process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** True once the process has exited or was killed. */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Runs one job. Resolves with the result and whether the process may be reused;
   * a process that dies, stays silent past the deadline, speaks without the secret
   * or outgrows its memory allowance is killed and its job gets a status saying why.
   */
  async run(
    job: WireJob,
    signal?: AbortSignal,
  ): Promise<{ result: ExecutionResult; reusable: boolean }> {
    const started = performance.now();
    let killedFor: "timeout" | "memory_limit" | "aborted" | undefined;
    let forged = false;
    const killFor = (reason: typeof killedFor) => {
      killedFor ??= reason;
      this.kill();
    };
    const deadline = setTimeout(() => killFor("timeout"), job.timeout_ms + DEADLINE_SLACK_MS);
    const rssLimit = (await this.#rssBytes()) + (job.memory_mb + RSS_SLACK_MB) * MIB;
    const watch = setInterval(async () => {
      if ((await this.#rssBytes()) > rssLimit) killFor("memory_limit");
    }, 100);
    const onAbort = () => killFor("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#send(job);
      const reply = await this.#receive();
      if (reply !== undefined && reply.id === job.id && typeof reply.status === "string") {
        const wire = reply as unknown as WireResult;
        const result: ExecutionResult = {
          status: wire.status,
          stdout: wire.stdout,
          stderr: wire.stderr,
          duration_ms: wire.duration_ms,
        };
        if (wire.return_value !== undefined) result.return_value = wire.return_value;
        return { result, reusable: !wire.exiting };
      }
      if (reply !== undefined) forged = true;
    } catch {
      // the pipe broke: the process is gone
    } finally {
      clearTimeout(deadline);
      clearInterval(watch);
      signal?.removeEventListener("abort", onAbort);
    }
    this.kill();
    await this.exited;
    const duration_ms = performance.now() - started;
    const tail = this.#stderrTail;
    if (killedFor === "aborted") {
      return { result: this.#failure("sandbox_error", "Aborted", duration_ms), reusable: false };
    }
    if (killedFor === "timeout") {
      return {
        result: this.#failure(
          "timeout",
          `Time limit of ${job.timeout_ms} ms exceeded`,
          duration_ms,
        ),
        reusable: false,
      };
    }
    if (killedFor === "memory_limit" || /out of memory|heap limit|allocation failed/i.test(tail)) {
      return {
        result: this.#failure(
          "memory_limit",
          `Memory limit of ${job.memory_mb} MiB exceeded`,
          duration_ms,
        ),
        reusable: false,
      };
    }
    if (forged) {
      return {
        result: this.#failure(
          "sandbox_error",
          "The program wrote to the sandbox's result channel",
          duration_ms,
        ),
        reusable: false,
      };
    }
    return {
      result: this.#failure(
        "sandbox_error",
        `Sandbox process failed: ${tail.trim().slice(-1000) || "it exited"}`,
        duration_ms,
      ),
      reusable: false,
    };
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

  async #send(message: object): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  /** The next message, `undefined` at end of stream; a line without the secret kills the process. */
  async #receive(): Promise<Record<string, unknown> | undefined> {
    const next = await this.#lines.next();
    if (next.done) return undefined;
    if (!next.value.startsWith(this.#secret)) return { forged: true };
    try {
      return JSON.parse(next.value.slice(this.#secret.length));
    } catch {
      return { forged: true };
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
