/**
 * Merging several sources into one stream.
 *
 * @module
 */
import { closeIterator, Notifier } from "./notifier.ts";
import { abortable } from "./abortable.ts";
import { fromIterable, type Source } from "./stage.ts";

/** Options for {@link merge}. */
export interface MergeOptions {
  /** Cancels the stream: it ends with an `AbortedError`. */
  signal?: AbortSignal;
}

interface Lane<T> {
  iterator: AsyncIterator<T>;
  reading: boolean;
  done: boolean;
}

/**
 * Emits the items of all sources as they arrive, reading each source only when the
 * previous item from it has been taken. Ends when every source has ended; an error
 * in any source ends the merge with it. When the consumer stops early, `return()`
 * runs on every source still open.
 *
 * @example Merge two sources
 * ```ts
 * import { merge } from "./merge.ts";
 * import assert from "node:assert";
 * const out = await Array.fromAsync(merge([[1, 2], [3]]));
 * assert.deepEqual(out.sort(), [1, 2, 3]);
 * ```
 */
export function merge<T>(sources: Source<T>[], options: MergeOptions = {}): AsyncIterable<T> {
  const { signal } = options;
  if (!signal) return merged(sources);
  const lanes = sources.map((s) => Symbol.asyncIterator in s ? s : fromIterable(s));
  return abortable<T>(signal)(merged(lanes.map((s) => abortable<T>(signal)(s))));
}

async function* merged<T>(sources: Source<T>[]): AsyncGenerator<T> {
  const notifier = new Notifier();
  const ready: { lane: Lane<T>; value: T }[] = [];
  let failure: { error: unknown } | undefined;
  const lanes: Lane<T>[] = sources.map((source) => ({
    iterator: (Symbol.asyncIterator in source ? source : fromIterable(source))
      [Symbol.asyncIterator](),
    reading: false,
    done: false,
  }));
  const read = (lane: Lane<T>) => {
    lane.reading = true;
    lane.iterator.next().then(
      (result) => {
        if (result.done) lane.done = true;
        else ready.push({ lane, value: result.value });
      },
      (error) => {
        lane.done = true;
        failure ??= { error };
      },
    ).finally(() => {
      lane.reading = false;
      notifier.notify();
    });
  };
  try {
    while (true) {
      if (failure) throw failure.error;
      const next = ready.shift();
      if (next) {
        yield next.value;
        continue;
      }
      const waiting = new Set(ready.map((r) => r.lane));
      for (const lane of lanes) if (!lane.done && !lane.reading && !waiting.has(lane)) read(lane);
      if (lanes.every((lane) => lane.done) && ready.length === 0) return;
      await notifier.wait();
    }
  } finally {
    await Promise.all(
      lanes.filter((lane) => !lane.done).map((lane) => closeIterator(lane.iterator, lane.reading)),
    );
  }
}
