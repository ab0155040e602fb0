import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import type { Problem } from "../model/problem.ts";
import { pipe } from "../stream/stage.ts";
import { cutPrefixes } from "../steps/prefixes.ts";
import { prefixStage } from "./prefixes.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";
import { range, trackedSource } from "../../tests/support/tracked_source.ts";

const steps = (n: number, tag = "") =>
  Array.from({ length: n }, (_, i) => `${tag}step ${i + 1}`).join("\n");
const item = (id: string, texts: string[]) => ({
  problem: { id, kind: "math", prompt: "Q" } as Problem,
  solutions: texts.map((text, index) => ({ index, text })),
});

Deno.test("prefixStage() cuts each problem's solutions with its own seed and settings", async () => {
  const items = [item("a", [steps(20, "a"), steps(12, "b")]), item("b", [steps(3)])];
  const out = await Array.fromAsync(pipe(
    items,
    prefixStage({ kind: "code", maxPrefixes: 3, seed: (id) => `7/${id}` }),
  ));
  assert.deepEqual(
    out[0].prefixes,
    cutPrefixes(items[0].solutions, { problemId: "a", kind: "code", maxPrefixes: 3, seed: "7/a" }),
  );
  assert.equal(out[0].prefixes.length, 3);
  assert.deepEqual(out[1].prefixes, [], "a solution under 5 steps gives none, the item passes");
  assert.equal(out[1].problem.id, "b");
});

Deno.test("prefixStage() stops reading its source after an early break", async () => {
  const first = await assertEarlyBreak(prefixStage(), (i) => item(`p${i}`, [steps(10)]));
  assert.equal(first.problem.id, "p0");
});

Deno.test("prefixStage() ends with AbortedError when its signal aborts", async () => {
  const controller = new AbortController();
  const source = trackedSource(range(100).map((i) => item(`p${i}`, [steps(10)])), { delayMs: 5 });
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const out of prefixStage({ signal: controller.signal })(source)) {
      seen.push(out.problem.id);
      controller.abort(new Error("stop"));
    }
  }, AbortedError);
  assert.deepEqual(seen, ["p0"]);
  assert.ok(source.closed, "source closed");
});
