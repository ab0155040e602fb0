/**
 * `deno task exec`: runs sandbox jobs read as JSONL (stdin or `--in`) and writes one
 * result line per job, in completion order, with the job's `id`:
 *
 * ```
 * {"id": 1, "language": "python", "code": "print(input())", "stdin": "hi\n"}
 * → {"id": 1, "status": "ok", "stdout": "hi\n", "stderr": "", "duration_ms": 2.1}
 * ```
 *
 * A malformed line gets `{"id", "status": "invalid_job", "message", …}` and the
 * batch goes on.
 *
 * @module
 */
import { formatHelp, parseFlags } from "../src/cli/flags.ts";
import { ConfigError, toError } from "../src/errors.ts";
import { openRunDatabase } from "../src/store/database.ts";
import { ExecutionCache } from "./cache.ts";
import { parseSandboxJob } from "./job.ts";
import { SandboxPool } from "./pool.ts";
import { OVERSIZED, readByteLines } from "../src/io/lines.ts";

/** Longest job line read. */
const MAX_JOB_LINE = 64 * 1024 * 1024;

/** Options for {@link runExecBatch}. */
export interface ExecBatchOptions {
  /** Jobs in flight at once. Default: twice the pool size. */
  concurrency?: number;
  /** Stops reading new jobs; jobs in flight finish. */
  signal?: AbortSignal;
}

/** What a batch did. */
export interface ExecBatchSummary {
  jobs: number;
  invalid: number;
}

/**
 * Runs every JSONL job line from `input` through `pool` and writes one result line
 * per job to `output`. Blank lines are skipped; malformed lines produce
 * `invalid_job` results.
 *
 * @example Run two jobs, one malformed
 * ```ts
 * import { runExecBatch, SandboxPool } from "./mod.ts";
 * import assert from "node:assert";
 * await using pool = await SandboxPool.start({ size: 1 });
 * const input = ReadableStream.from([new TextEncoder().encode(
 *   '{"id": "a", "language": "python", "code": "print(2 + 2)"}\n{"id": "b", "language": "cobol"}\n',
 * )]);
 * const lines: string[] = [];
 * const output = new WritableStream<Uint8Array>({ write: (b) => void lines.push(new TextDecoder().decode(b)) });
 * const summary = await runExecBatch(input, output, pool);
 * const results = lines.join("").trim().split("\n").map((l) => JSON.parse(l));
 * assert.deepEqual(summary, { jobs: 2, invalid: 1 });
 * assert.equal(results.find((r) => r.id === "a").stdout, "4\n");
 * assert.equal(results.find((r) => r.id === "b").status, "invalid_job");
 * ```
 */
export async function runExecBatch(
  input: ReadableStream<Uint8Array>,
  output: WritableStream<Uint8Array>,
  pool: SandboxPool,
  options: ExecBatchOptions = {},
): Promise<ExecBatchSummary> {
  const writer = output.getWriter();
  const encoder = new TextEncoder();
  const concurrency = Math.max(1, options.concurrency ?? pool.size * 2);
  const inFlight = new Set<Promise<void>>();
  const summary: ExecBatchSummary = { jobs: 0, invalid: 0 };
  let writing = Promise.resolve();
  const emit = (record: object) => {
    writing = writing.then(() => writer.write(encoder.encode(JSON.stringify(record) + "\n")));
    return writing;
  };
  const invalid = (id: unknown, message: string) => {
    summary.invalid++;
    return emit({ id, status: "invalid_job", message, stdout: "", stderr: "", duration_ms: 0 });
  };
  try {
    for await (const line of readByteLines(input, { maxChars: MAX_JOB_LINE })) {
      if (options.signal?.aborted) break;
      if (line !== OVERSIZED && line.trim() === "") continue;
      summary.jobs++;
      let id: unknown = null;
      let task: Promise<void>;
      try {
        if (line === OVERSIZED) {
          throw new RangeError(`the line is longer than ${MAX_JOB_LINE} characters`);
        }
        const value = JSON.parse(line);
        id = value?.id ?? null;
        const job = parseSandboxJob(value);
        task = pool.run(job).then((result) => emit({ id, ...result }));
      } catch (error) {
        task = invalid(id, `Invalid job on line ${summary.jobs}: ${toError(error).message}`);
      }
      const tracked: Promise<void> = task.catch((error) =>
        emit({
          id,
          status: "sandbox_error",
          stdout: "",
          stderr: toError(error).message,
          duration_ms: 0,
        })
      ).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await writing;
  } finally {
    writer.releaseLock();
  }
  return summary;
}

const FLAGS = {
  in: { type: "string", description: "JSONL file of jobs (default: stdin)" },
  out: { type: "string", description: "File for the result lines (default: stdout)" },
  size: {
    type: "number",
    description: "Sandbox processes (default: core count)",
    min: 1,
    integer: true,
  },
  "timeout-ms": {
    type: "number",
    description: "Wall-clock limit for jobs without timeout_ms",
    default: 5000,
    min: 1,
  },
  "memory-mb": {
    type: "number",
    description: "Memory limit for jobs without memory_mb",
    default: 512,
    min: 16,
  },
  db: {
    type: "string",
    description: "Run database (SQLite) for the execution cache (default: in memory)",
  },
} as const;

const USAGE = "Usage: deno task exec [--in jobs.jsonl] [--out results.jsonl] [flags]";

async function main(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(args, FLAGS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\n\n${formatHelp(USAGE, FLAGS)}`);
    return 2;
  }
  if (flags.help) {
    console.log(formatHelp(USAGE, FLAGS));
    return 0;
  }
  const db = flags.db ? openRunDatabase(flags.db) : undefined;
  let pool: SandboxPool | undefined;
  // Interrupted: no process may outlive the command.
  const stop = () => void (pool?.close() ?? Promise.resolve()).finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", stop);
  const input = flags.in ? (await Deno.open(flags.in)).readable : Deno.stdin.readable;
  const output = flags.out
    ? (await Deno.open(flags.out, { write: true, create: true, truncate: true })).writable
    : Deno.stdout.writable;
  try {
    pool = await SandboxPool.start({
      size: flags.size,
      timeoutMs: flags["timeout-ms"],
      memoryMb: flags["memory-mb"],
      cache: new ExecutionCache({ db }),
    });
    const summary = await runExecBatch(input, output, pool);
    console.error(`${summary.jobs} jobs, ${summary.invalid} invalid`);
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    await pool?.close();
    db?.close();
    if (flags.out) await output.close().catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
