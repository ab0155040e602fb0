import assert from "node:assert";
import { AbortedError } from "../src/errors.ts";
import { RequestLimiter } from "../src/sampling/limiter.ts";
import { parseRetryAfter, retryDelay, sleep } from "../src/sampling/retry.ts";

Deno.test("retryDelay() grows exponentially with full jitter up to the cap", () => {
  const top = () => 0.999999;
  const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxRetries: 10 };
  const delays = [0, 1, 2, 3, 4, 5].map((attempt) =>
    retryDelay({ retryable: true }, attempt, policy, top)
  );
  assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  assert.equal(retryDelay({ retryable: true }, 3, policy, () => 0), 0);
});

Deno.test("retryDelay() honours Retry-After up to its cap and gives up on non-retryable failures", () => {
  assert.equal(retryDelay({ retryable: true, retryAfterMs: 0 }, 0), 0);
  assert.equal(
    retryDelay({ retryable: true, retryAfterMs: 500_000 }, 0, { maxRetryAfterMs: 60_000 }),
    60_000,
  );
  assert.equal(retryDelay({ retryable: false, retryAfterMs: 10 }, 0), undefined);
  assert.equal(retryDelay({ retryable: true }, 2, { maxRetries: 2 }), undefined);
});

Deno.test("parseRetryAfter() reads seconds, milliseconds and HTTP dates", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "1.5" }), now), 1500);
  assert.equal(
    parseRetryAfter(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }), now),
    3000,
  );
  assert.equal(
    parseRetryAfter(new Headers({ "retry-after": "Tue, 31 Dec 2024 23:00:00 GMT" }), now),
    0,
  );
  assert.equal(
    parseRetryAfter(new Headers({ "retry-after-ms": "20", "retry-after": "9" }), now),
    20,
  );
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "soon" }), now), undefined);
});

Deno.test("sleep() resolves after the delay and rejects at once when aborted", async () => {
  await sleep(1);
  const controller = new AbortController();
  const waiting = sleep(60_000, controller.signal);
  controller.abort();
  await assert.rejects(waiting, AbortedError);
});

Deno.test("RequestLimiter serves waiters first come, first served", async () => {
  const limiter = new RequestLimiter({ maxInFlight: 1 });
  const first = await limiter.acquire(0);
  const order: number[] = [];
  const second = limiter.acquire(0).then((lease) => (order.push(2), lease));
  const third = limiter.acquire(0).then((lease) => (order.push(3), lease));
  assert.equal(limiter.waiting, 2);
  first.release();
  (await second).release();
  (await third).release();
  assert.deepEqual(order, [2, 3]);
  assert.equal(limiter.inFlight, 0);
});

Deno.test("RequestLimiter drops an aborted waiter from the queue", async () => {
  const limiter = new RequestLimiter({ maxInFlight: 1 });
  const held = await limiter.acquire(0);
  const controller = new AbortController();
  const waiting = limiter.acquire(0, controller.signal);
  controller.abort();
  await assert.rejects(waiting, AbortedError);
  assert.equal(limiter.waiting, 0);
  held.release();
  held.release(); // a second release is ignored
  assert.equal(limiter.inFlight, 0);
  await assert.rejects(limiter.acquire(0, AbortSignal.abort()), AbortedError);
});

Deno.test("RequestLimiter bounds tokens per minute and refunds unused tokens", async () => {
  let now = 0;
  const limiter = new RequestLimiter({ maxInFlight: 10, tokensPerMinute: 600, now: () => now });
  const a = await limiter.acquire(500);
  const b = limiter.acquire(200); // 100 left: must wait
  assert.equal(limiter.waiting, 1);
  a.release(50); // used 50 of 500: 450 come back
  (await b).release(200);
  // The bucket is now at 100 + 450 - 200 - 200 … refill follows the clock.
  now += 60_000;
  const c = await limiter.acquire(600);
  assert.equal(limiter.inFlight, 1);
  c.release();
  assert.throws(() => new RequestLimiter({ maxInFlight: 0 }), RangeError);
});

Deno.test("RequestLimiter waits for the bucket to refill", async () => {
  const limiter = new RequestLimiter({ maxInFlight: 10, tokensPerMinute: 60_000 }); // 1 per ms
  (await limiter.acquire(60_000)).release();
  const next = limiter.acquire(20); // the bucket is empty: granted by the refill timer
  assert.equal(limiter.waiting, 1);
  (await next).release();
  assert.equal(limiter.waiting, 0);
});
