import assert from "node:assert";
import { seededRandom } from "./random.ts";

Deno.test("seededRandom() gives the same sequence for the same seed and another for another", () => {
  const draw = (...seed: (string | number)[]) => {
    const r = seededRandom(...seed);
    return Array.from({ length: 8 }, () => r.next());
  };
  assert.deepEqual(draw(1, "a"), draw(1, "a"));
  assert.notDeepEqual(draw(1, "a"), draw(2, "a"));
  assert.notDeepEqual(draw(1, "a"), draw(1, "b"));
});

Deno.test("seededRandom().int() stays in range and covers it", () => {
  const r = seededRandom(3);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const x = r.int(5);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 5);
    seen.add(x);
  }
  assert.equal(seen.size, 5);
});
