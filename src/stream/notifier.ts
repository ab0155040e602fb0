/**
 * A one-slot wake-up signal for loops that wait on several event sources.
 * Internal to the stream combinators.
 *
 * @module
 */

/** Wakes a waiting loop; a notify before the wait is not lost. */
export class Notifier {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Wakes the waiter, or makes the next {@link Notifier.wait} return at once. */
  notify = (): void => {
    this.#pending = true;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  };

  /** Resolves at the next notification (at once when one is pending). */
  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = () => {
        this.#pending = false;
        resolve();
      };
    });
  }
}

/** Calls `return()` on an iterator, awaiting it unless a `next()` is still pending. */
export async function closeIterator<T>(
  iterator: AsyncIterator<T>,
  nextPending: boolean,
): Promise<void> {
  const closing = iterator.return?.();
  if (!closing) return;
  if (nextPending) {
    // An async generator queues return() behind a pending next(); do not hang on it.
    closing.then(undefined, () => {});
    return;
  }
  await closing;
}
