import assert from "node:assert/strict";
import { passAtK } from "./pass_at_k.ts";

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

Deno.test("passAtK() matches 1 - C(n-c, k) / C(n, k)", () => {
  for (const [n, c, k] of [[10, 3, 1], [10, 3, 5], [20, 1, 10], [100, 13, 10], [5, 0, 3]]) {
    const exact = 1 - binomial(n - c, k) / binomial(n, k);
    assert.ok(Math.abs(passAtK(n, c, k) - exact) < 1e-12, `${n} ${c} ${k}`);
  }
  assert.equal(passAtK(4, 4, 2), 1);
  assert.equal(passAtK(4, 0, 4), 0);
});

Deno.test("passAtK() rejects counts that cannot be", () => {
  assert.throws(() => passAtK(5, 6, 1), RangeError);
  assert.throws(() => passAtK(5, 2, 6), RangeError);
  assert.throws(() => passAtK(5, 2, 0), RangeError);
  assert.throws(() => passAtK(5, 1.5, 1), RangeError);
});
