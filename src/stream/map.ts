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
  value?: O | Skip;
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
  return mapOrSkip(fn, options);
}

/** Reads the time only when someone records latency (the read is costly per item). */
function stageClock(metrics: StageMetrics): () => number {
  return metrics === NO_STAGE_METRICS ? () => 0 : () => performance.now();
}

/** Returned by an internal mapping function to drop the item (how `filter` is built). */
const SKIP: unique symbol = Symbol("skip");
type Skip = typeof SKIP;

function mapOrSkip<I, O>(
  fn: (item: I, context: MapContext) => O | Skip | Promise<O | Skip>,
  options: MapOptions<I>,
): Stage<I, O> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Cannot map: concurrency must be a positive integer, got ${concurrency}`);
  }
  return concurrency === 1
    ? (source) => sequentialMap(source, fn, options)
    : (source) => mapGenerator(source, fn, { ...options, concurrency });
}

/**
 * The one-at-a-time case, written as a plain iterator (several times faster per item
 * than an async generator): the source is read only after each result.
 */
function sequentialMap<I, O>(
  source: AsyncIterable<I>,
  fn: (item: I, context: MapContext) => O | Skip | Promise<O | Skip>,
  options: MapOptions<I>,
): AsyncIterableIterator<O> {
  const { metrics = NO_STAGE_METRICS } = options;
  const clock = stageClock(metrics);
  const iterator = source[Symbol.asyncIterator]();
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
  let index = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    controller.abort(new AbortedError("The consumer stopped"));
    await iterator.return?.();
  };
  const closeAndThrow = async (error: unknown): Promise<never> => {
    await close();
    throw error;
  };
  const settle = (
    item: I,
    began: number,
    outcome: { value: O | Skip } | { error: unknown },
  ): IteratorResult<O> | Promise<IteratorResult<O>> => {
    metrics.finished(clock() - began);
    if ("error" in outcome) {
      metrics.failed();
      return handleFailure(options.onError, { item, error: outcome.error, stage: options.name })
        .then(step, closeAndThrow);
    }
    if (outcome.value === SKIP) return step();
    metrics.emitted();
    return { value: outcome.value, done: false };
  };
  const step = (): Promise<IteratorResult<O>> =>
    iterator.next().then((result): IteratorResult<O> | Promise<IteratorResult<O>> => {
      if (result.done) {
        closed = true;
        return { value: undefined, done: true };
      }
      if (options.signal?.aborted) return closeAndThrow(new AbortedError(options.signal.reason));
      metrics.received();
      metrics.started();
      const began = clock();
      const item = result.value;
      let value: O | Skip | Promise<O | Skip>;
      try {
        value = fn(item, { signal, index: index++ });
      } catch (error) {
        return settle(item, began, { error });
      }
      if (value instanceof Promise) {
        return value.then(
          (v) => settle(item, began, { value: v }),
          (error) => settle(item, began, { error }),
        );
      }
      return settle(item, began, { value });
    });
  return {
    next: () => (closed ? Promise.resolve({ value: undefined, done: true }) : step()),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* mapGenerator<I, O>(
  source: AsyncIterable<I>,
  fn: (item: I, context: MapContext) => O | Skip | Promise<O | Skip>,
  options: MapOptions<I> & { concurrency: number },
): AsyncGenerator<O> {
  const { concurrency, ordered = true, metrics = NO_STAGE_METRICS } = options;
  const clock = stageClock(metrics);
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
    const began = clock();
    Promise.resolve()
      .then(() => fn(item, { signal, index: task.index }))
      .then(
        (value) => Object.assign(task, { ok: true, value }),
        (error) => Object.assign(task, { ok: false, error }),
      )
      .finally(() => {
        task.settled = true;
        metrics.finished(clock() - began);
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
          if (task.value === SKIP) continue;
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
  return mapOrSkip((item: I, context: MapContext) => {
    const keep = predicate(item, context);
    return keep instanceof Promise ? keep.then((k) => (k ? item : SKIP)) : keep ? item : SKIP;
  }, options);
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
  const clock = stageClock(metrics);
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
        const began = clock();
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
          metrics.finished(clock() - began);
        }
      }
    } finally {
      controller.abort(new AbortedError("The consumer stopped"));
    }
  };
}
