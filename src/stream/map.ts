/**
 * Concurrent map with a concurrency bound, ordered or unordered, with cancellation,
 * an error policy and metrics hooks. `filter` and `flatMap` build on it.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import { NO_STAGE_METRICS, type StageMetrics } from "../metrics/metrics.ts";
import { type ErrorPolicy, handleFailure } from "./errors.ts";
import { closeIterator, Notifier } from "./notifier.ts";
import type { Stage } from "./stage.ts";

/** What a mapping function receives besides the item. */
export interface MapContext {
  /** Aborts when the stream is cancelled or the consumer stops early. */
  signal: AbortSignal;
  /** The item's position in the source, from 0. */
  index: number;
}

/** Options shared by the combinators that do per-item work. */
export interface StageOptions<I> {
  /** Cancels the stream: it ends with an {@link AbortedError}. */
  signal?: AbortSignal;
  /** Metrics hooks for this stage. Default: none. */
  metrics?: StageMetrics;
  /** The stage's name, reported with failures. */
  name?: string;
  /** What to do when the function throws for an item. Default `"fail"`. */
  onError?: ErrorPolicy<I>;
}

/** Options for {@link map}. */
export interface MapOptions<I> extends StageOptions<I> {
  /** Items worked on at once. Default 1. */
  concurrency?: number;
  /** Emit in source order (`true`, the default) or as work completes. */
  ordered?: boolean;
}

interface Task<I, O> {
  item: I;
  index: number;
  settled: boolean;
  ok?: boolean;
  value?: O;
  error?: unknown;
}

/**
 * Maps each item through `fn`, with at most `concurrency` calls in flight. Source
 * items are read only when a slot is free; when the consumer stops early, work in
 * flight is aborted through its `signal` and the source's `return()` runs.
 *
 * @example Map two at a time, in order
 * ```ts
 * import { map } from "./map.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const out = pipe([3, 1, 2], map(async (x: number) => x * 10, { concurrency: 2 }));
 * assert.deepEqual(await Array.fromAsync(out), [30, 10, 20]);
 * ```
 */
export function map<I, O>(
  fn: (item: I, context: MapContext) => O | Promise<O>,
  options: MapOptions<I> = {},
): Stage<I, O> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Cannot map: concurrency must be a positive integer, got ${concurrency}`);
  }
  return (source) => mapGenerator(source, fn, { ...options, concurrency });
}

async function* mapGenerator<I, O>(
  source: AsyncIterable<I>,
  fn: (item: I, context: MapContext) => O | Promise<O>,
  options: MapOptions<I> & { concurrency: number },
): AsyncGenerator<O> {
  const { concurrency, ordered = true, metrics = NO_STAGE_METRICS } = options;
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
  const notifier = new Notifier();
  signal.addEventListener("abort", notifier.notify);
  const iterator = source[Symbol.asyncIterator]();
  const tasks: Task<I, O>[] = [];
  let reading = false;
  let read: IteratorResult<I> | undefined;
  let readError: { error: unknown } | undefined;
  let sourceDone = false;
  let index = 0;

  const start = (item: I) => {
    const task: Task<I, O> = { item, index: index++, settled: false };
    tasks.push(task);
    metrics.received();
    metrics.started();
    const began = performance.now();
    Promise.resolve()
      .then(() => fn(item, { signal, index: task.index }))
      .then(
        (value) => Object.assign(task, { ok: true, value }),
        (error) => Object.assign(task, { ok: false, error }),
      )
      .finally(() => {
        task.settled = true;
        metrics.finished(performance.now() - began);
        notifier.notify();
      });
  };

  try {
    while (true) {
      if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
      if (readError) throw readError.error;
      if (read) {
        const result = read;
        read = undefined;
        if (result.done) sourceDone = true;
        else start(result.value);
        continue;
      }
      if (!sourceDone && !reading && tasks.length < concurrency) {
        reading = true;
        iterator.next().then(
          (result) => (read = result),
          (error) => (readError = { error }),
        ).finally(() => {
          reading = false;
          notifier.notify();
        });
      }
      const position = ordered
        ? (tasks[0]?.settled ? 0 : -1)
        : tasks.findIndex((task) => task.settled);
      if (position >= 0) {
        const [task] = tasks.splice(position, 1);
        if (task.ok) {
          metrics.emitted();
          yield task.value as O;
        } else {
          metrics.failed();
          await handleFailure(options.onError, {
            item: task.item,
            error: task.error,
            stage: options.name,
          });
        }
        continue;
      }
      if (sourceDone && tasks.length === 0) return;
      await notifier.wait();
    }
  } finally {
    controller.abort(new AbortedError("The consumer stopped"));
    signal.removeEventListener("abort", notifier.notify);
    if (!sourceDone) await closeIterator(iterator, reading);
  }
}

/**
 * Keeps the items for which `predicate` is true (with the same concurrency and
 * error options as {@link map}; a failing predicate follows the error policy).
 *
 * @example Keep even numbers
 * ```ts
 * import { filter } from "./map.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const out = pipe([1, 2, 3, 4], filter((x: number) => x % 2 === 0));
 * assert.deepEqual(await Array.fromAsync(out), [2, 4]);
 * ```
 */
export function filter<I>(
  predicate: (item: I, context: MapContext) => boolean | Promise<boolean>,
  options: MapOptions<I> = {},
): Stage<I, I> {
  const test = map(
    async (item: I, context: MapContext) => ({ item, keep: await predicate(item, context) }),
    options,
  );
  return async function* (source) {
    for await (const { item, keep } of test(source)) if (keep) yield item;
  };
}

/**
 * Maps each item to an iterable (sync or async) and emits all of their items, one
 * source item at a time, lazily.
 *
 * @example Split words
 * ```ts
 * import { flatMap } from "./map.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const out = pipe(["a b", "c"], flatMap((s: string) => s.split(" ")));
 * assert.deepEqual(await Array.fromAsync(out), ["a", "b", "c"]);
 * ```
 */
export function flatMap<I, O>(
  fn: (item: I, context: MapContext) => Iterable<O> | AsyncIterable<O>,
  options: StageOptions<I> = {},
): Stage<I, O> {
  const { metrics = NO_STAGE_METRICS } = options;
  return async function* (source) {
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    let index = 0;
    try {
      for await (const item of source) {
        if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
        metrics.received();
        metrics.started();
        const began = performance.now();
        try {
          for await (const out of fn(item, { signal, index: index++ })) {
            metrics.emitted();
            yield out;
          }
        } catch (error) {
          if (error instanceof AbortedError && options.signal?.aborted) throw error;
          metrics.failed();
          await handleFailure(options.onError, { item, error, stage: options.name });
        } finally {
          metrics.finished(performance.now() - began);
        }
      }
    } finally {
      controller.abort(new AbortedError("The consumer stopped"));
    }
  };
}
