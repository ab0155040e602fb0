/**
 * A source for stream tests that counts how many items were pulled from it and
 * whether its `return()` ran.
 *
 * @module
 */

/** What a tracked source has seen. */
export interface TrackedSource<T> extends AsyncIterable<T> {
  /** Items handed out so far. */
  readonly pulled: number;
  /** True once the generator's `finally` ran (consumer stopped or it ended). */
  readonly closed: boolean;
}

/** Options for {@link trackedSource}. */
export interface TrackedSourceOptions {
  /** Milliseconds to wait before each item. Default 0. */
  delayMs?: number;
  /** Throw this error instead of producing the item at this index. */
  failAt?: number;
}

/** A source of `items` that records pulls and clean-up. */
export function trackedSource<T>(
  items: Iterable<T>,
  options: TrackedSourceOptions = {},
): TrackedSource<T> {
  const state = { pulled: 0, closed: false };
  async function* generate() {
    try {
      let i = 0;
      for (const item of items) {
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (i++ === options.failAt) throw new Error(`source failed at ${i - 1}`);
        state.pulled++;
        yield item;
      }
    } finally {
      state.closed = true;
    }
  }
  const generator = generate();
  return {
    [Symbol.asyncIterator]: () => generator,
    get pulled() {
      return state.pulled;
    },
    get closed() {
      return state.closed;
    },
  };
}

/** Numbers 0..n-1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
