/**
 * The trainer-side client of the live server: an async iterable of pairs that
 * resumes from a `seq`, reconnects with capped, jittered backoff after a dropped
 * connection, and never yields a pair twice.
 *
 * @module
 */
import { AbortedError, PfpoError } from "../errors.ts";
import { splitLines } from "../io/lines.ts";
import { LruCache } from "../lru.ts";
import type { Pair, PairLevel } from "../model/pair.ts";
import { parseRetryAfter, retryDelay, sleep } from "../sampling/retry.ts";

/** The server refused the request, or the stream could not be resumed. */
export class PairClientError extends PfpoError {
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** Creates an error with the server's status when there was one. */
  constructor(message: string, options: ErrorOptions & { status?: number } = {}) {
    super(message, options);
    this.status = options.status;
  }
}

/** Details of a reconnect, passed to {@link StreamPairsOptions.onReconnect}. */
export interface ReconnectInfo {
  /** Consecutive failed attempts so far, from 1. */
  attempt: number;
  /** Wait before the next attempt (ms). */
  delayMs: number;
  /** The stream resumes after this `seq`. */
  after: number;
  /** Why the previous connection ended. */
  error: Error;
}

/** Options for {@link streamPairs}. */
export interface StreamPairsOptions {
  /** Yield pairs with `seq > after`: the last `seq` a trainer saved. Default 0. */
  after?: number;
  /** This rank's shard (with `shards`): pairs with `seq % shards == shard`. */
  shard?: number;
  /** Number of shards (data-parallel ranks). Default 1. */
  shards?: number;
  /** Only pairs of this level (`"step"` or `"solution"`). Default: both. */
  level?: PairLevel;
  /** Every step pair and this share (0–1) of the solution pairs. Not with `level`. */
  replayRatio?: number;
  /** Only pairs whose `confidence` is at least this (0–1). Default: every pair. */
  minConfidence?: number;
  /** Bearer token of the server. */
  token?: string;
  /** Stops the stream; the iterator then throws an `AbortedError`. */
  signal?: AbortSignal;
  /**
   * Reconnect delay cap for the first retry (ms); doubles per failed attempt, and the
   * wait is drawn at random below the cap. Default 250.
   */
  backoffMs?: number;
  /** Longest reconnect delay (ms). Default 10000. */
  maxBackoffMs?: number;
  /** Consecutive failed attempts before giving up. Default `Infinity`. */
  maxRetries?: number;
  /**
   * A connection silent for this long (no pair, no heartbeat) counts as dropped (ms).
   * Default 60000; keep it above the server's heartbeat interval.
   */
  idleTimeoutMs?: number;
  /** How many recent pair ids are remembered to drop duplicates. Default 100000. */
  dedupWindow?: number;
  /** Called before each reconnect. */
  onReconnect?: (info: ReconnectInfo) => void;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * Streams the pairs of a live server (`GET /v1/pairs/stream`) until the run
 * finishes. A dropped connection is resumed after the last `seq` received; pairs
 * whose `seq` or `id` was already yielded are skipped.
 *
 * @example Stream a finished run
 * ```ts
 * import { openRunDatabase, PairLog, startServer, streamPairs } from "../../mod.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * const log = new PairLog(db);
 * log.append([{
 *   problem_id: "p", prompt: "q", chosen: "a", rejected: "b",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold", run: "r",
 * }]);
 * log.markFinished();
 * const server = await startServer({ db, pairLog: log, port: 0 });
 * const pairs = await Array.fromAsync(streamPairs(server.url));
 * assert.deepEqual(pairs.map((p) => p.seq), [1]);
 * await server.shutdown();
 * ```
 */
export async function* streamPairs(
  url: string | URL,
  options: StreamPairsOptions = {},
): AsyncGenerator<Pair> {
  const {
    shard,
    shards,
    token,
    signal,
    backoffMs = 250,
    maxBackoffMs = 10_000,
    maxRetries = Infinity,
    idleTimeoutMs = 60_000,
    dedupWindow = 100_000,
  } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const seen = new LruCache<string, true>(dedupWindow);
  let after = options.after ?? 0;
  let attempt = 0;
  while (true) {
    if (signal?.aborted) throw new AbortedError(signal.reason);
    const connection = new AbortController();
    const onAbort = () => connection.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let failure: Error;
    let retryAfterMs: number | undefined;
    try {
      const target = new URL("v1/pairs/stream", withSlash(url));
      target.searchParams.set("after", String(after));
      if (shards !== undefined) {
        target.searchParams.set("shard", String(shard ?? 0));
        target.searchParams.set("shards", String(shards));
      }
      if (options.level !== undefined) target.searchParams.set("level", options.level);
      if (options.minConfidence !== undefined) {
        target.searchParams.set("min_confidence", String(options.minConfidence));
      }
      if (options.replayRatio !== undefined) {
        target.searchParams.set("replay_ratio", String(options.replayRatio));
      }
      const headers: Record<string, string> = { Accept: "application/x-ndjson" };
      if (token) headers.Authorization = `Bearer ${token}`;
      const res = await doFetch(target, { headers, signal: connection.signal });
      if (!res.ok || !res.body) {
        const detail = await errorDetail(res);
        const error = new PairClientError(
          `Cannot stream pairs from ${target.origin}: HTTP ${res.status}${detail}`,
          { status: res.status },
        );
        if (!isRetryableStatus(res.status)) throw error;
        retryAfterMs = parseRetryAfter(res.headers);
        failure = error;
      } else {
        for await (const line of lines(res.body, idleTimeoutMs)) {
          const message = JSON.parse(line);
          attempt = 0; // the server is sending: the next drop starts a fresh backoff
          if (message.event === "end") return;
          if (message.event !== undefined) continue;
          const pair = message as Pair;
          if (pair.seq <= after) continue;
          after = pair.seq;
          if (seen.has(pair.id)) continue;
          seen.set(pair.id, true);
          yield pair;
        }
        failure = new PairClientError("The pair stream ended before the run finished");
      }
    } catch (error) {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      if (error instanceof PairClientError && error.status !== undefined) throw error;
      failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
    attempt++;
    if (attempt > maxRetries) {
      throw new PairClientError(`Cannot stream pairs: gave up after ${maxRetries} retries`, {
        cause: failure,
      });
    }
    const delayMs = retryDelay({ retryable: true, retryAfterMs }, attempt - 1, {
      maxRetries: Infinity,
      baseDelayMs: backoffMs,
      maxDelayMs: maxBackoffMs,
      maxRetryAfterMs: 60_000,
    })!;
    options.onReconnect?.({ attempt, delayMs, after, error: failure });
    await sleep(delayMs, signal);
  }
}

/** True for statuses worth retrying: 408, 409, 425, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

async function* lines(body: ReadableStream<Uint8Array>, idleTimeoutMs: number) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for await (const line of splitLines(chunksWithin(reader, idleTimeoutMs))) {
      const trimmed = line.trim();
      if (trimmed !== "") yield trimmed;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function* chunksWithin(reader: ReadableStreamDefaultReader<string>, ms: number) {
  while (true) {
    const { done, value } = await readWithin(reader, ms);
    if (done) return;
    yield value;
  }
}

async function readWithin<T>(
  reader: ReadableStreamDefaultReader<T>,
  ms: number,
): Promise<ReadableStreamReadResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PairClientError(`The pair stream was silent for ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

function withSlash(url: string | URL): string {
  const text = String(url);
  return text.endsWith("/") ? text : `${text}/`;
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const body = await res.json();
    return typeof body?.error === "string" ? `: ${body.error}` : "";
  } catch {
    return "";
  }
}
