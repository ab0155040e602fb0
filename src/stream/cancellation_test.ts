import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import { abortable } from "./abortable.ts";
import { batch } from "./batch.ts";
import { buffer } from "./buffer.ts";
import { filter, flatMap, map } from "./map.ts";
import { merge } from "./merge.ts";
import { tee } from "./tee.ts";
import { window } from "./window.ts";
import { delay } from "../../tests/support/tracked_source.ts";

type Combinator = (
  signal: AbortSignal,
) => (source: AsyncIterable<number>) => AsyncIterable<unknown>;

const COMBINATORS: [string, Combinator][] = [
  ["map() at concurrency 1", (signal) => map((x: number) => x, { signal })],
  [
    "map() at concurrency 4",
    (signal) => map((x: number) => Promise.resolve(x), { signal, concurrency: 4 }),
  ],
  ["filter() at concurrency 1", (signal) => filter(() => true, { signal })],
  [
    "filter() at concurrency 4",
    (signal) => filter(() => Promise.resolve(true), { signal, concurrency: 4 }),
  ],
  ["flatMap()", (signal) => flatMap((x: number) => [x, x], { signal })],
  ["batch()", (signal) => batch({ size: 2, signal })],
  ["buffer()", (signal) => buffer(4, { signal })],
  ["window()", (signal) => window((x: number) => x % 3, { size: 2, signal })],
  ["abortable()", (signal) => abortable(signal)],
  ["tee()", (signal) => (source) => tee(source, 1, { signal })[0]],
  ["merge()", (signal) => (source) => merge([source, [100]], { signal })],
];

/** Yields `first` items, then waits until `gate` opens; counts whether it was closed. */
function stalling(first: number, gate: Promise<void>) {
  const state = { closed: false };
  const source = (async function* () {
    try {
      for (let i = 0; i < first; i++) yield i;
      await gate;
    } finally {
      state.closed = true;
    }
  })();
  return { source, state };
}

async function* endless(): AsyncGenerator<number> {
  for (let i = 0;; i++) {
    if (i % 16 === 0) await delay(0);
    yield i;
  }
}

for (const [name, combinator] of COMBINATORS) {
  Deno.test(`${name} ends with AbortedError when aborted while waiting on the source`, async () => {
    const gate = Promise.withResolvers<void>();
    const controller = new AbortController();
    const { source } = stalling(1, gate.promise);
    const reading = Array.fromAsync(combinator(controller.signal)(source));
    await delay(5);
    controller.abort(new Error("stop"));
    await assert.rejects(reading, AbortedError);
    gate.resolve();
  });

  Deno.test(`${name} ends with AbortedError when aborted mid-stream`, async () => {
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(async () => {
      for await (const _ of combinator(controller.signal)(endless())) {
        if (++seen === 5) controller.abort(new Error("stop"));
      }
    }, AbortedError);
    assert.ok(seen >= 5);
  });
}

Deno.test("flatMap() ends with AbortedError while an item's iterable is waiting", async () => {
  const gate = Promise.withResolvers<void>();
  const controller = new AbortController();
  const stage = flatMap(async function* (x: number) {
    yield x;
    await gate.promise;
  }, { signal: controller.signal });
  const out: number[] = [];
  const reading = (async () => {
    for await (
      const x of stage((async function* () {
        yield 1;
        yield 2;
      })())
    ) out.push(x);
  })();
  await delay(5);
  controller.abort();
  await assert.rejects(reading, AbortedError);
  assert.deepEqual(out, [1]);
  gate.resolve();
});

for (const concurrency of [1, 4]) {
  Deno.test(`map() at concurrency ${concurrency} aborts each item's signal and raises AbortedError, not the reason`, async () => {
    const controller = new AbortController();
    const aborted: number[] = [];
    const stage = map((x: number, { signal }) =>
      new Promise<number>((_, reject) => {
        signal.addEventListener("abort", () => {
          aborted.push(x);
          reject(signal.reason);
        });
      }), { signal: controller.signal, concurrency });
    const reading = Array.fromAsync(stage((async function* () {
      for (let i = 0; i < 10; i++) yield i;
    })()));
    await delay(5);
    controller.abort(new Error("bare reason"));
    await assert.rejects(reading, AbortedError);
    await delay(0);
    assert.equal(aborted.length, concurrency);
  });
}

for (const [name, combinator] of COMBINATORS) {
  Deno.test(`${name} runs the source's return() after an early break`, async () => {
    const gate = Promise.withResolvers<void>();
    gate.resolve();
    const { source, state } = stalling(50, gate.promise);
    for await (const _ of combinator(new AbortController().signal)(source)) break;
    await delay(0);
    assert.ok(state.closed, "source closed");
  });
}
