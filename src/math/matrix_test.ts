import assert from "node:assert/strict";
import { evaluateMatrices } from "./matrix.ts";

const m = (rows: string) => `\\begin{pmatrix}${rows}\\end{pmatrix}`;

Deno.test("evaluateMatrices() adds, subtracts and multiplies number matrices, products first", () => {
  assert.deepEqual(evaluateMatrices(`${m("1&2\\\\3&4")}+${m("5&6\\\\7&8")}`), [["6", "8"], [
    "10",
    "12",
  ]]);
  assert.deepEqual(evaluateMatrices(`${m("1&2\\\\3&4")} ${m("0&1\\\\1&0")}`), [["2", "1"], [
    "4",
    "3",
  ]]);
  assert.deepEqual(
    evaluateMatrices(`${m("1&0\\\\0&1")}-${m("1&2\\\\3&4")}\\cdot${m("1&0\\\\0&1")}`),
    [
      ["0", "-2"],
      ["-3", "-3"],
    ],
  );
  assert.deepEqual(evaluateMatrices(`${m("\\frac{1}{2}")}+${m("\\frac{1}{3}")}`), [[
    "\\frac{5}{6}",
  ]]);
});

Deno.test("evaluateMatrices() leaves single matrices, symbols and mismatched shapes alone", () => {
  assert.equal(evaluateMatrices(m("1&2")), undefined);
  assert.equal(evaluateMatrices(`${m("x&2")}+${m("1&2")}`), undefined);
  assert.equal(evaluateMatrices(`${m("1&2")}+${m("1\\\\2")}`), undefined);
  assert.equal(evaluateMatrices(`${m("1&2")}${m("1&2")}`), undefined);
  assert.equal(evaluateMatrices(`${m("1&2")}+x`), undefined);
});

Deno.test("evaluateMatrices() multiplies a matrix by a number written before it", () => {
  assert.deepEqual(evaluateMatrices(`2${m("1&2")}`), [["2", "4"]]);
  assert.deepEqual(evaluateMatrices(`\\frac{1}{2}\\cdot${m("1&2")}+${m("1&1")}`), [[
    "\\frac{3}{2}",
    "2",
  ]]);
  assert.deepEqual(evaluateMatrices(`-3${m("1\\\\0")}`), [["-3"], ["0"]]);
});
