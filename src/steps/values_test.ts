import assert from "node:assert/strict";
import {
  codePrefixValue,
  firstDraw,
  mathCompletionValue,
  mathPrefixValue,
  prefixClass,
} from "./values.ts";

Deno.test("mathCompletionValue() checks the answer of prefix + completion against the label", () => {
  const prefix = "The hexagon splits into 4 triangles.\nEach has 180 degrees.";
  const label = "720";
  assert.equal(mathCompletionValue(prefix, "\nSo 4 × 180 = \\boxed{720}.", { label }), 1);
  assert.equal(mathCompletionValue(prefix, "\nSo the sum is \\boxed{720^\\circ}.", { label }), 1);
  assert.equal(mathCompletionValue(prefix, "\nSo 6 × 180 = \\boxed{1080}.", { label }), 0);
  assert.equal(mathCompletionValue(prefix, "\nI am not sure.", { label }), 0, "no answer");
  assert.equal(mathCompletionValue("The answer is \\boxed{720}.", "", { label }), 0, "empty");
  // The answer may sit in the completion only: the prefix is cut before it.
  assert.equal(mathPrefixValue([1, 0, 1]), 2);
});

Deno.test("codePrefixValue() averages or maximises the pass counts", () => {
  assert.equal(codePrefixValue([3, 4, 8], "avg"), 5);
  assert.equal(codePrefixValue([3, 4, 8], "max"), 8);
  assert.equal(codePrefixValue([], "avg"), 0);
  assert.throws(() => codePrefixValue([1], "median" as "avg"), /reduction/);
});

Deno.test("prefixClass() decides as soon as the remaining completions cannot change the class", () => {
  const first = { completions: 3, threshold: 2 };
  assert.equal(prefixClass([], first), undefined);
  assert.equal(prefixClass([1], first), undefined);
  assert.equal(prefixClass([0], first), undefined);
  assert.equal(prefixClass([1, 1], first), "positive");
  assert.equal(prefixClass([0, 0], first), "negative");
  assert.equal(prefixClass([0, 1], first), undefined);
  assert.equal(prefixClass([0, 1, 1], first), "positive");
  assert.equal(prefixClass([0, 1, 0], first), "negative");
  const later = { completions: 3, threshold: 1 };
  assert.equal(prefixClass([1], later), "positive");
  assert.equal(prefixClass([0, 0], later), undefined);
  assert.equal(prefixClass([0, 0, 0], later), "negative");
  assert.equal(firstDraw(first), 2);
  assert.equal(firstDraw(later), 1);
  assert.equal(firstDraw({ completions: 5, threshold: 5 }), 1);
});
