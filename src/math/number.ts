/**
 * Exact number literals of answers: integers, decimals, fractions in LaTeX or `a/b`
 * spelling, mixed numbers, scientific notation and percentages, as exact rationals
 * over `bigint`, plus the tolerance rule for a decimal written in place of an exact
 * value.
 *
 * @module
 */

/** An exact rational `n / d` in lowest terms with `d > 0`. */
export interface Rational {
  n: bigint;
  d: bigint;
}

/** A number literal of an answer. */
export interface NumberLiteral {
  /** Its exact value as written (`50%` is 50, not 1/2). */
  value: Rational;
  /** How many digits it has after the decimal point, when written as a decimal. */
  decimals?: number;
  /** Written with a percent sign. */
  percent: boolean;
}

/** Longest digit string and largest power of ten parsed exactly; beyond, the engine decides. */
const MAX_DIGITS = 400;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The rational `n / d` in lowest terms; `undefined` when `d` is zero. */
export function rational(n: bigint, d: bigint = 1n): Rational | undefined {
  if (d === 0n) return undefined;
  const sign = d < 0n ? -1n : 1n;
  const g = gcd(n, d) || 1n;
  return { n: (sign * n) / g, d: (sign * d) / g };
}

/** The product of two rationals. */
export function rationalMultiply(a: Rational, b: Rational): Rational {
  return rational(a.n * b.n, a.d * b.d)!;
}

/** The sum of two rationals. */
export function rationalAdd(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d + b.n * a.d, a.d * b.d)!;
}

/** A rational as a LaTeX number: `3`, `-\\frac{1}{2}`. */
export function rationalToLatex(r: Rational): string {
  if (r.d === 1n) return r.n.toString();
  const sign = r.n < 0n ? "-" : "";
  return `${sign}\\frac{${r.n < 0n ? -r.n : r.n}}{${r.d}}`;
}

/**
 * `r` rounded half away from zero to `digits` decimal places, as the integer
 * `round(r × 10^digits)`.
 */
export function roundRational(r: Rational, digits: number): bigint {
  const scaled = r.n * 10n ** BigInt(digits);
  const doubled = 2n * (scaled < 0n ? -scaled : scaled) + r.d;
  const rounded = doubled / (2n * r.d);
  return scaled < 0n ? -rounded : rounded;
}

/** Whether two rationals are equal. */
export function rationalEquals(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

/** The nearest double to a rational. */
export function rationalToNumber(r: Rational): number {
  const n = Number(r.n);
  const d = Number(r.d);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Scale both down to keep the quotient in range.
  const shift = BigInt(Math.max(r.n.toString().length, r.d.toString().length) - 300);
  const scale = 10n ** (shift > 0n ? shift : 0n);
  return Number(r.n / scale) / Number(r.d / scale || 1n);
}

/** `\frac{a}{b}` or `\frac ab` is handled by the caller; this is one unsigned decimal. */
const DECIMAL = /^(\d*)(?:\.(\d*))?$/;

interface Decimal {
  value: Rational;
  decimals?: number;
}

function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text);
  if (!match || text === "" || text === "." || text.length > MAX_DIGITS) return undefined;
  const whole = match[1] || "0";
  const fraction = match[2] ?? "";
  const value = rational(BigInt(whole + fraction), 10n ** BigInt(fraction.length))!;
  return fraction.length > 0 ? { value, decimals: fraction.length } : { value };
}

function withExponent(base: Decimal, exponent: string): Decimal | undefined {
  const power = Number(exponent);
  if (!Number.isInteger(power) || Math.abs(power) > MAX_DIGITS) return undefined;
  const scale = power >= 0 ? rational(10n ** BigInt(power))! : rational(1n, 10n ** BigInt(-power))!;
  const decimals = base.decimals === undefined ? undefined : Math.max(0, base.decimals - power);
  return { value: rationalMultiply(base.value, scale), decimals: decimals || undefined };
}

/** An unsigned decimal with optional scientific exponent: `1.5e3`, `1.5\times10^{3}`. */
function parseScientific(text: string): Decimal | undefined {
  const match = /^([\d.]+)(?:e([-+]?\d+)|\\(?:times|cdot)10\^(?:\{([-+]?\d+)\}|(\d)))?$/i.exec(
    text,
  );
  if (!match) return undefined;
  const base = parseDecimal(match[1]);
  if (!base) return undefined;
  const exponent = match[2] ?? match[3] ?? match[4];
  return exponent === undefined ? base : withExponent(base, exponent);
}

