/**
 * The structure of a normalised answer: a number, a numeral in another base
 * (`52_8`), a multiple-choice letter, plain text, an expression for the symbolic
 * engine, an equation (or chain) with its left side's role (a label names the answer),
 * an inequality between expressions, or a collection (ordered tuple, unordered set or
 * list, interval, union, matrix) of those.
 *
 * @module
 */

import { PfpoError } from "../errors.ts";
import { evaluateMatrices } from "./matrix.ts";
import { type NumberLiteral, parseNumber } from "./number.ts";

/** The parsed form of an answer; `key` is its normalised text. */
export type Form =
  | { kind: "number"; key: string; literal: NumberLiteral }
  | { kind: "choice"; key: string; letter: string }
  | { kind: "infinity"; key: string; negative: boolean }
  | { kind: "base"; key: string; digits: string; base: number }
  | { kind: "text"; key: string; text: string }
  | { kind: "expression"; key: string }
  | { kind: "equation"; key: string; lhs: string; rhs: Form; label: boolean }
  | { kind: "relation"; key: string; relation: Relation }
  | { kind: "tuple"; key: string; items: Form[] }
  | {
    kind: "set";
    key: string;
    items: Form[];
    /** `1,22` and `1000,99` may also be one number written with a decimal comma. */
    decimalComma?: NumberLiteral;
  }
  | {
    kind: "interval";
    key: string;
    low: Form;
    high: Form;
    lowClosed: boolean;
    highClosed: boolean;
    /** The inequality the interval was written as (`x<3`), when it was one. */
    relation?: Relation;
  }
  | { kind: "union"; key: string; items: Form[] }
  | { kind: "matrix"; key: string; rows: Form[][] };

/** An inequality `lhs op rhs` with `op` one of `<`, `>`, `\leq`, `\geq`. */
export interface Relation {
  lhs: string;
  op: string;
  rhs: string;
}

/** Limits and mode of {@link parseForm}. */
export interface FormLimits {
  /** Most items in one collection; a larger one is an {@link FormError}. */
  maxItems: number;
  /** Approximations (`x \approx 11`) do not stand for their value. Default `false`. */
  strict?: boolean;
}

/** The answer is too large to judge within the limits (see {@link FormLimits}). */
export class FormError extends PfpoError {}

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

/**
 * Splits at top-level occurrences of `separator` (outside any bracket pair, where
 * `(`/`[` may close with either `)` or `]` as in `[1,2)`, and `\{…\}` counts).
 */
export function splitTopLevel(text: string, separator: RegExp, found?: string[]): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const sticky = new RegExp(separator.source, "y");
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (depth === 0) {
      sticky.lastIndex = i;
      const match = sticky.exec(text);
      if (match && match[0].length > 0) {
        found?.push(match[0]);
        parts.push(text.slice(start, i));
        start = i + match[0].length;
        i = start - 1;
        continue;
      }
    }
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "{") depth++;
      else if (next === "}") depth--;
      i++;
    } else if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
  }
  parts.push(text.slice(start));
  return parts;
}

/** Index of the bracket closing the one that opens `text`, or -1. */
function closingIndex(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "{") depth++;
      else if (next === "}") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    } else if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Encloses the whole text: `(…)`, `[…]`, `(…]`, `[…)`, `\\{…\\}` or `{…}`. */
function enclosing(
  text: string,
): { open: string; close: string; inner: string; escaped: boolean } | undefined {
  if (text.startsWith("\\{")) {
    return closingIndex(text) === text.length - 1 && text.endsWith("\\}")
      ? { open: "{", close: "}", inner: text.slice(2, -2), escaped: true }
      : undefined;
  }
  const [open, close] = [text[0], text[text.length - 1]];
  if (open === "{" ? close !== "}" : !"([".includes(open) || !")]".includes(close)) {
    return undefined;
  }
  if (closingIndex(text) !== text.length - 1) return undefined;
  return { open, close, inner: text.slice(1, -1), escaped: false };
}

