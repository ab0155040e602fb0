import assert from "node:assert/strict";
import { hasHugeNumber, nestingDepth } from "./guards.ts";

Deno.test("hasHugeNumber() flags powers and factorials too large to compute exactly", () => {
  for (
    const text of [
      "9^{9^{9}}",
      "10^{100000}",
      "2^{99999}",
      "123456789^{3000}",
      "100000!",
      "{6000}!",
    ]
  ) {
    assert.equal(hasHugeNumber(text), true, text);
  }
  for (
    const text of [
      "2^{2023}",
      "x^{100000}",
      "(x+1)^{10}",
      "10^{10}",
      "5000!",
      "3^{3^{3}}",
      "e^{i\\pi}",
    ]
  ) {
    assert.equal(hasHugeNumber(text), false, text);
  }
});

Deno.test("nestingDepth() counts the deepest bracket nesting", () => {
  assert.equal(nestingDepth("\\frac{(1+2)}{[3]}"), 2);
  assert.equal(nestingDepth("1"), 0);
  assert.equal(nestingDepth("(".repeat(30)), 30);
});
