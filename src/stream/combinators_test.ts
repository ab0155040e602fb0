import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import { abortable } from "./abortable.ts";
import { batch } from "./batch.ts";
import { buffer } from "./buffer.ts";
import { map } from "./map.ts";
import { merge } from "./merge.ts";
import { compose, pipe, type Stage, stage } from "./stage.ts";
import { tee } from "./tee.ts";
import { window } from "./window.ts";
import { delay, range, trackedSource } from "../../tests/support/tracked_source.ts";

Deno.test("compose() chains stages with types checked end to end", async () => {
  const parse: Stage<string, number> = map((s: string) => Number(s));
  const double: Stage<number, number> = map((n: number) => n * 2);
  const show: Stage<number, string> = map((n: number) => `#${n}`);
  const stage = compose(parse, double, show);
  assert.deepEqual(await Array.fromAsync(pipe(["1", "2"], stage)), ["#2", "#4"]);
  // @ts-expect-error a stage of numbers cannot read strings
  compose(show, double);
  // @ts-expect-error the source's items must fit the first stage
  pipe([1, 2], parse);
  // @ts-expect-error the output type is checked too
  const wrong: AsyncIterable<number> = pipe(["1"], parse, show);
  assert.ok(wrong);
});

Deno.test("stage() names a stage; map() and compose() carry names", () => {
  const parse = map((s: string) => Number(s), { name: "parse" });
  const double = stage("double", map((n: number) => n * 2));
  assert.equal(parse.name, "parse");
  assert.equal(double.name, "double");
  assert.equal(compose(parse, double).name, "parse → double");
});

Deno.test("buffer() lets a producer run ahead of a stalled consumer by at most its size", async () => {
  const source = trackedSource(range(1000));
  const iterator = buffer<number>(8)(source)[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value, 0);
  await delay(20); // consumer stalls; the pump fills the buffer and stops
  // one item taken + 8 buffered + at most one read in progress
  assert.ok(source.pulled <= 10, `producer ran ahead by ${source.pulled}`);
  assert.ok(source.pulled >= 9, `buffer should fill, pulled ${source.pulled}`);
  await iterator.return?.();
  assert.ok(source.closed);
});

Deno.test("buffer() passes every item through in order and propagates errors", async () => {
  assert.deepEqual(await Array.fromAsync(pipe(range(100), buffer(4))), range(100));
  await assert.rejects(
    Array.fromAsync(pipe(trackedSource(range(10), { failAt: 5 }), buffer(2))),
    /source failed at 5/,
  );
});

Deno.test("batch() groups by size and flushes the remainder", async () => {
  const out = await Array.fromAsync(pipe(range(7), batch({ size: 3 })));
  assert.deepEqual(out, [[0, 1, 2], [3, 4, 5], [6]]);
});

Deno.test("batch() emits a partial batch when its oldest item waited maxWaitMs", async () => {
  const source = (async function* () {
    yield 1;
    yield 2;
    await delay(80);
    yield 3;
  })();
  const out = await Array.fromAsync(pipe(source, batch({ size: 10, maxWaitMs: 20 })));
  assert.deepEqual(out, [[1, 2], [3]]);
});

Deno.test("batch() releases the source on early break", async () => {
  const source = trackedSource(range(100));
  for await (const group of batch<number>({ size: 4 })(source)) {
    assert.deepEqual(group, [0, 1, 2, 3]);
    break;
  }
  assert.ok(source.closed);
  assert.equal(source.pulled, 4);
});

Deno.test("tee() gives every consumer every item", async () => {
  const [a, b, c] = tee(range(200), 3, { bufferSize: 4 });
  const outs = await Promise.all([a, b, c].map((s) => Array.fromAsync(s)));
  for (const out of outs) assert.deepEqual(out, range(200));
});

Deno.test("tee() holds back the producer for its slowest consumer", async () => {
  const source = trackedSource(range(1000));
  const [fast, slow] = tee(source, 2, { bufferSize: 5 });
  const slowIterator = slow[Symbol.asyncIterator]();
  await slowIterator.next();
  const fastSeen: number[] = [];
  const fastDone = (async () => {
    for await (const x of fast) fastSeen.push(x);
  })();
  await delay(20);
  assert.ok(source.pulled <= 7, `producer ran ahead by ${source.pulled}`);
  await slowIterator.return?.();
  await fastDone; // with the slow consumer gone, the fast one runs to the end
  assert.equal(fastSeen.length, 1000);
});

Deno.test("tee() closes the source when every consumer stops early", async () => {
  const source = trackedSource(range(1000));
  const [a, b] = tee(source, 2);
  for await (const _ of a) break;
  for await (const _ of b) break;
  assert.ok(source.closed);
});

Deno.test("merge() interleaves sources and ends after all of them", async () => {
  const slow = (async function* () {
    await delay(30);
    yield "slow";
  })();
  const out = await Array.fromAsync(merge([slow, ["a", "b"]]));
  assert.deepEqual(out, ["a", "b", "slow"]);
});

Deno.test("merge() calls return() on every open source after an early break", async () => {
  const a = trackedSource(range(100));
  const b = trackedSource(range(100), { delayMs: 1 });
  for await (const _ of merge([a, b])) break;
  await delay(10);
  assert.ok(a.closed && b.closed);
});

Deno.test("merge() fails when a source fails", async () => {
  await assert.rejects(
    Array.fromAsync(merge([range(3), trackedSource(range(3), { failAt: 1 })])),
    /source failed at 1/,
  );
});

Deno.test("window() emits a group when the decision says it is complete", async () => {
  const items = ["a1", "b1", "a2", "a3", "b2"].map((s) => ({ key: s[0], n: Number(s[1]) }));
  const out = await Array.fromAsync(
    pipe(
      items,
      window((i) => i.key, {
        size: 5,
        isComplete: async (_key, group) => {
          await delay(1);
          return group.length === 2;
        },
      }),
    ),
  );
  assert.deepEqual(out.map((w) => [w.key, w.items.map((i) => i.n), w.reason]), [
    ["a", [1, 2], "complete"],
    ["b", [1, 2], "complete"],
    ["a", [3], "end"],
  ]);
});

Deno.test("window() emits full groups and the rest at end of stream", async () => {
  const out = await Array.fromAsync(pipe(range(7), window((x: number) => x % 2, { size: 3 })));
  assert.deepEqual(out.map((w) => [w.key, w.items, w.reason]), [
    [0, [0, 2, 4], "full"],
    [1, [1, 3, 5], "full"],
    [0, [6], "end"],
  ]);
});

Deno.test("window() evicts the oldest group when too many are open", async () => {
  const out = await Array.fromAsync(pipe(range(4), window((x: number) => x, { maxOpen: 2 })));
  assert.deepEqual(out.map((w) => [w.key, w.reason]), [
    [0, "evicted"],
    [1, "evicted"],
    [2, "end"],
    [3, "end"],
  ]);
});

Deno.test("abortable() ends a waiting stream when the signal aborts", async () => {
  const controller = new AbortController();
  const source = trackedSource(range(10), { delayMs: 1000 });
  setTimeout(() => controller.abort(), 10);
  await assert.rejects(Array.fromAsync(pipe(source, abortable(controller.signal))), AbortedError);
});

Deno.test("abortable() passes items through until aborted", async () => {
  const controller = new AbortController();
  const source = trackedSource(range(100));
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const x of pipe(source, abortable(controller.signal))) {
      seen.push(x);
      if (x === 2) controller.abort();
    }
  }, AbortedError);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.ok(source.closed);
});
