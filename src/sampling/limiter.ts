/**
 * A request limiter: a bound on requests in flight and, optionally, on tokens per
 * minute (a token bucket refilled continuously). Waiters are served first come,
 * first served; an aborted waiter leaves the queue.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";

/** Options for {@link RequestLimiter}. */
export interface RequestLimiterOptions {
  /** Requests allowed in flight at once. */
  maxInFlight: number;
  /** Tokens (prompt + completion) allowed per minute. Default: no bound. */
  tokensPerMinute?: number;
  /** Clock in ms (for tests). Default `Date.now`. */
  now?: () => number;
}

/** A granted slot; release it exactly once when the request ends. */
export interface Lease {
  /**
   * Frees the slot. `actualTokens` corrects the token bucket by the difference
   * between what the request used and what was reserved.
   */
  release(actualTokens?: number): void;
}

interface Waiter {
  tokens: number;
  grant: (lease: Lease) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * Bounds requests in flight and tokens per minute.
 *
 * @example Two slots, the third request waits
 * ```ts
 * import { RequestLimiter } from "./limiter.ts";
 * import assert from "node:assert";
 * const limiter = new RequestLimiter({ maxInFlight: 2 });
 * const a = await limiter.acquire(1);
 * await limiter.acquire(1);
 * const third = limiter.acquire(1);
 * assert.equal(limiter.waiting, 1);
 * a.release();
 * (await third).release();
 * assert.equal(limiter.inFlight, 1);
 * ```
 */
export class RequestLimiter {
  readonly #maxInFlight: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #level: number;
  #updatedAt: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a limiter. */
  constructor(options: RequestLimiterOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new RangeError(
        `Cannot create a request limiter: maxInFlight must be a positive integer, got ${options.maxInFlight}`,
      );
    }
    this.#maxInFlight = options.maxInFlight;
    this.#capacity = options.tokensPerMinute ?? Infinity;
    this.#now = options.now ?? Date.now;
    this.#level = this.#capacity;
    this.#updatedAt = this.#now();
  }

  /** Requests holding a slot. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for a slot or for tokens. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** The configured bound on requests in flight. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /**
   * Waits for a slot and for `tokens` (capped at the per-minute bound) to be
   * available, then reserves them. Rejects with an {@link AbortedError} when
   * `signal` aborts first.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at !== -1) this.#queue.splice(at, 1);
        reject(new AbortedError(signal?.reason));
        this.#pump();
      };
      const waiter: Waiter = {
        tokens: Math.min(Math.max(0, tokens), this.#capacity),
        grant: resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  #refill(): void {
    if (this.#capacity === Infinity) return;
    const now = this.#now();
    this.#level = Math.min(
      this.#capacity,
      this.#level + ((now - this.#updatedAt) * this.#capacity) / 60_000,
    );
    this.#updatedAt = now;
  }

  #pump(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#refill();
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const head = this.#queue[0];
      if (head.tokens > this.#level) {
        const waitMs = ((head.tokens - this.#level) * 60_000) / this.#capacity;
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, Math.ceil(waitMs));
        return;
      }
      this.#queue.shift();
      head.cleanup();
      this.#level -= head.tokens;
      this.#inFlight++;
      head.grant(this.#lease(head.tokens));
    }
  }

  #lease(reserved: number): Lease {
    let released = false;
    return {
      release: (actualTokens?: number) => {
        if (released) return;
        released = true;
        this.#inFlight--;
        if (actualTokens !== undefined && this.#capacity !== Infinity) {
          this.#refill();
          this.#level = Math.min(this.#capacity, this.#level - (actualTokens - reserved));
        }
        this.#pump();
      },
    };
  }
}
