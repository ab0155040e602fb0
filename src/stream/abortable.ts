/**
 * Cancellation of a whole stream through an `AbortSignal`.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import { closeIterator, Notifier } from "./notifier.ts";
import { type Stage, stage } from "./stage.ts";

/**
 * Ends the stream with an {@link AbortedError} as soon as `signal` aborts, even
 * while waiting for the source, and runs the source's `return()`.
 *
 * @example Abort a stream
 * ```ts
 * import { abortable } from "./abortable.ts";
 * import { pipe } from "./stage.ts";
 * import { AbortedError } from "../errors.ts";
 * import assert from "node:assert";
 * const controller = new AbortController();
 * controller.abort();
 * await assert.rejects(Array.fromAsync(pipe([1], abortable(controller.signal))), AbortedError);
 * ```
 */
export function abortable<T>(signal: AbortSignal): Stage<T, T> {
  return stage("abortable", async function* (source: AsyncIterable<T>) {
    const iterator = source[Symbol.asyncIterator]();
    const notifier = new Notifier();
    signal.addEventListener("abort", notifier.notify);
    let reading = false;
    let done = false;
    try {
      while (true) {
        if (signal.aborted) throw new AbortedError(signal.reason);
        let read: IteratorResult<T> | undefined;
        let readError: { error: unknown } | undefined;
        reading = true;
        iterator.next().then((r) => (read = r), (error) => (readError = { error })).finally(() => {
          reading = false;
          notifier.notify();
        });
        while (reading && !signal.aborted) await notifier.wait();
        if (signal.aborted) throw new AbortedError(signal.reason);
        if (readError) throw (readError as { error: unknown }).error;
        const result = read as IteratorResult<T> | undefined;
        if (!result || result.done) {
          done = true;
          return;
        }
        yield result.value;
      }
    } finally {
      signal.removeEventListener("abort", notifier.notify);
      if (!done) await closeIterator(iterator, reading);
    }
  });
}

/**
 * Makes a stage cancellable: with a signal, both its reading of the source and its
 * output end with an {@link AbortedError} as soon as the signal aborts; without one,
 * the stage is returned as it is.
 */
export function guarded<I, O>(core: Stage<I, O>, signal: AbortSignal | undefined): Stage<I, O> {
  if (!signal) return core;
  return stage(core.name, (source) => abortable<O>(signal)(core(abortable<I>(signal)(source))));
}
