/**
 * The per-item error policy shared by the combinators: fail the run, or route the
 * failed item with its error to a sink and go on.
 *
 * @module
 */
import { toError } from "../errors.ts";

/** A failed item and why it failed. */
export interface Failure<I> {
  /** The item the stage failed on. */
  item: I;
  /** Why it failed. */
  error: Error;
  /** The stage's name, when it has one. */
  stage?: string;
}

/** Receives failed items when the policy routes them instead of failing. */
export type ErrorSink<I> = (failure: Failure<I>) => void | Promise<void>;

/** `"fail"` stops the stream with the error (the default); a sink routes it and goes on. */
export type ErrorPolicy<I> = "fail" | ErrorSink<I>;

/**
 * Applies the policy to a failure: rethrows for `"fail"`, otherwise hands it to the
 * sink.
 */
export async function handleFailure<I>(
  policy: ErrorPolicy<I> | undefined,
  failure: { item: I; error: unknown; stage?: string },
): Promise<void> {
  const error = toError(failure.error);
  if (policy === undefined || policy === "fail") throw error;
  await policy({ item: failure.item, error, stage: failure.stage });
}

/**
 * An error sink that keeps failures in memory (bounded), for tests and summaries.
 *
 * @example Collect failures
 * ```ts
 * import { collectFailures } from "./errors.ts";
 * import assert from "node:assert";
 * const sink = collectFailures<number>();
 * await sink.sink({ item: 1, error: new Error("bad") });
 * assert.equal(sink.failures.length, 1);
 * ```
 */
export function collectFailures<I>(
  limit = 1000,
): { sink: ErrorSink<I>; failures: Failure<I>[]; count: () => number } {
  const failures: Failure<I>[] = [];
  let count = 0;
  return {
    failures,
    count: () => count,
    sink: (failure) => {
      count++;
      if (failures.length < limit) failures.push(failure);
    },
  };
}
