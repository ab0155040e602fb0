import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import { Metrics } from "../metrics/metrics.ts";
import { collectFailures } from "./errors.ts";
import { filter, flatMap, map } from "./map.ts";
import { pipe } from "./stage.ts";
import { delay, range, trackedSource } from "../../tests/support/tracked_source.ts";

Deno.test("map() keeps source order under concurrency when ordered", async () => {
  const out = pipe(
    range(20),
    map(async (x: number) => {
      await delay((20 - x) % 7);
      return x;
    }, { concurrency: 5 }),
  );
  assert.deepEqual(await Array.fromAsync(out), range(20));
});

Deno.test("map() emits in completion order when unordered", async () => {
  const out = pipe(
    [30, 1, 15],
    map(async (ms: number) => {
      await delay(ms);
      return ms;
    }, { concurrency: 3, ordered: false }),
  );
  assert.deepEqual(await Array.fromAsync(out), [1, 15, 30]);
});

Deno.test("map() never exceeds its concurrency bound", async () => {
  for (const ordered of [true, false]) {
    let running = 0;
    let peak = 0;
    const out = pipe(
      range(50),
      map(async (x: number) => {
        running++;
        peak = Math.max(peak, running);
        await delay(x % 3);
        running--;
        return x;
      }, { concurrency: 4, ordered }),
    );
    assert.equal((await Array.fromAsync(out)).length, 50);
    assert.equal(peak, 4, `ordered=${ordered}`);
  }
});

Deno.test("map() stops reading the source and aborts work after an early break", async () => {
  const source = trackedSource(range(1000));
  const aborted: number[] = [];
  const stage = map((x: number, { signal }) =>
    new Promise<number>((resolve) => {
      if (x === 0) return void setTimeout(() => resolve(x), 30);
      signal.addEventListener("abort", () => {
        aborted.push(x);
        resolve(x);
      });
    }), { concurrency: 3 });
  for await (const x of stage(source)) {
    assert.equal(x, 0);
    break;
  }
  assert.ok(source.closed, "source return() ran");
  assert.ok(source.pulled <= 4, `pulled ${source.pulled}`);
  await delay(0);
  assert.deepEqual(aborted.sort(), [1, 2]);
});

Deno.test("map() fails the stream by default when the function throws", async () => {
  const source = trackedSource(range(10));
  const out = pipe(
    source,
    map((x: number) => {
      if (x === 3) throw new Error("bad item 3");
      return x;
    }),
  );
  await assert.rejects(Array.fromAsync(out), /bad item 3/);
  assert.ok(source.closed);
});

Deno.test("map() routes failed items to the error sink and goes on", async () => {
  const { sink, failures } = collectFailures<number>();
  const metrics = new Metrics();
  const out = pipe(
    range(6),
    map((x: number) => {
      if (x % 2) throw new Error(`odd ${x}`);
      return x;
    }, { onError: sink, concurrency: 2, name: "evens", metrics: metrics.stage("evens") }),
  );
  assert.deepEqual(await Array.fromAsync(out), [0, 2, 4]);
  assert.deepEqual(failures.map((f) => [f.item, f.error.message, f.stage]), [
    [1, "odd 1", "evens"],
    [3, "odd 3", "evens"],
    [5, "odd 5", "evens"],
  ]);
  const text = await metrics.registry.metrics();
  assert.match(text, /pfpo_stage_items_in_total\{stage="evens"\} 6/);
  assert.match(text, /pfpo_stage_items_out_total\{stage="evens"\} 3/);
  assert.match(text, /pfpo_stage_errors_total\{stage="evens"\} 3/);
  assert.match(text, /pfpo_stage_in_flight\{stage="evens"\} 0/);
  assert.match(text, /pfpo_stage_latency_seconds_count\{stage="evens"\} 6/);
});

Deno.test("map() mixes synchronous answers, promises and throws in one chunk, in order", async () => {
  const { sink, failures } = collectFailures<number>();
  const seen: number[] = [];
  const out = pipe(
    Array.from({ length: 12 }, (_, i) => i),
    map((x: number, { index }) => {
      seen.push(index);
      if (x % 4 === 1) throw new Error(`bad ${x}`);
      return x % 4 === 2 ? delay(1).then(() => -x) : x;
    }, { onError: sink }),
  );
  assert.deepEqual(await Array.fromAsync(out), [0, -2, 3, 4, -6, 7, 8, -10, 11]);
  assert.deepEqual(failures.map((f) => f.item), [1, 5, 9]);
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i));
});

Deno.test("map() ends with AbortedError when its signal aborts mid-stream", async () => {
  const controller = new AbortController();
  const source = trackedSource(range(100), { delayMs: 1 });
  const seen: number[] = [];
  const out = pipe(
    source,
    map((x: number) => x, { signal: controller.signal, concurrency: 2 }),
  );
  await assert.rejects(async () => {
    for await (const x of out) {
      seen.push(x);
      if (x === 5) controller.abort();
    }
  }, AbortedError);
  assert.equal(seen.at(-1), 5);
  await delay(10); // return() is queued behind the read that was pending at the abort
  assert.ok(source.closed);
});

Deno.test("map() propagates a source error", async () => {
  const out = pipe(trackedSource(range(5), { failAt: 2 }), map((x: number) => x));
  await assert.rejects(Array.fromAsync(out), /source failed at 2/);
});

Deno.test("map() rejects a concurrency below one", () => {
  assert.throws(() => map((x) => x, { concurrency: 0 }), RangeError);
});

Deno.test("filter() keeps matching items with async predicates and routes errors", async () => {
  const { sink, count } = collectFailures<number>();
  const out = pipe(
    range(10),
    filter(async (x: number) => {
      await delay(1);
      if (x === 9) throw new Error("nine");
      return x % 3 === 0;
    }, { concurrency: 3, onError: sink }),
  );
  assert.deepEqual(await Array.fromAsync(out), [0, 3, 6]);
  assert.equal(count(), 1);
});

Deno.test("flatMap() emits every item of each result lazily and releases on break", async () => {
  const source = trackedSource(range(100));
  const stage = flatMap(async function* (x: number) {
    yield x;
    yield -x;
  });
  const out: number[] = [];
  for await (const x of stage(source)) {
    out.push(x);
    if (out.length === 3) break;
  }
  assert.deepEqual(out, [0, -0, 1]);
  assert.equal(source.pulled, 2);
  assert.ok(source.closed);
});

Deno.test("flatMap() routes a failing item to the sink", async () => {
  const { sink, failures } = collectFailures<number>();
  const out = pipe(
    [1, 2, 3],
    flatMap((x: number) => {
      if (x === 2) throw new Error("two");
      return [x, x];
    }, { onError: sink }),
  );
  assert.deepEqual(await Array.fromAsync(out), [1, 1, 3, 3]);
  assert.equal(failures[0].item, 2);
});
