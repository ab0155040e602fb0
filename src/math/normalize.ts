/**
 * String normalisation of a LaTeX answer: removes what never changes its meaning
 * (delimiters, `\boxed`, `\left`/`\right`, spacing commands, `\dfrac`, degree
 * signs, thousands separators, trailing units in `\text{}`), so that most equal
 * answers already compare equal as strings.
 *
 * @module
 */

import { braceGroup } from "./latex_scan.ts";

/** Options of {@link normalizeAnswer}. */
export interface NormalizeOptions {
  /**
   * Keep trailing units: `5\text{ cm}` stays `5 cm` (by default units are dropped,
   * `5`). Default `false`.
   */
  strict?: boolean;
}

/**
 * Marks a comma followed by a real space between digits while the spacing is
 * normalised: it separates list items (`32, 349` is two numbers, never thirty-two
 * thousand), unlike LaTeX spacing after a comma (`10,\\!080`).
 */
const LIST_COMMA = "\ue000";

/** Replacements applied to the raw answer first: list commas marked, ASCII relations. */
const RAW: [RegExp, string][] = [
  [/(\d),[ \t]+(?=\d)/g, `$1,${LIST_COMMA}`],
  [/<=/g, "\\leq "],
  [/>=/g, "\\geq "],
  [/!=/g, "\\neq "],
  // Doubly escaped commands (`\\\\frac`, from text escaped twice) where a line break cannot be meant.
  [
    /\\\\(?=(?:[dt]?frac|sqrt|left|right|boxed|text|pi|cdot|times|infty|leq|geq|neq)(?![A-Za-z]))/g,
    "\\",
  ],
];

/** Plain replacements, applied in order. */
const REPLACEMENTS: [RegExp, string][] = [
  [/(\\[A-Za-z]+)\s+(?=\{)/g, "$1"],
  [/\\[dtc]frac(?![A-Za-z])/g, "\\frac"],
  [/\\[dt]binom(?![A-Za-z])/g, "\\binom"],
  [/\\(?:left|right)(?:\.|(?![A-Za-z]))/g, ""],
  [/\\(?:[bB]ig{1,2}[lrm]?)(?![A-Za-z])/g, ""],
  [/\\(?:displaystyle|textstyle|limits)(?![A-Za-z])/g, ""],
  [/\\(?:lbrace)(?![A-Za-z])/g, "\\{"],
  [/\\(?:rbrace)(?![A-Za-z])/g, "\\}"],
  [/(?<!\\)\\(?:[!,:; ]|q?quad)|~/g, " "],
  [/\\le(?![A-Za-z])|≤/g, "\\leq"],
  [/\\ge(?![A-Za-z])|≥/g, "\\geq"],
  [/\\ne(?![A-Za-z])|≠/g, "\\neq"],
  [/\\varnothing(?![A-Za-z])|^\\\{\s*\\\}$/g, "\\emptyset"],
  [/^\s*(?:\\approx|\\sim|≈)/, ""],
  [/≈/g, "\\approx "],
  [/\\lt(?![A-Za-z])/g, "<"],
  [/\\gt(?![A-Za-z])/g, ">"],
  [/−/g, "-"],
  [/×/g, "\\times "],
  [/·/g, "\\cdot "],
  [/π/g, "\\pi "],
  [/∞/g, "\\infty "],
  [/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![A-Za-z])|°|\\degree(?![A-Za-z])/g, ""],
  [/\\%|\\text\{\s*%\s*\}/g, "%"],
  [/(\d)\s*(?:\\(?:text|mbox|textnormal|mathrm)\{\s*)?(?:percentage|percent|pct)\b\s*\}?/g, "$1%"],
  [/\\\$|\$|[€£¥₹]/g, ""],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/\{\s*,\s*\}/g, ""],
  [/\\(?:mbox|textbf|textit|textrm|textsf|texttt|textnormal|mathrm|mathit|mathbf)\{/g, "\\text{"],
];

/** Outer wrappers removed whole: `$…$`, `\(…\)`, `\[…\]`. */
const DELIMITERS: RegExp[] = [
  /^\$+(.*?)\$+$/s,
  /^\\\((.*)\\\)$/s,
  /^\\\[(.*)\\\]$/s,
];

