/**
 * Batching by size and by time.
 *
 * @module
 */
import { closeIterator, Notifier } from "./notifier.ts";
import { guarded } from "./abortable.ts";
import { type Stage, stage } from "./stage.ts";

/** Options for {@link batch}. */
export interface BatchOptions {
  /** Most items in a batch. Required, at least 1. */
  size: number;
  /** Emit a partial batch once its first item has waited this long (ms). Default: never. */
  maxWaitMs?: number;
  /** Cancels the stream: it ends with an `AbortedError`. */
  signal?: AbortSignal;
}

/**
 * Groups items into arrays of at most `size`, emitting a partial batch when its
 * oldest item has waited `maxWaitMs`, and the rest at end of stream.
 *
 * @example Batch by size
 * ```ts
 * import { batch } from "./batch.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const out = pipe([1, 2, 3, 4, 5], batch({ size: 2 }));
 * assert.deepEqual(await Array.fromAsync(out), [[1, 2], [3, 4], [5]]);
 * ```
 */
export function batch<T>(options: BatchOptions): Stage<T, T[]> {
  const { size, maxWaitMs } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Cannot batch: size must be a positive integer, got ${size}`);
  }
  return guarded(
    stage("batch", async function* (source: AsyncIterable<T>) {
      const iterator = source[Symbol.asyncIterator]();
      const notifier = new Notifier();
      let current: T[] = [];
      let deadline: number | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let reading = false;
      let read: IteratorResult<T> | undefined;
      let readError: { error: unknown } | undefined;
      let done = false;
      try {
        while (true) {
          if (readError) throw readError.error;
          if (read) {
            const result = read;
            read = undefined;
            if (result.done) {
              done = true;
              if (current.length > 0) yield current;
              return;
            }
            current.push(result.value);
            if (current.length === 1 && maxWaitMs !== undefined) {
              deadline = performance.now() + maxWaitMs;
              timer = setTimeout(notifier.notify, maxWaitMs);
            }
          }
          const expired = deadline !== undefined && performance.now() >= deadline;
          if (current.length >= size || (expired && current.length > 0)) {
            clearTimeout(timer);
            deadline = undefined;
            const out = current;
            current = [];
            yield out;
            continue;
          }
          if (!reading) {
            reading = true;
            iterator.next().then((r) => (read = r), (error) => (readError = { error })).finally(
              () => {
                reading = false;
                notifier.notify();
              },
            );
          }
          await notifier.wait();
        }
      } finally {
        clearTimeout(timer);
        if (!done) await closeIterator(iterator, reading);
      }
    }),
    options.signal,
  );
}
