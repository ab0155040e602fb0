/**
 * Retry policy for requests to an inference server: which failures are retried, how
 * long to wait (capped exponential backoff with full jitter, or the server's
 * `Retry-After`), and an abortable sleep. The decision is a pure function so that
 * it can be tested without a server.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 6. */
  maxRetries?: number;
  /** Backoff before the first retry, doubled each time (ms). Default 500. */
  baseDelayMs?: number;
  /** Cap on one backoff (ms). Default 30 000. */
  maxDelayMs?: number;
  /** Cap on a server's `Retry-After` (ms); longer asks are shortened to this. Default 120 000. */
  maxRetryAfterMs?: number;
}

/** What the retry decision needs to know about a failed attempt. */
export interface AttemptFailure {
  /** Whether this kind of failure may succeed when tried again. */
  retryable: boolean;
  /** The wait the server asked for (`Retry-After`), in ms. */
  retryAfterMs?: number;
}

/**
 * Decides whether to retry after the `attempt`-th failed attempt (from 0) and how
 * long to wait first. Returns `undefined` to give up. A `Retry-After` from the
 * server is honoured (capped at `maxRetryAfterMs`); otherwise the wait is drawn
 * uniformly from `[0, min(maxDelayMs, baseDelayMs · 2^attempt)]` ("full jitter").
 *
 * @example Back off, honour Retry-After, give up
 * ```ts
 * import { retryDelay } from "./retry.ts";
 * import assert from "node:assert";
 * const half = () => 0.5;
 * assert.equal(retryDelay({ retryable: true }, 2, { baseDelayMs: 100 }, half), 200);
 * assert.equal(retryDelay({ retryable: true, retryAfterMs: 3000 }, 0, {}, half), 3000);
 * assert.equal(retryDelay({ retryable: false }, 0, {}, half), undefined);
 * assert.equal(retryDelay({ retryable: true }, 6, { maxRetries: 6 }, half), undefined);
 * ```
 */
export function retryDelay(
  failure: AttemptFailure,
  attempt: number,
  policy: RetryPolicy = {},
  random: () => number = Math.random,
): number | undefined {
  const maxRetries = policy.maxRetries ?? 6;
  if (!failure.retryable || attempt >= maxRetries) return undefined;
  if (failure.retryAfterMs !== undefined) {
    return Math.min(Math.max(0, failure.retryAfterMs), policy.maxRetryAfterMs ?? 120_000);
  }
  const base = policy.baseDelayMs ?? 500;
  const cap = Math.min(policy.maxDelayMs ?? 30_000, base * 2 ** attempt);
  return Math.floor(random() * cap);
}

/**
 * Reads the wait a server asked for from `retry-after-ms` (OpenAI) or `retry-after`
 * (seconds or an HTTP date). Returns `undefined` when absent or unreadable.
 *
 * @example Seconds and milliseconds
 * ```ts
 * import { parseRetryAfter } from "./retry.ts";
 * import assert from "node:assert";
 * assert.equal(parseRetryAfter(new Headers({ "retry-after": "2" })), 2000);
 * assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "150" })), 150);
 * assert.equal(parseRetryAfter(new Headers()), undefined);
 * ```
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Waits `ms` milliseconds; rejects with an {@link AbortedError} as soon as `signal`
 * aborts, clearing its timer.
 *
 * @example An aborted sleep rejects
 * ```ts
 * import { sleep } from "./retry.ts";
 * import { AbortedError } from "../errors.ts";
 * import assert from "node:assert";
 * await assert.rejects(sleep(60_000, AbortSignal.abort()), AbortedError);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
