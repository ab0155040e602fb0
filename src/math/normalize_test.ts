import assert from "node:assert/strict";
import { normalizeAnswer } from "./normalize.ts";

Deno.test("normalizeAnswer() removes delimiters, boxes, sizing and spacing commands", () => {
  assert.equal(normalizeAnswer("$\\boxed{\\dfrac{1}{2}}$"), "\\frac{1}{2}");
  assert.equal(normalizeAnswer("\\(\\fbox{7}\\)"), "7");
  assert.equal(normalizeAnswer("\\left( 3,\\, \\frac{\\pi}{2} \\right)"), "(3,\\frac{\\pi}{2})");
  assert.equal(normalizeAnswer("\\Big[ 1 , 2 \\Big)"), "[1,2)");
  assert.equal(normalizeAnswer("\\displaystyle \\tfrac{3}{4}"), "\\frac{3}{4}");
  assert.equal(normalizeAnswer("\\pi r^2"), "\\pi r^2");
});

Deno.test("normalizeAnswer() removes thousands separators only in a single number", () => {
  assert.equal(normalizeAnswer("10{,}000"), "10000");
  assert.equal(normalizeAnswer("50,625"), "50625");
  assert.equal(normalizeAnswer("1,234.5%"), "1234.5%");
  assert.equal(normalizeAnswer("10\\,000"), "10000");
  assert.equal(normalizeAnswer("12,34"), "12,34");
  assert.equal(normalizeAnswer("11,\\! 111,\\! 111,\\! 100"), "11111111100");
});

Deno.test("normalizeAnswer() keeps a comma followed by a space between digits as a list", () => {
  assert.equal(normalizeAnswer("32, 349"), "32, 349");
  assert.equal(normalizeAnswer("1, 2"), "1, 2");
  assert.equal(normalizeAnswer("1 , 234"), "1234");
  assert.equal(normalizeAnswer("0,111"), "0,111");
});

Deno.test("normalizeAnswer() spells ASCII relations, percent words and units one way", () => {
  assert.equal(normalizeAnswer("x >= 5"), "x\\geq 5");
  assert.equal(normalizeAnswer("x<=2"), "x\\leq 2");
  assert.equal(normalizeAnswer("x != 3"), "x\\neq 3");
  assert.equal(normalizeAnswer("28 percent"), "28%");
  assert.equal(normalizeAnswer("\\boxed{28 pct}"), "28%");
  assert.equal(normalizeAnswer("125\\textnormal{ miles}"), "125");
  assert.equal(normalizeAnswer("1,000.99€"), "1000.99");
  assert.equal(normalizeAnswer("5 cm²"), "5");
  assert.equal(normalizeAnswer("5 x^2"), "5 x^2");
  assert.equal(normalizeAnswer("5\\text{ cm}", { strict: true }), "5 cm");
});

Deno.test("normalizeAnswer() drops units, degrees and currency but keeps text answers", () => {
  assert.equal(normalizeAnswer("5\\text{ cm}^2"), "5");
  assert.equal(normalizeAnswer("\\frac{3}{8}\\mbox{ of the pie}"), "\\frac{3}{8}");
  assert.equal(normalizeAnswer("18 dollars"), "18");
  assert.equal(normalizeAnswer("\\$1,234.50"), "1234.50");
  assert.equal(normalizeAnswer("90^{\\circ}"), "90");
  assert.equal(normalizeAnswer("\\text{Evelyn}"), "Evelyn");
  assert.equal(normalizeAnswer("2 x"), "2 x");
});

Deno.test("normalizeAnswer() braces short arguments and fixes stray points", () => {
  assert.equal(normalizeAnswer("\\frac12"), "\\frac{1}{2}");
  assert.equal(normalizeAnswer("\\sqrt2+1"), "\\sqrt{2}+1");
  assert.equal(normalizeAnswer(".5"), "0.5");
  assert.equal(normalizeAnswer("-.5"), "-0.5");
  assert.equal(normalizeAnswer("12."), "12");
  assert.equal(normalizeAnswer("  "), "");
});

Deno.test("normalizeAnswer() spells the empty set one way and drops a leading \\approx", () => {
  assert.equal(normalizeAnswer("\\varnothing"), "\\emptyset");
  assert.equal(normalizeAnswer("\\{ \\}"), "\\emptyset");
  assert.equal(normalizeAnswer("\\approx 3.14"), "3.14");
});
