import assert from "node:assert/strict";
import type { CodeProblem } from "../model/problem.ts";
import { pipe } from "../stream/stage.ts";
import { testInputs } from "./test_inputs.ts";
import { assertEarlyBreak } from "../../tests/support/early_break.ts";

const code = (id: string, inputs?: string[]): CodeProblem => ({
  id,
  kind: "code",
  language: "python",
  style: "stdio",
  prompt: "",
  ...(inputs ? { test_inputs: inputs } : {}),
});

Deno.test("testInputs() keeps a problem's own inputs and batches the others to the generator", async () => {
  const batches: string[][] = [];
  const stage = testInputs<CodeProblem>({
    batch: 2,
    generate: async function* (batch) {
      batches.push(batch.map((p) => p.id));
      for (const p of batch) if (p.id !== "b") yield { ...p, test_inputs: [`${p.id}\n`] };
    },
  });
  const out = await Array.fromAsync(
    pipe([code("own", ["1\n"]), code("a"), code("b"), code("c")], stage),
  );
  assert.deepEqual(batches, [["a", "b"], ["c"]]);
  // "b" was not served (e.g. its request failed): it goes no further, a re-run retries it.
  assert.deepEqual(out.map((p) => [p.id, p.test_inputs]), [
    ["own", ["1\n"]],
    ["a", ["a\n"]],
    ["c", ["c\n"]],
  ]);
});

Deno.test("testInputs() without a generator passes problems on without inputs (no_tests further on)", async () => {
  const out = await Array.fromAsync(pipe([code("a")], testInputs()));
  assert.deepEqual(out.map((p) => [p.id, p.test_inputs]), [["a", undefined]]);
});

Deno.test("testInputs() stops reading when the consumer breaks", async () => {
  const first = await assertEarlyBreak(testInputs(), (i) => code(`p${i}`, ["1\n"]));
  assert.equal(first.id, "p0");
});