const MATRIX = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[clr|]*\})?((?:(?!\\end\{).)*)\\end\{\1\}$/s;
const SIMPLE_NAME = /^(?:[A-Za-z](?:_\{?\w+\}?)?|[A-Za-z]\([A-Za-z]\))$/;
const FUNCTION_WORDS = /^(?:sin|cos|tan|sec|csc|cot|log|ln|exp|sqrt|pi|max|min|gcd|lcm|mod)$/;

function parseCollection(items: string[], limits: FormLimits): Form[] {
  if (items.length > limits.maxItems) {
    throw new FormError(`Answer has ${items.length} items, more than ${limits.maxItems}`);
  }
  return items.map((item) => parseForm(item.trim(), limits));
}

/**
 * The form of a normalised answer (see `normalizeAnswer`). Collections and
 * intervals parse their items recursively; anything not recognised as a number,
 * letter, text or structure is an expression for the symbolic engine.
 *
 * @example Points, sets and intervals
 * ```ts
 * import { parseForm } from "./forms.ts";
 * import assert from "node:assert";
 * const limits = { maxItems: 64 };
 * assert.equal(parseForm("(1,2)", limits).kind, "tuple");
 * assert.equal(parseForm("\\{1,2\\}", limits).kind, "set");
 * assert.equal(parseForm("[1,2)", limits).kind, "interval");
 * assert.equal(parseForm("x=5", limits).kind, "equation");
 * ```
 */
export function parseForm(key: string, limits: FormLimits): Form {
  const union = splitTopLevel(key, /\\cup/);
  if (union.length > 1) {
    const items = parseCollection(union, limits);
    // A union of finite sets is the set of all their elements.
    return items.every((item) => item.kind === "set")
      ? { kind: "set", key, items: items.flatMap((item) => item.kind === "set" ? item.items : []) }
      : { kind: "union", key, items };
  }

  const groups = splitTopLevel(key, /;/);
  if (groups.length > 1 && groups.every((group) => group.trim() !== "")) {
    return { kind: "set", key, items: parseCollection(groups, limits) };
  }

  const list = splitTopLevel(key, LIST_SEPARATOR);
  if (list.length > 1 && list.every((item) => item.trim() !== "")) {
    const decimalComma = list.length === 2 ? decimalCommaReading(key) : undefined;
    return { kind: "set", key, items: parseCollection(list, limits), decimalComma };
  }

  const plusMinus = splitTopLevel(key, /\\pm|\\mp/);
  if (plusMinus.length === 2) {
    const [left, right] = plusMinus;
    const items = left === "" ? [right, `-${right}`] : [`${left}+${right}`, `${left}-${right}`];
    return { kind: "set", key, items: parseCollection(items, limits) };
  }

  const choice = /^\(?([A-E])\)?$|^\(([a-e])\)$/.exec(key);
  if (choice) return { kind: "choice", key, letter: (choice[1] ?? choice[2]).toUpperCase() };
  const infinity = /^([-+]?)\\infty$/.exec(key);
  if (infinity) return { kind: "infinity", key, negative: infinity[1] === "-" };

  const brackets = enclosing(key);
  if (brackets) {
    const items = splitTopLevel(brackets.inner, /[,;]/);
    if (brackets.open === "{") {
      // `{5}` is a group; `\{5\}` and `{1,2}` are sets.
      if (items.length === 1 && !brackets.escaped) return parseForm(items[0], limits);
      return { kind: "set", key, items: parseCollection(items, limits) };
    }
    const round = brackets.open === "(" && brackets.close === ")";
    if (items.length === 2 && !round) {
      const [low, high] = parseCollection(items, limits);
      return {
        kind: "interval",
        key,
        low,
        high,
        lowClosed: brackets.open === "[",
        highClosed: brackets.close === "]",
      };
    }
    if (items.length === 1) return parseForm(items[0], limits);
    return { kind: "tuple", key, items: parseCollection(items, limits) };
  }

  const matrix = MATRIX.exec(key);
  if (matrix) {
    const lines = matrix[2].split(/\\\\/).filter((line) => line.trim() !== "");
    const rows = lines.map((line) => parseCollection(line.split("&"), limits));
    return { kind: "matrix", key, rows };
  }
  const product = evaluateMatrices(key);
  if (product) {
    return { kind: "matrix", key, rows: product.map((row) => parseCollection(row, limits)) };
  }

  const chain = parseChain(key, limits);
  if (chain) return chain;
  const inequality = parseInequality(key, limits);
  if (inequality) return inequality;
  const membership = splitTopLevel(key, /\\in(?![A-Za-z])/);
  if (membership.length === 2 && SIMPLE_NAME.test(membership[0])) {
    const rhs = parseForm(membership[1], limits);
    return { kind: "equation", key, lhs: membership[0], rhs, label: true };
  }

  const numeral = /^([0-9A-Za-z]+)_\{?(\d+)\}?$/.exec(key);
  if (numeral && /\d/.test(numeral[1])) {
    return { kind: "base", key, digits: numeral[1].toUpperCase(), base: Number(numeral[2]) };
  }

  const literal = parseNumber(key);
  if (literal) return { kind: "number", key, literal };

  if (isText(key)) return { kind: "text", key, text: key.toLowerCase() };
  return { kind: "expression", key };
}

/**
 * Separators of a list: commas (with an Oxford "and"/"or"), and "and"/"or" as words
 * or between brackets (`(11,7)or(7,11)`).
 */
const LIST_SEPARATOR =
  /,(?:(?:and|or) )?|\\text\{ ?(?:and|or) ?\}| and | or |(?<=[)\]}])(?:and|or)(?=[(\[\\{])/;

/**
 * `1,22`, `0,111` and `1000,99` read as one number with a decimal comma: digits, a
 * comma, then digits that cannot be a thousands group (not exactly three, or after a
 * leading `0` or four digits) and at least two of them, so that `-2,1` stays a list.
 */
function decimalCommaReading(key: string): NumberLiteral | undefined {
  const match = /^(-?)(\d+),(\d{2,})$/.exec(key);
  if (!match) return undefined;
  const [, sign, whole, fraction] = match;
  const thousands = fraction.length === 3 && whole.length <= 3 && whole[0] !== "0";
  return thousands ? undefined : parseNumber(`${sign}${whole}.${fraction}`);
}

/**
 * The left side of an equation that names the answer rather than constrains it: a
 * name with subscripts (`x`, `a_{37}`, `V_1`), a function value (`f(x)`), a tuple of
 * names (`(p,q)`), a length or ratio of names (`|AB|`, `AB`, `V_1:V_2`,
 * `\frac{NO}{BO}`), built from letters and naming commands only: no digits outside
 * subscripts and no arithmetic, so `7 = 11a+c` and `2x+z=1` are equations.
 */
export function isLabel(lhs: string): boolean {
  const bare = lhs.replace(/_(?:\{[^{}]*\}|[A-Za-z0-9])/g, "").replace(
    /\\([A-Za-z]+)/g,
    (_, name) => LABEL_COMMANDS.test(name) ? " " : "#",
  );
  return /[A-Za-z]/.test(bare) && /^[A-Za-z\s()|,:{}'/]+$/.test(bare);
}

const LABEL_COMMANDS =
  /^(?:frac|angle|measuredangle|overline|overrightarrow|vec|hat|widehat|bar|triangle|text|mathrm|mathbf|operatorname|alpha|beta|gamma|delta|theta|phi|varphi|lambda|mu|omega|rho|sigma)$/;

/**
 * An equation, or a chain of them (`x = 5+5+1 = 11`, `x \approx 11`): the value is
 * the member after the last `=` (approximations after it, as in `\frac{1}{3} \approx
 * 0.33`, do not count), or the last member when only `\approx` links them. A chain
 * whose first member is not a label reads as its value alone.
 */
function parseChain(key: string, limits: FormLimits): Form | undefined {
  const links: string[] = [];
  const members = splitTopLevel(key, /=|\\approx(?![A-Za-z])/, links);
  if (members.length < 2) return undefined;
  if (members.some((member) => member === "")) return undefined;
  const lastEquals = links.lastIndexOf("=");
  if (lastEquals === -1 && limits.strict) return undefined;
  const value = members[lastEquals === -1 ? members.length - 1 : lastEquals + 1];
  const lhs = members[0];
  const label = isLabel(lhs);
  // `\\frac{1}{2} = \\frac{10}{9}`: a number set equal to a constant is a step, not an equation.
  const step = !label && parseNumber(lhs) !== undefined &&
    !/[A-Za-z]/.test(value.replace(/\\[A-Za-z]+/g, ""));
  if (members.length === 2 && links[0] === "=" && !step) {
    return { kind: "equation", key, lhs, rhs: parseForm(value, limits), label };
  }
  const rhs = parseForm(value, limits);
  return label ? { kind: "equation", key, lhs, rhs, label } : rhs;
}

const NEGATIVE_INFINITY: Form = { kind: "infinity", key: "-\\infty", negative: true };
const POSITIVE_INFINITY: Form = { kind: "infinity", key: "\\infty", negative: false };

/**
 * An inequality on one variable as the interval it describes: `x<3` is
 * `(-\infty,3)`, `x\geq2` is `[2,\infty)`, `-1<x\leq3` is `(-1,3]`; any other
 * inequality between two expressions (`-x>-1`) as a relation.
 */
function parseInequality(key: string, limits: FormLimits): Form | undefined {
  const parts = key.split(/(\\leq|\\geq|<|>)/).map((part) => part.trim());
  const less = (op: string) => op === "<" || op === "\\leq";
  const absolute = parseAbsolute(key, parts, limits);
  if (absolute) return absolute;
  if (parts.length === 3) {
    const [left, op, right] = parts;
    if (left === "" || right === "") return undefined;
    const relation = { lhs: left, op, rhs: right };
    const variableLeft = SIMPLE_NAME.test(left);
    if (variableLeft === SIMPLE_NAME.test(right)) return { kind: "relation", key, relation };
    const bound = parseForm(variableLeft ? right : left, limits);
    const upper = less(op) === variableLeft;
    const closed = op.startsWith("\\");
    return upper
      ? {
        kind: "interval",
        key,
        low: NEGATIVE_INFINITY,
        high: bound,
        lowClosed: false,
        highClosed: closed,
        relation,
      }
      : {
        kind: "interval",
        key,
        low: bound,
        high: POSITIVE_INFINITY,
        lowClosed: closed,
        highClosed: false,
        relation,
      };
  }
  if (parts.length === 5 && SIMPLE_NAME.test(parts[2]) && less(parts[1]) === less(parts[3])) {
    const ascending = less(parts[1]);
    const [low, high] = ascending ? [parts[0], parts[4]] : [parts[4], parts[0]];
    const [lowOp, highOp] = ascending ? [parts[1], parts[3]] : [parts[3], parts[1]];
    return {
      kind: "interval",
      key,
      low: parseForm(low, limits),
      high: parseForm(high, limits),
      lowClosed: lowOp.startsWith("\\"),
      highClosed: highOp.startsWith("\\"),
    };
  }
  return undefined;
}

const ABSOLUTE = /^\|([A-Za-z](?:_\{?\w+\}?)?)\|$/;

/** `-b` for a bound `b`. */
function negated(bound: string): string {
  return /^-[^-+]*$/.test(bound)
    ? bound.slice(1)
    : /^[^-+]*$/.test(bound)
    ? `-${bound}`
    : `-(${bound})`;
}

function interval(
  key: string,
  [low, high]: [Form, Form],
  [lowClosed, highClosed]: [boolean, boolean],
): Form {
  return { kind: "interval", key, low, high, lowClosed, highClosed };
}

/**
 * An inequality on the absolute value of one variable as the set it describes:
 * `|x|<3` is `(-3,3)`, `|x|\geq2` is `(-\infty,-2]\cup[2,\infty)`, `1\leq|z|\leq2` is
 * `[-2,-1]\cup[1,2]`.
 */
function parseAbsolute(key: string, parts: string[], limits: FormLimits): Form | undefined {
  const less = (op: string) => op === "<" || op === "\\leq";
  const closed = (op: string) => op.startsWith("\\");
  const bound = (text: string) => parseForm(text, limits);
  if (parts.length === 3 && (ABSOLUTE.test(parts[0]) !== ABSOLUTE.test(parts[2]))) {
    const absoluteLeft = ABSOLUTE.test(parts[0]);
    const [op, limit] = absoluteLeft ? [parts[1], parts[2]] : [parts[1], parts[0]];
    const below = less(op) === absoluteLeft;
    const [low, high] = [bound(negated(limit)), bound(limit)];
    if (below) return interval(key, [low, high], [closed(op), closed(op)]);
    const items = [
      interval(`${key}<`, [NEGATIVE_INFINITY, low], [false, closed(op)]),
      interval(`${key}>`, [high, POSITIVE_INFINITY], [closed(op), false]),
    ];
    return { kind: "union", key, items };
  }
  if (parts.length === 5 && ABSOLUTE.test(parts[2]) && less(parts[1]) === less(parts[3])) {
    const ascending = less(parts[1]);
    const [inner, outer] = ascending ? [parts[0], parts[4]] : [parts[4], parts[0]];
    const [innerOp, outerOp] = ascending ? [parts[1], parts[3]] : [parts[3], parts[1]];
    const items = [
      interval(`${key}-`, [bound(negated(outer)), bound(negated(inner))], [
        closed(outerOp),
        closed(innerOp),
      ]),
      interval(`${key}+`, [bound(inner), bound(outer)], [closed(innerOp), closed(outerOp)]),
    ];
    return { kind: "union", key, items };
  }
  return undefined;
}

/**
 * Plain words (`Evelyn`, `odd`, `no solution`), not a product of variables: letters
 * and spaces only, every word at least two letters and one at least three, no
 * function name.
 */
function isText(key: string): boolean {
  if (!/^[A-Za-z][A-Za-z' ]*[A-Za-z]$/.test(key)) return false;
  const words = key.split(" ");
  if (words.some((word) => word.length < 2 || FUNCTION_WORDS.test(word))) return false;
  return words.some((word) => word.length >= 3);
}
