import assert from "node:assert/strict";
import type { MathProblem } from "../src/model/problem.ts";
import { fromIterable } from "../src/stream/stage.ts";
import { recordedSampler } from "../src/sampling/recorded.ts";

const problems: (MathProblem & { note: string })[] = ["a", "b", "c"].map((id) => ({
  id,
  kind: "math",
  prompt: `${id}?`,
  note: `extra ${id}`,
}));
const records = problems.map((p) => ({
  problem_id: p.id,
  completions: [1, 2, 3, 4].map((i) => `${p.id}${i}`),
}));

Deno.test("SamplingStage.grouped() emits each problem once with all of its samples", async () => {
  const stage = recordedSampler(records, { window: 2 });
  const groups = await Array.fromAsync(stage.grouped(fromIterable(problems)));
  assert.deepEqual(
    groups.map((g) => [g.problem.note, g.samples.map((s) => s.completion).sort()]).sort(),
    [
      ["extra a", ["a1", "a2", "a3", "a4"]],
      ["extra b", ["b1", "b2", "b3", "b4"]],
      ["extra c", ["c1", "c2", "c3", "c4"]],
    ],
  );
});

Deno.test("SamplingStage.grouped() ends a problem when the decision says stop", async () => {
  const stage = recordedSampler(records, {
    window: 2,
    decide: (id) => (id === "b" ? "stop" : "more"),
  });
  const groups = await Array.fromAsync(stage.grouped(fromIterable(problems)));
  const sizes = Object.fromEntries(
    groups.map((g) => [g.problem.id, [g.samples.length, g.drawable, g.stoppedEarly]]),
  );
  assert.deepEqual(sizes, { a: [4, 4, false], b: [2, 4, true], c: [4, 4, false] });
});
