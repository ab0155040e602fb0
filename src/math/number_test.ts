import assert from "node:assert/strict";
import {
  isDecimalRounding,
  parseNumber,
  rational,
  rationalToNumber,
  roundRational,
} from "./number.ts";

Deno.test("parseNumber() reads integers, decimals, fractions, mixed numbers and percentages", () => {
  assert.deepEqual(parseNumber("-12"), { value: { n: -12n, d: 1n }, percent: false });
  assert.deepEqual(parseNumber("0.250"), { value: { n: 1n, d: 4n }, decimals: 3, percent: false });
  assert.deepEqual(parseNumber("\\frac{6}{-4}")?.value, { n: -3n, d: 2n });
  assert.deepEqual(parseNumber("--3/6")?.value, { n: 1n, d: 2n });
  assert.deepEqual(parseNumber("12\\frac{3}{5}")?.value, { n: 63n, d: 5n });
  assert.deepEqual(parseNumber("50%"), { value: { n: 50n, d: 1n }, percent: true });
  assert.deepEqual(parseNumber("1.5\\times10^{3}")?.value, { n: 1500n, d: 1n });
  assert.deepEqual(parseNumber("2.5e-3"), {
    value: { n: 1n, d: 400n },
    decimals: 4,
    percent: false,
  });
});

Deno.test("parseNumber() rejects non-numbers, zero denominators and improper mixed numbers", () => {
  for (const text of ["x", "\\frac{1}{0}", "1/0", "2\\frac{5}{3}", "1e999", "", ".", "1..2"]) {
    assert.equal(parseNumber(text), undefined, text);
  }
  assert.equal(parseNumber("9".repeat(401)), undefined);
});

Deno.test("isDecimalRounding() needs correct rounding and 1e-4 relative error", () => {
  const third = rational(1n, 3n)!;
  assert.equal(isDecimalRounding(rational(3333n, 10000n)!, 4, third), true);
  assert.equal(isDecimalRounding(rational(33n, 100n)!, 2, third), false);
  assert.equal(isDecimalRounding(rational(3334n, 10000n)!, 4, third), false);
  assert.equal(isDecimalRounding(rational(99998n, 10n)!, 1, rational(10000n)!), false);
});

Deno.test("rationalToNumber() stays finite for huge numerators and denominators", () => {
  assert.equal(rationalToNumber(rational(1n, 4n)!), 0.25);
  const huge = rational(10n ** 400n + 1n, 2n * 10n ** 400n)!;
  assert.ok(Math.abs(rationalToNumber(huge) - 0.5) < 1e-12);
});

Deno.test("roundRational() rounds half away from zero to a number of places", () => {
  assert.equal(roundRational(rational(1n, 3n)!, 3), 333n);
  assert.equal(roundRational(rational(2n, 3n)!, 3), 667n);
  assert.equal(roundRational(rational(-5n, 1000n)!, 2), -1n);
  assert.equal(roundRational(rational(25n, 10n)!, 0), 3n);
});
