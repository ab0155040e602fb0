import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { type DecideFn, windowedStage } from "../sampling/windows.ts";
import { pipe } from "../stream/stage.ts";
import type { PrefixProblem } from "../steps/completions.ts";
import type { Prefix } from "../steps/prefixes.ts";
import { completionStage } from "./completions.ts";
import { delay, trackedSource } from "../../tests/support/tracked_source.ts";

const problem = (id: string): Problem => ({ id, kind: "math", prompt: `Q ${id}` });
const prefix = (problemId: string, sample: number, text = `p${sample}`): Prefix => ({
  problem_id: problemId,
  sample,
  steps: 1,
  of: 5,
  text,
});

/**
 * A sampler whose completion `i` of a prefix is `text+i`, answered after `ms`; a
 * prefix whose text is "hang" is never answered (its requests wait for an abort).
 */
function fakeSampler(ms = 0) {
  const aborted: string[] = [];
  const requests: string[] = [];
  const build = ({ signal, decide }: { signal: AbortSignal; decide?: DecideFn }) =>
    windowedStage<Problem>({
      samples: 3,
      window: decide ? 1 : 3,
      maxActive: 16,
      signal,
      ...(decide ? { decide } : {}),
      prepare: (stand) => ({
        count: 3,
        async draw(indices, { signal, emit }) {
          const { text } = (stand as PrefixProblem).prefix;
          requests.push(`${stand.id}:${indices.join(",")}`);
          if (text === "hang") {
            await new Promise((_, reject) =>
              signal.addEventListener("abort", () => {
                aborted.push(stand.id);
                reject(new AbortedError(signal.reason));
              })
            );
          }
          await delay(ms);
          // Out of order on purpose: the stage sorts by index.
          for (const index of [...indices].reverse()) {
            emit({ problem_id: stand.id, index, completion: `${text}+${index}` } as Sample);
          }
        },
      }),
    });
  return { build, aborted, requests };
}

Deno.test("completionStage() gives each item its prefixes' completions in prefix order", async () => {
  const { build } = fakeSampler();
  const items = [
    { problem: problem("a"), prefixes: [prefix("a", 0), prefix("a", 1)] },
    { problem: problem("b"), prefixes: [prefix("b", 2)] },
  ];
  const out = await Array.fromAsync(pipe(items, completionStage({ sampler: build })));
  const byId = Object.fromEntries(out.map((o) => [o.problem.id, o.completions]));
  assert.deepEqual(byId.a.map((samples) => samples.map((s) => s.completion)), [
    ["p0+0", "p0+1", "p0+2"],
    ["p1+0", "p1+1", "p1+2"],
  ]);
  assert.deepEqual(byId.b.map((samples) => samples.map((s) => s.index)), [[0, 1, 2]]);
});

Deno.test("completionStage() passes an item without prefixes while others wait for completions", async () => {
  const { build } = fakeSampler(200);
  const source = (async function* () {
    yield { problem: problem("a"), prefixes: [prefix("a", 0)] };
    yield { problem: problem("empty"), prefixes: [] };
  })();
  const out = [];
  for await (const item of completionStage({ sampler: build })(source)) {
    out.push([item.problem.id, item.completions.length]);
  }
  assert.deepEqual(out, [["empty", 0], ["a", 1]]);
});

Deno.test("completionStage() asks no more completions of a prefix its rule has decided", async () => {
  const { build, requests } = fakeSampler();
  const [out] = await Array.fromAsync(pipe(
    [{ problem: problem("a"), prefixes: [prefix("a", 0), prefix("a", 1, "open")] }],
    completionStage({
      sampler: build,
      decided: (_, p, soFar) => p.text === "p0" && soFar.length >= 1,
    }),
  ));
  assert.deepEqual(out.completions.map((samples) => samples.length), [1, 3]);
  assert.equal(requests.filter((r) => r.startsWith("a#0:")).length, 1);
});

Deno.test("completionStage() aborts requests in flight and closes its source after an early break", async () => {
  const { build, aborted } = fakeSampler();
  const source = trackedSource([
    { problem: problem("a"), prefixes: [prefix("a", 0)] },
    { problem: problem("b"), prefixes: [prefix("b", 0, "hang")] },
    { problem: problem("c"), prefixes: [prefix("c", 0, "hang")] },
  ]);
  for await (const item of completionStage({ sampler: build })(source)) {
    assert.equal(item.problem.id, "a");
    break;
  }
  await delay(10);
  assert.ok(source.closed, "source closed");
  assert.deepEqual(aborted.sort(), ["b#0:1", "c#0:1"]);
});

Deno.test("completionStage() aborts requests in flight when the consumer leaves on an item without prefixes", async () => {
  const { build, aborted } = fakeSampler();
  const source = trackedSource([
    { problem: problem("a"), prefixes: [prefix("a", 0, "hang")] },
    { problem: problem("empty"), prefixes: [] },
  ]);
  for await (const item of completionStage({ sampler: build })(source)) {
    assert.equal(item.problem.id, "empty");
    break;
  }
  await delay(10);
  assert.ok(source.closed, "source closed");
  assert.ok(aborted.includes("a#0:1"), "the waiting prefix's request is aborted");
});

Deno.test("completionStage() ends with AbortedError and aborts its requests when its signal aborts", async () => {
  const { build, aborted } = fakeSampler();
  const controller = new AbortController();
  const reading = Array.fromAsync(pipe(
    [{ problem: problem("a"), prefixes: [prefix("a", 0, "hang")] }],
    completionStage({ sampler: build, signal: controller.signal }),
  ));
  await delay(10);
  controller.abort(new Error("stop"));
  await assert.rejects(reading, AbortedError);
  assert.deepEqual(aborted, ["a#0:1"]);
});
