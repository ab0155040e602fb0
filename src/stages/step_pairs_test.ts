import assert from "node:assert/strict";
import { AbortedError } from "../errors.ts";
import { pipe } from "../stream/stage.ts";
import { codeStepPairs, mathStepPairs, type ValuedPrefix } from "../steps/step_pairs.ts";
import { codeStepPairStage, mathStepPairStage } from "./step_pairs.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";
import { range, trackedSource } from "../../tests/support/tracked_source.ts";

const valued = (problemId: string, sample: number, values: number[]): ValuedPrefix => ({
  problem_id: problemId,
  sample,
  steps: sample + 1,
  of: 9,
  text: `${problemId} prefix ${sample}`,
  values,
});
const mathItem = (id: string) => ({
  id,
  valued: [valued(id, 0, [1, 1, 0]), valued(id, 1, [0, 0, 0]), valued(id, 2, [1, 1, 1])],
});
type MathItem = ReturnType<typeof mathItem>;
const mathRule = (item: MathItem) => ({
  prompt: `Q ${item.id}`,
  run: "r",
  feedback: "self_consistency" as const,
  completions: 3,
  label: "18",
  seed: `0/${item.id}`,
  mode: "each_positive" as const,
});

Deno.test("mathStepPairStage() pairs each item's prefixes by the math rule it is given", async () => {
  const items = [mathItem("a"), mathItem("b")];
  const out = await Array.fromAsync(pipe(items, mathStepPairStage<MathItem>({ rule: mathRule })));
  assert.deepEqual(
    out.map((o) => o.drafts),
    items.map((i) => mathStepPairs(i.valued, mathRule(i))),
  );
  assert.equal(out[0].drafts.length, 2, "each positive with one negative");
  assert.equal(out[1].drafts[0].prompt, "Q b");
});

Deno.test("codeStepPairStage() pairs each item's prefixes by the code rule it is given", async () => {
  const item = { valued: [valued("c", 0, [9, 9, 8]), valued("c", 1, [1, 2, 0])] };
  const rule = {
    prompt: "Q",
    run: "r",
    feedback: "frontier" as const,
    completions: 3,
    tests: 10,
  };
  const [out] = await Array.fromAsync(pipe([item], codeStepPairStage({ rule: () => rule })));
  assert.deepEqual(out.drafts, codeStepPairs(item.valued, rule));
  assert.equal(out.drafts.length, 1);
});

Deno.test("a step pair stage drops pairs under its minimum confidence", async () => {
  const items = [mathItem("a")];
  const all = mathStepPairs(items[0].valued, mathRule(items[0]));
  const confidences = all.map((d) => d.confidence!).sort((a, b) => a - b);
  assert.ok(confidences.length === 2 && confidences[0] < confidences[1], String(confidences));
  const [out] = await Array.fromAsync(
    pipe(items, mathStepPairStage<MathItem>({ rule: mathRule, minConfidence: confidences[1] })),
  );
  assert.deepEqual(out.drafts, all.filter((d) => d.confidence! >= confidences[1]));
  assert.equal(out.drafts.length, 1);
});

Deno.test("mathStepPairStage() stops reading its source after an early break", async () => {
  const stage = mathStepPairStage<MathItem>({ rule: mathRule });
  const first = await assertEarlyBreak(stage, (i) => mathItem(`p${i}`));
  assert.equal(first.id, "p0");
});

Deno.test("codeStepPairStage() ends with AbortedError when its signal aborts", async () => {
  const controller = new AbortController();
  const source = trackedSource(range(100).map(() => ({ valued: [] })), { delayMs: 5 });
  let seen = 0;
  await assert.rejects(async () => {
    const stage = codeStepPairStage({
      rule: () => ({ prompt: "Q", run: "r", feedback: "frontier", completions: 3, tests: 10 }),
      signal: controller.signal,
    });
    for await (const _ of stage(source)) {
      seen++;
      controller.abort(new Error("stop"));
    }
  }, AbortedError);
  assert.equal(seen, 1);
  assert.ok(source.closed, "source closed");
});
