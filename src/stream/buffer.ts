/**
 * Bounded buffering between stages.
 *
 * @module
 */
import { closeIterator, Notifier } from "./notifier.ts";
import { guarded } from "./abortable.ts";
import { type Stage, stage } from "./stage.ts";

/**
 * Lets the producer run ahead of the consumer by at most `size` items: a background
 * pump reads the source into a queue and pauses while the queue is full. When the
 * consumer stops, the pump stops and the source's `return()` runs.
 *
 * @example Buffer up to 16 items
 * ```ts
 * import { buffer } from "./buffer.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * assert.deepEqual(await Array.fromAsync(pipe([1, 2, 3], buffer(16))), [1, 2, 3]);
 * ```
 */
export function buffer<T>(size: number, options: { signal?: AbortSignal } = {}): Stage<T, T> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Cannot buffer: size must be a positive integer, got ${size}`);
  }
  return guarded(
    stage("buffer", async function* (source: AsyncIterable<T>) {
      const iterator = source[Symbol.asyncIterator]();
      const queue: T[] = [];
      const toConsumer = new Notifier();
      const toPump = new Notifier();
      let finished = false;
      let failure: { error: unknown } | undefined;
      let stopped = false;
      let reading = false;
      const pump = (async () => {
        try {
          while (!stopped) {
            if (queue.length >= size) {
              await toPump.wait();
              continue;
            }
            reading = true;
            const result = await iterator.next();
            reading = false;
            if (result.done) break;
            queue.push(result.value);
            toConsumer.notify();
          }
        } catch (error) {
          failure = { error };
        } finally {
          reading = false;
          finished = true;
          toConsumer.notify();
        }
      })();
      try {
        while (true) {
          if (queue.length > 0) {
            const item = queue.shift() as T;
            toPump.notify();
            yield item;
            continue;
          }
          if (failure) throw failure.error;
          if (finished) return;
          await toConsumer.wait();
        }
      } finally {
        stopped = true;
        toPump.notify();
        if (!finished) {
          await closeIterator(iterator, reading);
          if (!reading) await pump;
        }
      }
    }),
    options.signal,
  );
}
