/**
 * Fan-out: one source read once, delivered to several consumers.
 *
 * @module
 */
import { closeIterator } from "./notifier.ts";
import { abortable } from "./abortable.ts";
import { fromIterable } from "./stage.ts";

/** Options for {@link tee}. */
export interface TeeOptions {
  /** Items a consumer may fall behind the fastest one. Default 64. */
  bufferSize?: number;
  /** Cancels every consumer's stream: each ends with an `AbortedError`. */
  signal?: AbortSignal;
}

/**
 * Splits one source into `count` streams that each see every item. The source is
 * read only while every active consumer has room in its buffer, so the slowest
 * consumer holds back the producer. A consumer that stops early is dropped; when
 * all have stopped, the source's `return()` runs.
 *
 * @example Two consumers of one source
 * ```ts
 * import { tee } from "./tee.ts";
 * import assert from "node:assert";
 * const [a, b] = tee([1, 2, 3], 2);
 * const [outA, outB] = await Promise.all([Array.fromAsync(a), Array.fromAsync(b)]);
 * assert.deepEqual(outA, [1, 2, 3]);
 * assert.deepEqual(outB, [1, 2, 3]);
 * ```
 */
export function tee<T>(
  source: AsyncIterable<T> | Iterable<T>,
  count: number,
  options: TeeOptions = {},
): AsyncIterable<T>[] {
  const { bufferSize = 64, signal } = options;
  const base = Symbol.asyncIterator in source ? source : fromIterable(source);
  const input = signal ? abortable<T>(signal)(base) : base;
  const iterator = input[Symbol.asyncIterator]();
  const queues: T[][] = Array.from({ length: count }, () => []);
  const active = Array.from({ length: count }, () => true);
  let reading = false;
  let done = false;
  let failure: { error: unknown } | undefined;
  let changed = Promise.withResolvers<void>();
  const notifyAll = () => {
    changed.resolve();
    changed = Promise.withResolvers<void>();
  };
  const hasRoom = () => queues.every((queue, i) => !active[i] || queue.length < bufferSize);
  const startRead = () => {
    reading = true;
    iterator.next().then(
      (result) => {
        if (result.done) done = true;
        else queues.forEach((queue, i) => active[i] && queue.push(result.value));
      },
      (error) => {
        done = true;
        failure = { error };
      },
    ).finally(() => {
      reading = false;
      notifyAll();
    });
  };
  const consumer = async function* (i: number): AsyncGenerator<T> {
    try {
      while (true) {
        if (queues[i].length > 0) {
          const item = queues[i].shift() as T;
          notifyAll();
          yield item;
          continue;
        }
        if (failure) throw failure.error;
        if (done) return;
        if (!reading && hasRoom()) startRead();
        await changed.promise;
      }
    } finally {
      active[i] = false;
      queues[i] = [];
      notifyAll();
      if (!done && active.every((a) => !a)) {
        done = true;
        await closeIterator(iterator, reading);
      }
    }
  };
  return queues.map((_, i) => signal ? abortable<T>(signal)(consumer(i)) : consumer(i));
}