function signed(text: string): { negative: boolean; rest: string } {
  let negative = false;
  let rest = text;
  while (/^[-+]/.test(rest)) {
    if (rest[0] === "-") negative = !negative;
    rest = rest.slice(1);
  }
  return { negative, rest };
}

function negate(r: Rational, negative: boolean): Rational {
  return negative ? { n: -r.n, d: r.d } : r;
}

function parseSignedDecimal(text: string): Rational | undefined {
  const { negative, rest } = signed(text);
  const decimal = parseScientific(rest);
  return decimal && negate(decimal.value, negative);
}

/**
 * Parses a number literal of a normalised answer (see `normalizeAnswer`):
 * `-12`, `0.25`, `1.5e3`, `1.5\times10^{3}`, `\frac{3}{4}`, `\frac{-3}{4}`, `3/4`,
 * `12\frac{3}{5}` (a mixed number, 12 + 3/5), `50%`. Anything else (or a zero
 * denominator, or more than 400 digits) gives `undefined`.
 *
 * @example Literals and their exact values
 * ```ts
 * import { parseNumber } from "./number.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseNumber("12\\frac{3}{5}")?.value, { n: 63n, d: 5n });
 * assert.equal(parseNumber("0.250")?.decimals, 3);
 * assert.equal(parseNumber("x+1"), undefined);
 * ```
 */
export function parseNumber(text: string): NumberLiteral | undefined {
  const percent = text.endsWith("%");
  const body = percent ? text.slice(0, -1) : text;
  const { negative, rest } = signed(body);
  const literal = parseUnsigned(rest);
  if (!literal) return undefined;
  return { ...literal, value: negate(literal.value, negative), percent };
}

function parseUnsigned(text: string): Decimal | undefined {
  const scientific = parseScientific(text);
  if (scientific) return scientific;
  const frac = /^(\d*)\\frac\{([^{}]+)\}\{([^{}]+)\}$/.exec(text);
  if (frac) {
    const numerator = parseSignedDecimal(frac[2]);
    const denominator = parseSignedDecimal(frac[3]);
    if (!numerator || !denominator || denominator.n === 0n) return undefined;
    const value = rational(numerator.n * denominator.d, numerator.d * denominator.n)!;
    if (frac[1] === "") return { value };
    // A mixed number: only with a positive proper fraction, as in 12\frac{3}{5}.
    if (value.n < 0n || value.n >= value.d) return undefined;
    return { value: rationalAdd(rational(BigInt(frac[1]))!, value) };
  }
  const slash = /^([\d.]+)\/([\d.]+)$/.exec(text);
  if (slash) {
    const numerator = parseSignedDecimal(slash[1]);
    const denominator = parseSignedDecimal(slash[2]);
    if (!numerator || !denominator || denominator.n === 0n) return undefined;
    return { value: rational(numerator.n * denominator.d, numerator.d * denominator.n)! };
  }
  return undefined;
}

function abs(r: Rational): Rational {
  return r.n < 0n ? { n: -r.n, d: r.d } : r;
}

function compareRational(a: Rational, b: Rational): number {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Largest relative error accepted for a decimal written in place of an exact value. */
export const DECIMAL_RELATIVE_TOLERANCE = 1e-4;

/**
 * Whether a decimal with `decimals` digits after the point is an acceptable
 * rounding of the exact value `exact`: it must be `exact` rounded to that many
 * digits (error at most half a unit in the last place) and within a relative error
 * of 1e-4. `0.3333` and `0.33333` stand for 1/3; `0.33` and `9999.857142857143`
 * (for 10000) do not.
 */
export function isDecimalRounding(decimal: Rational, decimals: number, exact: Rational): boolean {
  const error = abs(rationalAdd(decimal, { n: -exact.n, d: exact.d }));
  const halfUnit = rational(5n, 10n ** BigInt(decimals + 1))!;
  if (compareRational(error, halfUnit) > 0) return false;
  return compareRational(rationalMultiply(error, rational(10000n)!), abs(exact)) <= 0;
}

/**
 * The float version of {@link isDecimalRounding}, for an exact value known only as
 * a double (a radical, π). A few units of float error are allowed on the bound.
 */
export function isDecimalRoundingOf(decimal: number, decimals: number, exact: number): boolean {
  const error = Math.abs(decimal - exact);
  const slack = 1e-12 * Math.max(1, Math.abs(exact));
  return error <= 0.5 * 10 ** -decimals + slack &&
    error <= DECIMAL_RELATIVE_TOLERANCE * Math.abs(exact) + slack;
}
