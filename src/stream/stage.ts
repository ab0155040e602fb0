/**
 * Stages and their composition. A stage is a named, typed value that turns an async
 * iterable into an async iterable; {@link pipe} and {@link compose} chain any number
 * of them with the types checked end to end.
 *
 * @module
 */
import { chunkedStream, readerOf } from "./chunks.ts";

/**
 * A stage: turns a stream of `I` into a stream of `O`. Its `name` labels its
 * metrics and failures; {@link stage} gives one to any function.
 */
export interface Stage<I, O> {
  (source: AsyncIterable<I>): AsyncIterable<O>;
  /** The stage's name. */
  readonly name: string;
}

/**
 * Names a stage function.
 *
 * @example A named stage
 * ```ts
 * import { pipe, stage } from "./stage.ts";
 * import assert from "node:assert";
 * const double = stage("double", async function* (s: AsyncIterable<number>) {
 *   for await (const x of s) yield x * 2;
 * });
 * assert.equal(double.name, "double");
 * assert.deepEqual(await Array.fromAsync(pipe([1, 2], double)), [2, 4]);
 * ```
 */
export function stage<I, O>(
  name: string,
  fn: (source: AsyncIterable<I>) => AsyncIterable<O>,
): Stage<I, O> {
  return Object.defineProperty(fn, "name", { value: name }) as Stage<I, O>;
}

/** Anything a stage can read from: async or sync iterables. */
export type Source<T> = AsyncIterable<T> | Iterable<T>;

/**
 * Turns a sync or async iterable into an async iterable.
 *
 * @example Lift an array
 * ```ts
 * import { fromIterable } from "./stage.ts";
 * import assert from "node:assert";
 * const out = await Array.fromAsync(fromIterable([1, 2]));
 * assert.deepEqual(out, [1, 2]);
 * ```
 */
export function fromIterable<T>(source: Source<T>): AsyncIterable<T> {
  return chunkedStream(() => readerOf(source));
}

/**
 * Composes stages left to right into one stage.
 *
 * @example Compose two stages
 * ```ts
 * import { compose, fromIterable } from "./stage.ts";
 * import assert from "node:assert";
 * const double = async function* (s: AsyncIterable<number>) { for await (const x of s) yield x * 2; };
 * const show = async function* (s: AsyncIterable<number>) { for await (const x of s) yield `${x}`; };
 * const stage = compose(double, show);
 * assert.deepEqual(await Array.fromAsync(stage(fromIterable([1, 2]))), ["2", "4"]);
 * ```
 */
export function compose<A, B>(s1: Stage<A, B>): Stage<A, B>;
/** Composes two stages into one. */
export function compose<A, B, C>(s1: Stage<A, B>, s2: Stage<B, C>): Stage<A, C>;
/** Composes three stages into one. */
export function compose<A, B, C, D>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
): Stage<A, D>;
/** Composes four stages into one. */
export function compose<A, B, C, D, E>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): Stage<A, E>;
/** Composes five stages into one. */
export function compose<A, B, C, D, E, F>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
): Stage<A, F>;
/** Composes six stages into one. */
export function compose<A, B, C, D, E, F, G>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
): Stage<A, G>;
/** Composes seven stages into one. */
export function compose<A, B, C, D, E, F, G, H>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
  s7: Stage<G, H>,
): Stage<A, H>;
/** Composes eight stages into one. */
export function compose<A, B, C, D, E, F, G, H, I>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
  s7: Stage<G, H>,
  s8: Stage<H, I>,
): Stage<A, I>;
/** Composes any number of stages (their types unchecked between them). */
export function compose(...stages: Stage<unknown, unknown>[]): Stage<unknown, unknown>;
export function compose(...stages: Stage<unknown, unknown>[]): Stage<unknown, unknown> {
  return stage(
    stages.map((s) => s.name).join(" → "),
    (source) => stages.reduce((stream, next) => next(stream), source),
  );
}

/**
 * Feeds `source` through stages left to right.
 *
 * @example Pipe a source through a stage
 * ```ts
 * import { fromIterable, pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const inc = async function* (s: AsyncIterable<number>) { for await (const x of s) yield x + 1; };
 * assert.deepEqual(await Array.fromAsync(pipe([1, 2], inc, inc)), [3, 4]);
 * ```
 */
export function pipe<A>(source: Source<A>): AsyncIterable<A>;
/** Feeds `source` through one stage, left to right. */
export function pipe<A, B>(source: Source<A>, s1: Stage<A, B>): AsyncIterable<B>;
/** Feeds `source` through two stages, left to right. */
export function pipe<A, B, C>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
): AsyncIterable<C>;
/** Feeds `source` through three stages, left to right. */
export function pipe<A, B, C, D>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
): AsyncIterable<D>;
/** Feeds `source` through four stages, left to right. */
export function pipe<A, B, C, D, E>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): AsyncIterable<E>;
/** Feeds `source` through five stages, left to right. */
export function pipe<A, B, C, D, E, F>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
): AsyncIterable<F>;
/** Feeds `source` through six stages, left to right. */
export function pipe<A, B, C, D, E, F, G>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
): AsyncIterable<G>;
/** Feeds `source` through seven stages, left to right. */
export function pipe<A, B, C, D, E, F, G, H>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
  s7: Stage<G, H>,
): AsyncIterable<H>;
/** Feeds `source` through eight stages, left to right. */
export function pipe<A, B, C, D, E, F, G, H, I>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
  s7: Stage<G, H>,
  s8: Stage<H, I>,
): AsyncIterable<I>;
/** Feeds `source` through any number of stages (their types unchecked between them). */
export function pipe(
  source: Source<unknown>,
  ...stages: Stage<unknown, unknown>[]
): AsyncIterable<unknown>;
export function pipe(
  source: Source<unknown>,
  ...stages: Stage<unknown, unknown>[]
): AsyncIterable<unknown> {
  return compose(...stages)(Symbol.asyncIterator in source ? source : fromIterable(source));
}

/**
 * Reads a stream to its end and returns how many items it had (for stages run for
 * their effects).
 *
 * @example Count what a stream produced
 * ```ts
 * import { drain, pipe } from "./stage.ts";
 * import assert from "node:assert";
 * assert.equal(await drain(pipe([1, 2, 3])), 3);
 * ```
 */
export async function drain(source: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of source) count++;
  return count;
}
