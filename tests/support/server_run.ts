/**
 * A live run for server tests: a run directory in a temporary directory with its
 * database, pair log and metrics, pairs written on demand, and the server started
 * over them.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  type Metrics,
  type Pair,
  type PairDraft,
  type PairLog,
  Run,
  type RunningServer,
  startServer,
  type StartServerOptions,
} from "../../mod.ts";

/** A run directory with its database, pair log and metrics; dispose to close and delete it. */
export interface TestRun extends AsyncDisposable {
  dir: string;
  db: DatabaseSync;
  log: PairLog;
  metrics: Metrics;
  /** The run directory itself (finished problems, config). */
  run: Run;
  /** Appends pairs for problems `from`…`from + count - 1` (one pair each). */
  write(count: number, from?: number): Pair[];
}

/** The draft of test pair number `n` (problem `t/<n>`). */
export function draft(n: number): PairDraft {
  return {
    problem_id: `t/${n}`,
    prompt: `What is ${n} + ${n}?`,
    chosen: `${n} + ${n} = ${2 * n}`,
    rejected: `${n} + ${n} = ${2 * n + 1}`,
    chosen_score: 1,
    rejected_score: 0,
    feedback: "self_consistency",
    run: "test",
  };
}

/** Opens a run directory in a temporary directory, as a pipeline run does. */
export async function testRun(): Promise<TestRun> {
  const dir = await Deno.makeTempDir({ prefix: "pfpo-server-" });
  const run = await Run.open(dir, { config: { recipe: "test" } });
  let next = 1;
  return {
    dir,
    db: run.db,
    log: run.pairs,
    metrics: run.metrics,
    run,
    write(count, from = next) {
      next = from + count;
      return run.pairs.append(Array.from({ length: count }, (_, i) => draft(from + i)));
    },
    async [Symbol.asyncDispose]() {
      run.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Starts a server on a free loopback port over `run`. */
export async function serve(
  run: TestRun,
  options: Partial<StartServerOptions> = {},
): Promise<RunningServer & AsyncDisposable> {
  const server = await startServer({
    db: run.db,
    pairLog: run.log,
    metrics: run.metrics,
    port: 0,
    heartbeatMs: 200,
    ...options,
  });
  return { ...server, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** Reads an NDJSON body into parsed lines. */
export async function ndjson(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Reads a streaming response line by line, on demand. */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #rest = "";

  /** Reads the body of `res`. */
  constructor(res: Response) {
    this.#reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line (without its newline), or `undefined` at the end of the body. */
  async next(): Promise<string | undefined> {
    while (!this.#rest.includes("\n")) {
      const { done, value } = await this.#reader.read();
      if (done) return this.#rest === "" ? undefined : this.#take(this.#rest.length);
      this.#rest += value;
    }
    return this.#take(this.#rest.indexOf("\n"), 1);
  }

  /** The next NDJSON message, skipping heartbeats unless asked for them. */
  async message(
    options: { heartbeats?: boolean } = {},
  ): Promise<Record<string, unknown> | undefined> {
    while (true) {
      const line = await this.next();
      if (line === undefined) return undefined;
      if (line === "") continue;
      const message = JSON.parse(line);
      if (message.event === "heartbeat" && !options.heartbeats) continue;
      return message;
    }
  }

  /** Drops the connection. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }

  #take(end: number, skip = 0): string {
    const line = this.#rest.slice(0, end);
    this.#rest = this.#rest.slice(end + skip);
    return line;
  }
}

/** Polls `check` every few milliseconds until it returns true. */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}
