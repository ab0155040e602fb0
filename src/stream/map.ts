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
import { type Stage, stage } from "./stage.ts";
import { chunkedStream, type ChunkReader, readerOf } from "./chunks.ts";

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

/**
 * Maps each item through `fn`, with at most `concurrency` calls in flight. Source
 * items are read only when a slot is free (a function that answers synchronously
 * takes whole chunks); when the consumer stops early, work in flight is aborted
 * through its `signal` and the source's `return()` runs.
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

/** Returned by an internal mapping function to drop the item (how `filter` is built). */
const SKIP: unique symbol = Symbol("skip");
type Skip = typeof SKIP;

type MapFn<I, O> = (item: I, context: MapContext) => O | Skip | Promise<O | Skip>;

function mapOrSkip<I, O>(fn: MapFn<I, O>, options: MapOptions<I>): Stage<I, O> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Cannot map: concurrency must be a positive integer, got ${concurrency}`);
  }
  return stage(
    options.name ?? "map",
    (source) =>
      chunkedStream(() => new MapReader(readerOf(source), fn, { ...options, concurrency })),
  );
}

interface Task<I, O> {
  item: I;
  began: number;
  settled: boolean;
  ok?: boolean;
  value?: O | Skip;
  error?: unknown;
}

/**
 * Measures a stage's waits (only when it reports metrics): starved while it waits
 * for input with nothing in flight, blocked from handing over a chunk until the
 * consumer asks for the next.
 */
class WaitClock {
  readonly #metrics: StageMetrics | undefined;
  #answeredAt = 0;

  constructor(metrics: StageMetrics | undefined) {
    this.#metrics = metrics;
  }

  /** The consumer asked for the next chunk. */
  asked(): void {
    if (this.#metrics && this.#answeredAt) {
      this.#metrics.waited("blocked", performance.now() - this.#answeredAt);
    }
  }

  /** Hands `out` over. */
  answer<T>(out: T[]): T[] {
    if (this.#metrics) this.#answeredAt = performance.now();
    return out;
  }

  /** Waits for `event`; the time counts as starved when nothing is in flight. */
  async wait(event: Promise<void>, idle: boolean): Promise<void> {
    if (!this.#metrics || !idle) return await event;
    const began = performance.now();
    await event;
    this.#metrics.waited("starved", performance.now() - began);
  }
}

/** The stage's cancellation: its own signal, joined with the caller's. */
class Cancellation {
  readonly controller = new AbortController();
  readonly signal: AbortSignal;
  readonly #outer: AbortSignal | undefined;

  constructor(outer: AbortSignal | undefined) {
    this.#outer = outer;
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
  }

  /** Throws {@link AbortedError} when the caller's signal has aborted. */
  check(): void {
    if (this.#outer?.aborted) throw new AbortedError(this.#outer.reason);
  }

  /** Aborts work in flight (the consumer stopped or the stage failed). */
  stop(): void {
    this.controller.abort(new AbortedError("The consumer stopped"));
  }
}

/**
 * The map itself, as a chunk reader: each `read()` starts work while slots are free
 * and input is at hand, and hands over what has finished (in order, or as it
 * finishes) as soon as going on would need waiting.
 */
class MapReader<I, O> implements ChunkReader<O> {
  readonly #upstream: ChunkReader<I>;
  readonly #fn: MapFn<I, O>;
  readonly #options: MapOptions<I> & { concurrency: number };
  readonly #metrics: StageMetrics;
  readonly #timed: boolean;
  readonly #cancel: Cancellation;
  readonly #notifier = new Notifier();
  readonly #waits: WaitClock;
  /** Items read but not started. */
  #input: I[] = [];
  #position = 0;
  /** Started and not yet handed over (ordered: in source order). */
  #tasks: Task<I, O>[] = [];
  #index = 0;
  #pulling = false;
  #upstreamDone = false;
  #readError: { error: unknown } | undefined;
  #closed = false;
  /** Whether `fn` answered the last item synchronously (then whole chunks are read). */
  #synchronous = true;

  constructor(
    upstream: ChunkReader<I>,
    fn: MapFn<I, O>,
    options: MapOptions<I> & { concurrency: number },
  ) {
    this.#upstream = upstream;
    this.#fn = fn;
    this.#options = options;
    this.#metrics = options.metrics ?? NO_STAGE_METRICS;
    this.#timed = options.metrics !== undefined && options.metrics !== NO_STAGE_METRICS;
    this.#cancel = new Cancellation(options.signal);
    this.#waits = new WaitClock(this.#timed ? this.#metrics : undefined);
    options.signal?.addEventListener("abort", this.#notifier.notify);
  }

  async read(max: number): Promise<O[] | undefined> {
    let out: O[] = [];
    this.#waits.asked();
    try {
      while (true) {
        this.#cancel.check();
        if (this.#readError) throw this.#readError.error;
        if (!out.length && !this.#tasks.length && !this.#position && !this.#timed) {
          out = this.#mapInPlace();
        }
        const failure = this.#startWork(out) ?? this.#handOver(out);
        if (failure) {
          await this.#fail(failure.item, failure.error);
          continue;
        }
        if (out.length >= max) return this.#waits.answer(out);
        const canStart = this.#position < this.#input.length && this.#hasSlot();
        if (canStart) continue;
        if (out.length > 0) return this.#waits.answer(out);
        if (this.#upstreamDone && this.#position >= this.#input.length && !this.#tasks.length) {
          await this.close();
          return undefined;
        }
        if (
          !this.#upstreamDone && !this.#pulling && this.#position >= this.#input.length &&
          this.#hasSlot()
        ) {
          this.#pull(max);
        }
        await this.#waits.wait(this.#notifier.wait(), this.#tasks.length === 0);
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  #hasSlot(): boolean {
    return this.#tasks.length < this.#options.concurrency;
  }

  #pull(max: number): void {
    this.#pulling = true;
    const free = this.#options.concurrency - this.#tasks.length;
    this.#upstream.read(this.#synchronous ? Math.max(max, free) : free).then((chunk) => {
      if (chunk) {
        this.#input = chunk;
        this.#position = 0;
      } else {
        this.#upstreamDone = true;
      }
    }, (error) => {
      this.#readError = { error };
    }).finally(() => {
      this.#pulling = false;
      this.#notifier.notify();
    });
  }

  /**
   * The fast path for a fresh chunk when nothing is in flight: a function that
   * answers synchronously maps the chunk in place. At the first asynchronous answer
   * or failure it hands that item to the general path and returns what it mapped.
   */
  #mapInPlace(): O[] {
    const input = this.#input as unknown as (O | I)[];
    const fn = this.#fn;
    const length = input.length;
    const first = this.#index;
    const context = fn.length >= 2 ? this.#cancel.signal : undefined;
    let written = 0;
    let position = 0;
    let value: O | Skip | Promise<O | Skip> = SKIP;
    try {
      // A function that takes no context gets none (no allocation per item).
      if (context) {
        for (; position < length; position++) {
          value = fn(input[position] as I, { signal: context, index: first + position });
          if (value instanceof Promise) break;
          if (value !== SKIP) input[written++] = value;
        }
      } else {
        const none = undefined as unknown as MapContext;
        for (; position < length; position++) {
          value = fn(input[position] as I, none);
          if (value instanceof Promise) break;
          if (value !== SKIP) input[written++] = value;
        }
      }
    } catch (error) {
      this.#tasks.push({ item: input[position] as I, began: 0, settled: true, ok: false, error });
      position++;
    }
    if (position < length && value instanceof Promise) {
      this.#synchronous = false;
      this.#track(input[position] as I, 0, value);
      position++;
    }
    this.#index = first + position;
    if (position >= length) {
      this.#input = [];
      this.#position = 0;
      input.length = written;
      return input as O[];
    }
    this.#position = position;
    return input.slice(0, written) as O[];
  }

  /** Starts work on input at hand while slots are free; synchronous answers go straight out. */
  #startWork(out: O[]): { item: I; error: unknown } | undefined {
    const input = this.#input;
    const fn = this.#fn;
    const metrics = this.#timed ? this.#metrics : undefined;
    const ordered = this.#options.ordered !== false;
    const concurrency = this.#options.concurrency;
    const tasks = this.#tasks;
    // A function that takes no context gets none (no allocation per item).
    const withContext = fn.length >= 2;
    const signal = this.#cancel.signal;
    const none = undefined as unknown as MapContext;
    let position = this.#position;
    let index = this.#index;
    let synchronous = this.#synchronous;
    try {
      while (position < input.length && tasks.length < concurrency) {
        const item = input[position++];
        const began = metrics ? (metrics.received(), metrics.started(), performance.now()) : 0;
        let value: O | Skip | Promise<O | Skip>;
        try {
          value = fn(item, withContext ? { signal, index } : none);
        } catch (error) {
          index++;
          synchronous = true;
          if (tasks.length && ordered) {
            tasks.push({ item, began, settled: true, ok: false, error });
            continue;
          }
          metrics?.finished(performance.now() - began);
          return { item, error };
        }
        index++;
        if (value instanceof Promise) {
          synchronous = false;
          this.#track(item, began, value);
          continue;
        }
        synchronous = true;
        if (tasks.length && ordered) {
          tasks.push({ item, began, settled: true, ok: true, value });
          continue;
        }
        if (metrics) {
          metrics.finished(performance.now() - began);
          if (value !== SKIP) metrics.emitted();
        }
        if (value !== SKIP) out.push(value);
      }
      return undefined;
    } finally {
      this.#index = index;
      this.#synchronous = synchronous;
      if (position >= input.length) {
        this.#input = [];
        this.#position = 0;
      } else {
        this.#position = position;
      }
    }
  }

  #track(item: I, began: number, promise: Promise<O | Skip>): void {
    const task: Task<I, O> = { item, began, settled: false };
    this.#tasks.push(task);
    promise.then(
      (value) => {
        task.ok = true;
        task.value = value;
      },
      (error) => {
        task.ok = false;
        task.error = error;
      },
    ).finally(() => {
      task.settled = true;
      this.#notifier.notify();
    });
  }

  /**
   * Moves settled tasks to `out`: the settled prefix when ordered, every settled one
   * when not. Stops at a failed task and returns it.
   */
  #handOver(out: O[]): { item: I; error: unknown } | undefined {
    const tasks = this.#tasks;
    if (!tasks.length) return undefined;
    const ordered = this.#options.ordered !== false;
    const metrics = this.#timed ? this.#metrics : undefined;
    let kept = 0;
    let i = 0;
    let failure: { item: I; error: unknown } | undefined;
    for (; i < tasks.length; i++) {
      const task = tasks[i];
      if (!task.settled) {
        if (ordered) break;
        tasks[kept++] = task;
        continue;
      }
      metrics?.finished(performance.now() - task.began);
      if (!task.ok) {
        failure = { item: task.item, error: task.error };
        i++;
        break;
      }
      if (task.value !== SKIP) {
        metrics?.emitted();
        out.push(task.value as O);
      }
    }
    for (; i < tasks.length; i++) tasks[kept++] = tasks[i];
    tasks.length = kept;
    return failure;
  }

  async #fail(item: I, error: unknown): Promise<void> {
    this.#cancel.check();
    this.#metrics.failed();
    await handleFailure(this.#options.onError, { item, error, stage: this.#options.name });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel.stop();
    this.#options.signal?.removeEventListener("abort", this.#notifier.notify);
    this.#input = [];
    this.#tasks = [];
    await this.#upstream.close();
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
  return stage(
    options.name ?? "flatMap",
    (source) => chunkedStream(() => new FlatMapReader(readerOf(source), fn, options)),
  );
}

/** Waits for `promise`, or rejects with {@link AbortedError} as soon as `signal` aborts. */
export function abortableWait<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The item a flatMap is emitting the results of. */
interface Inner<I, O> {
  item: I;
  began: number;
  sync?: Iterator<O>;
  async?: AsyncIterator<O>;
}

class FlatMapReader<I, O> implements ChunkReader<O> {
  readonly #upstream: ChunkReader<I>;
  readonly #fn: (item: I, context: MapContext) => Iterable<O> | AsyncIterable<O>;
  readonly #options: StageOptions<I>;
  readonly #metrics: StageMetrics;
  readonly #cancel: Cancellation;
  readonly #waits: WaitClock;
  #input: I[] = [];
  #position = 0;
  #index = 0;
  #upstreamDone = false;
  #closed = false;
  /** The current item's results. */
  #inner: Inner<I, O> | undefined;
  #innerReading = false;
  #synchronous = true;

  constructor(
    upstream: ChunkReader<I>,
    fn: (item: I, context: MapContext) => Iterable<O> | AsyncIterable<O>,
    options: StageOptions<I>,
  ) {
    this.#upstream = upstream;
    this.#fn = fn;
    this.#options = options;
    this.#metrics = options.metrics ?? NO_STAGE_METRICS;
    this.#cancel = new Cancellation(options.signal);
    this.#waits = new WaitClock(options.metrics);
  }

  async read(max: number): Promise<O[] | undefined> {
    const out: O[] = [];
    this.#waits.asked();
    try {
      while (true) {
        this.#cancel.check();
        const inner = this.#inner;
        if (inner) {
          if (out.length >= max) return this.#waits.answer(out);
          if (inner.async && out.length) return this.#waits.answer(out);
          await this.#readInner(inner, out, max);
          continue;
        }
        if (this.#position < this.#input.length) {
          const item = this.#input[this.#position];
          this.#input[this.#position++] = undefined as I;
          this.#begin(item);
          await this.#failed();
          continue;
        }
        if (out.length) return this.#waits.answer(out);
        if (this.#upstreamDone) {
          await this.close();
          return undefined;
        }
        let chunk: I[] | undefined;
        await this.#waits.wait(
          abortableWait(this.#upstream.read(this.#synchronous ? max : 1), this.#options.signal)
            .then((read) => void (chunk = read)),
          true,
        );
        if (chunk) {
          this.#input = chunk;
          this.#position = 0;
        } else {
          this.#upstreamDone = true;
        }
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  #pendingFailure: { item: I; error: unknown } | undefined;

  #begin(item: I): void {
    this.#metrics.received();
    this.#metrics.started();
    const began = this.#metrics === NO_STAGE_METRICS ? 0 : performance.now();
    try {
      const result = this.#fn(item, { signal: this.#cancel.signal, index: this.#index++ });
      if (Symbol.asyncIterator in result) {
        this.#synchronous = false;
        this.#inner = { item, began, async: result[Symbol.asyncIterator]() };
      } else {
        this.#synchronous = true;
        this.#inner = { item, began, sync: result[Symbol.iterator]() };
      }
    } catch (error) {
      this.#metrics.finished(0);
      this.#pendingFailure = { item, error };
    }
  }

  async #failed(): Promise<void> {
    const failure = this.#pendingFailure;
    if (!failure) return;
    this.#pendingFailure = undefined;
    if (failure.error instanceof AbortedError && this.#options.signal?.aborted) throw failure.error;
    this.#metrics.failed();
    await handleFailure(this.#options.onError, { ...failure, stage: this.#options.name });
  }

  async #readInner(
    inner: Inner<I, O>,
    out: O[],
    max: number,
  ): Promise<void> {
    let result: IteratorResult<O>;
    try {
      if (inner.sync) {
        while (out.length < max) {
          result = inner.sync.next();
          if (result.done) return this.#endInner(inner);
          this.#metrics.emitted();
          out.push(result.value);
        }
        return;
      }
      this.#innerReading = true;
      result = await abortableWait((inner.async as AsyncIterator<O>).next(), this.#options.signal);
      this.#innerReading = false;
    } catch (error) {
      // Aborted while the item's iterable was still working: close() releases it.
      this.#cancel.check();
      this.#innerReading = false;
      this.#endInner(inner);
      this.#pendingFailure = { item: inner.item, error };
      return this.#failed();
    }
    if (result.done) return this.#endInner(inner);
    this.#metrics.emitted();
    out.push(result.value);
  }

  #endInner(inner: Inner<I, O>): void {
    this.#inner = undefined;
    this.#metrics.finished(inner.began ? performance.now() - inner.began : 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel.stop();
    const inner = this.#inner;
    this.#inner = undefined;
    this.#input = [];
    if (inner?.sync) inner.sync.return?.();
    if (inner?.async) await closeIterator(inner.async, this.#innerReading);
    await this.#upstream.close();
  }
}
