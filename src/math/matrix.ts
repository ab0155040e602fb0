/**
 * Simple matrix arithmetic in an answer: sums, differences, products and multiples
 * of matrices with number entries (`\begin{pmatrix}1&2\\3&4\end{pmatrix} +
 * \begin{pmatrix}5&6\\7&8\end{pmatrix}`), evaluated exactly.
 *
 * @module
 */

import {
  parseNumber,
  type Rational,
  rational,
  rationalAdd,
  rationalMultiply,
  rationalToLatex,
} from "./number.ts";

const MATRIX = /\\begin\{([pbBvV]?matrix|array)\}(?:\{[clr|]*\})?(.*?)\\end\{\1\}/sy;
const OPERATOR = /\s*(\+|-|\\cdot|\\times|)\s*/y;
/** A number multiplying the matrix that follows it: `2`, `-\\frac{1}{2}`, `3\\cdot`. */
const SCALAR = /(-?(?:\d+(?:\.\d+)?|\\frac\{\d+\}\{\d+\}))\s*(?:\\cdot|\\times)?\s*(?=\\begin)/y;

type Matrix = Rational[][];

function readMatrix(body: string): Matrix | undefined {
  const rows = body.split(/\\\\/).filter((line) => line.trim() !== "");
  const matrix: Matrix = [];
  for (const row of rows) {
    const cells: Rational[] = [];
    for (const cell of row.split("&")) {
      const literal = parseNumber(cell.trim());
      if (!literal || literal.percent) return undefined;
      cells.push(literal.value);
    }
    matrix.push(cells);
  }
  const width = matrix[0]?.length;
  return width && matrix.every((row) => row.length === width) ? matrix : undefined;
}

function combine(a: Matrix, b: Matrix, sign: bigint): Matrix | undefined {
  if (a.length !== b.length || a[0].length !== b[0].length) return undefined;
  return a.map((row, i) =>
    row.map((x, j) => rationalAdd(x, { n: sign * b[i][j].n, d: b[i][j].d }))
  );
}

function multiply(a: Matrix, b: Matrix): Matrix | undefined {
  if (a[0].length !== b.length) return undefined;
  return a.map((row) =>
    b[0].map((_, j) =>
      row.reduce((sum, x, k) => rationalAdd(sum, rationalMultiply(x, b[k][j])), rational(0n)!)
    )
  );
}

/**
 * The entries (as LaTeX numbers) of a sum, difference or product of number matrices,
 * each possibly times a number (`2\begin{pmatrix}…\end{pmatrix}`), products first;
 * `undefined` when `key` is a single matrix or anything else, or the shapes do not fit.
 *
 * @example
 * ```ts
 * import { evaluateMatrices } from "./matrix.ts";
 * import assert from "node:assert";
 * const sum = "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}+\\begin{pmatrix}5&6\\\\7&8\\end{pmatrix}";
 * assert.deepEqual(evaluateMatrices(sum), [["6", "8"], ["10", "12"]]);
 * ```
 */
export function evaluateMatrices(key: string): string[][] | undefined {
  const terms: { sign: bigint; factors: Matrix[] }[] = [];
  let i = 0;
  let operator = "+";
  let count = 0;
  while (i < key.length) {
    SCALAR.lastIndex = i;
    const scalar = SCALAR.exec(key);
    const factor = scalar ? parseNumber(scalar[1])?.value : undefined;
    if (scalar) {
      if (!factor) return undefined;
      i = SCALAR.lastIndex;
      count++;
    }
    MATRIX.lastIndex = i;
    const match = MATRIX.exec(key);
    if (!match) return undefined;
    const read = readMatrix(match[2]);
    if (!read) return undefined;
    const matrix = factor ? read.map((row) => row.map((x) => rationalMultiply(factor, x))) : read;
    count++;
    if (operator === "+" || operator === "-") {
      terms.push({ sign: operator === "-" ? -1n : 1n, factors: [matrix] });
    } else terms[terms.length - 1].factors.push(matrix);
    i = MATRIX.lastIndex;
    if (i === key.length) break;
    OPERATOR.lastIndex = i;
    const next = OPERATOR.exec(key)!;
    operator = next[1];
    i = OPERATOR.lastIndex;
  }
  if (count < 2) return undefined;
  let total: Matrix | undefined;
  for (const term of terms) {
    let product: Matrix | undefined = term.factors[0];
    for (const factor of term.factors.slice(1)) product = product && multiply(product, factor);
    if (!product) return undefined;
    total = total
      ? combine(total, product, term.sign)
      : combine(product.map((row) => row.map(() => rational(0n)!)), product, term.sign);
    if (!total) return undefined;
  }
  return total?.map((row) => row.map(rationalToLatex));
}