function unwrap(text: string): string {
  let out = text.trim();
  for (let changed = true; changed;) {
    const before = out;
    for (const delimiter of DELIMITERS) out = out.replace(delimiter, "$1").trim();
    const box = /^\\(?:boxed|fbox)\s*(?=\{)/.exec(out);
    if (box) {
      const group = braceGroup(out, box[0].length);
      if (group && group.end === out.length) out = group.content.trim();
    }
    changed = out !== before;
  }
  return out;
}

/** `\frac12` → `\frac{1}{2}`, `\sqrt3` → `\sqrt{3}`: single-character arguments braced. */
function braceShortArguments(text: string): string {
  return text
    .replace(/\\frac\s*(\d)\s*(\d)/g, "\\frac{$1}{$2}")
    .replace(/\\frac\s*(\d)\s*(?=\{)/g, "\\frac{$1}")
    .replace(/\\frac(\{[^{}]*\})\s*(\d)/g, "\\frac$1{$2}")
    .replace(/\\sqrt\s*(\d+|[A-Za-z])(?![A-Za-z])/g, "\\sqrt{$1}");
}

/**
 * Drops a trailing unit: `\text{ cm}^2`, `\text{dollars}` after a value, or plain
 * words after a number (`18 dollars`, `5 cm`). A `\text{}` that is the whole answer
 * stays.
 */
function dropUnits(text: string): string {
  let out = text;
  for (let changed = true; changed;) {
    const before = out;
    const unit = /^(.*?[\w})\]])\s*\\text\{\s*[A-Za-z][^{}]*\}(?:\s*\^\{?\d\}?)?$/s.exec(out);
    if (unit) out = unit[1].trim();
    const words = /^([-+]?[\d.,]*\d%?)\s+[A-Za-z]{2,}[A-Za-z\s.]*(?:\^\{?\d\}?)?$/.exec(out);
    if (words) out = words[1];
    changed = out !== before;
  }
  return out;
}

/** `\text{X}` → `X` everywhere. */
function unwrapText(text: string): string {
  let out = "";
  let i = 0;
  for (const match of text.matchAll(/\\text\s*(?=\{)/g)) {
    if (match.index < i) continue;
    const group = braceGroup(text, match.index + match[0].length);
    if (!group) continue;
    out += text.slice(i, match.index) + group.content;
    i = group.end;
  }
  return out + text.slice(i);
}

/**
 * Whitespace: kept (as one space) only between two letters or digits, where it
 * separates words or factors; dropped elsewhere. Digit groups separated by a space
 * (`10 000`, from `10\,000`) are joined.
 */
function squeezeSpaces(text: string): string {
  return text
    .replace(/(\d)\s+(?=\d{3}(?!\d))/g, "$1")
    .replace(/\s+/g, " ")
    .replace(/ (?![A-Za-z0-9])|(?<![A-Za-z0-9]) /g, "")
    .trim();
}

/** Thousands separators: groups of three after a leading group of one to three digits, not `0`. */
const THOUSANDS = /^([-+]?(?:[1-9]\d{0,2})(?:,\d{3})+)(\.\d+)?(%?)$/;

/**
 * Normalises a LaTeX answer to a canonical string. Two answers with the same
 * normal form are equivalent; the converse needs {@link isEquivalent}.
 *
 * Removes math delimiters and an outer `\boxed{}`, `\left`/`\right` and sizing
 * commands, spacing commands and spaces between non-letters, `\$`, degree signs,
 * trailing units (`\text{ cm}`, `18 dollars`), `\text{…}` wrappers (keeping their
 * content), thousands separators (`10{,}000`, `50,625`), trailing punctuation; and
 * spells `\dfrac`/`\tfrac` as `\frac`, `\le` as `\leq`, `\%` as `%`, `\frac12` as
 * `\frac{1}{2}`.
 *
 * @example Spellings of the same answer
 * ```ts
 * import { normalizeAnswer } from "./normalize.ts";
 * import assert from "node:assert";
 * assert.equal(normalizeAnswer("$\\boxed{\\dfrac{1}{2}}$"), "\\frac{1}{2}");
 * assert.equal(normalizeAnswer("10{,}000"), "10000");
 * assert.equal(normalizeAnswer("\\left( 3, \\frac{\\pi}{2} \\right)"), "(3,\\frac{\\pi}{2})");
 * assert.equal(normalizeAnswer("90^\\circ"), "90");
 * ```
 */
export function normalizeAnswer(answer: string, options: NormalizeOptions = {}): string {
  let out = unwrap(answer);
  for (const [pattern, replacement] of RAW) out = out.replace(pattern, replacement);
  for (const [pattern, replacement] of REPLACEMENTS) out = out.replace(pattern, replacement);
  out = unwrap(out);
  out = options.strict ? unwrapText(out.trim()) : dropUnits(unwrapText(dropUnits(out.trim())));
  out = braceShortArguments(out);
  out = squeezeSpaces(out);
  out = out.replace(/^([-+]?)\.(?=\d)/, "$10.").replace(/(\d)\.(?=%?$)/, "$1");
  out = out.replace(/^[,;:]+|[.,;:]+$/g, "");
  const thousands = THOUSANDS.exec(out);
  if (thousands) out = thousands[1].replace(/,/g, "") + (thousands[2] ?? "") + thousands[3];
  return out.replaceAll(LIST_COMMA, " ");
}
