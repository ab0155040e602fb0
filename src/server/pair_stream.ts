/**
 * The live pair stream: the pair log from a `seq` onward as NDJSON or Server-Sent
 * Events, backlog first and then each pair as it is committed, with heartbeats while
 * idle and an end marker once the run has finished.
 *
 * Wire format. NDJSON: one pair object per line; control lines carry an `event` field
 * and no `seq`: `{"event":"heartbeat"}` while idle and `{"event":"end","last_seq":N}`
 * as the last line when the run has finished. A stream that stops without the end
 * line was cut off: resume with `after=` the last `seq` received. SSE: each pair is
 * `event: pair` with `id:` its `seq` (so `Last-Event-ID` resumes), heartbeats are
 * comment lines, and `event: end` closes the stream.
 *
 * @module
 */
import type { Pair, PairLevel } from "../model/pair.ts";
import type { PairLog } from "../store/pair_log.ts";
import type { ConsumerHandle } from "./consumers.ts";

/** The encodings the stream speaks. */
export type PairStreamFormat = "ndjson" | "sse";

/** Options for {@link pairStream}. */
export interface PairStreamOptions {
  /** Send pairs with `seq > after`. Default 0. */
  after?: number;
  /** This reader's shard (with `shards`). Default 0. */
  shard?: number;
  /** Number of shards. Default 1. */
  shards?: number;
  /** Only pairs of this level. Default: both. */
  level?: PairLevel;
  /** Every step pair and this share of the solution pairs (see `PairReadOptions`). */
  replayRatio?: number;
  /** Only pairs whose `confidence` is at least this. Default: every pair. */
  minConfidence?: number;
  /** Encoding. Default `ndjson`. */
  format?: PairStreamFormat;
  /** Idle time before a heartbeat is sent (ms). Default 15000. */
  heartbeatMs?: number;
  /** Most pairs read from the log and sent as one chunk. Default 64. */
  pageSize?: number;
  /**
   * Chunks the stream may hold ahead of a slow reader before it stops reading the
   * log (so at most `highWaterMark * pageSize` pairs wait in memory). Default 4.
   */
  highWaterMark?: number;
  /** Ends the stream (without the end marker, so clients resume) when aborted. */
  signal?: AbortSignal;
  /** Told about each pair sent and about the end of the stream. */
  consumer?: ConsumerHandle;
}

const HEARTBEAT = Symbol("heartbeat");

/**
 * A byte stream of the pair log. It is pull-based: the log is read a page at a time
 * and only as fast as the reader takes bytes, so a slow client holds back reads
 * instead of filling a buffer; cancelling the stream (a client disconnect) stops the
 * log reader.
 *
 * @example Read a finished log as NDJSON
 * ```ts
 * import { openRunDatabase, PairLog } from "../../mod.ts";
 * import { pairStream } from "./pair_stream.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * log.append([{
 *   problem_id: "p", prompt: "q", chosen: "a", rejected: "b",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold", run: "r",
 * }]);
 * log.markFinished();
 * const text = await new Response(pairStream(log)).text();
 * const lines = text.trim().split("\n").map((line) => JSON.parse(line));
 * assert.equal(lines[0].seq, 1);
 * assert.deepEqual(lines[1], { event: "end", last_seq: 1 });
 * ```
 */
export function pairStream(
  log: PairLog,
  options: PairStreamOptions = {},
): ReadableStream<Uint8Array> {
  const { after = 0, shard = 0, shards = 1, format = "ndjson", heartbeatMs = 15_000 } = options;
  const pageSize = options.pageSize ?? 64;
  const encode = format === "sse" ? encodeSse : encodeNdjson;
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const pages = log.followPages(after, {
    shard,
    shards,
    level: options.level,
    replayRatio: options.replayRatio,
    minConfidence: options.minConfidence,
    signal: stop.signal,
    batchSize: pageSize,
  });
  let pending: Promise<IteratorResult<Pair[]>> | undefined;
  let lastSeq = after;
  let finished = false;

  const cleanUp = async () => {
    if (finished) return;
    finished = true;
    stop.abort();
    options.signal?.removeEventListener("abort", onOuterAbort);
    options.consumer?.close();
    await pages.return(undefined);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (format === "sse") controller.enqueue(encoder.encode("retry: 1000\n\n"));
    },
    async pull(controller) {
      try {
        pending ??= pages.next();
        const next = await raceHeartbeat(pending, heartbeatMs);
        if (finished) return; // cancelled while waiting
        if (next === HEARTBEAT) {
          controller.enqueue(encoder.encode(encode({ event: "heartbeat" })));
          return;
        }
        pending = undefined;
        if (!next.done) {
          lastSeq = next.value[next.value.length - 1].seq;
          controller.enqueue(encoder.encode(next.value.map(encode).join("")));
          options.consumer?.delivered(lastSeq);
          return;
        }
        // The log reader ends either because the run finished or because it was stopped.
        if (!stop.signal.aborted) {
          controller.enqueue(encoder.encode(encode({ event: "end", last_seq: lastSeq })));
        }
        await cleanUp();
        controller.close();
      } catch (error) {
        if (finished) return;
        console.error("Pair stream failed:", error);
        await cleanUp();
        controller.close();
      }
    },
    async cancel() {
      await cleanUp();
    },
  }, new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? 4 }));
}

type Message = Pair | { event: "heartbeat" } | { event: "end"; last_seq: number };

function encodeNdjson(message: Message): string {
  return `${JSON.stringify(message)}\n`;
}

function encodeSse(message: Message): string {
  if ("seq" in message) {
    return `id: ${message.seq}\nevent: pair\ndata: ${JSON.stringify(message)}\n\n`;
  }
  if (message.event === "heartbeat") return ": heartbeat\n\n";
  return `event: end\ndata: ${JSON.stringify({ last_seq: message.last_seq })}\n\n`;
}

async function raceHeartbeat<T>(
  pending: Promise<T>,
  ms: number,
): Promise<T | typeof HEARTBEAT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const beat = new Promise<typeof HEARTBEAT>((resolve) => {
    timer = setTimeout(() => resolve(HEARTBEAT), ms);
  });
  try {
    return await Promise.race([pending, beat]);
  } finally {
    clearTimeout(timer);
  }
}
