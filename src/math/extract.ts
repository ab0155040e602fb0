/**
 * Final-answer extraction from a written solution: the last `\boxed{…}` (or
 * `\fbox{…}`), else an answer phrase ("The answer is …", "Final answer: …", GSM8K's
 * `#### 18` and `A: 18`), else — only for numeric answers — the last number.
 *
 * @module
 */

import { braceGroup } from "./latex_scan.ts";

/** Options of {@link extractAnswer}. */
export interface ExtractOptions {
  /**
   * The answer is known to be a number: when no box or answer phrase is found, fall
   * back to the last number in the text (GSM8K). Default `false`.
   */
  numeric?: boolean;
}

const BOX_COMMANDS = /\\(?:boxed|fbox)(?![A-Za-z])/g;

/** A box found in the text: its content and where it starts and ends. */
interface Box {
  content: string;
  start: number;
  end: number;
}

function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  for (const match of text.matchAll(BOX_COMMANDS)) {
    const start = match.index;
    let i = start + match[0].length;
    while (text[i] === " ") i++;
    if (text[i] === "{") {
      const group = braceGroup(text, i);
      if (group) boxes.push({ content: group.content, start, end: group.end });
    } else if (i > start + match[0].length) {
      // `\boxed 5`: the box holds the next token.
      const token = /^[^\s$]+/.exec(text.slice(i));
      if (token) boxes.push({ content: token[0], start, end: i + token[0].length });
    }
  }
  return boxes;
}

/** Text allowed between two boxes that together make one answer (`\boxed{2}, \boxed{3}`). */
const BOX_JOINER = /^(?:\s|\$|\\[()[\]]|,|;|&|\\quad|\\text\{\s*and\s*\}|\band\b)*$/;

function fromBoxes(text: string, boxes: Box[]): string {
  let first = boxes.length - 1;
  while (first > 0) {
    const between = text.slice(boxes[first - 1].end, boxes[first].start);
    if (!/,|\band\b/.test(between) || !BOX_JOINER.test(between)) break;
    first--;
  }
  return boxes.slice(first).map((box) => cleanAnswer(box.content)).join(", ");
}

/**
 * Answer phrases, most specific first; each captures the rest of its line. The last
 * occurrence in the text wins.
 */
const PHRASES: RegExp[] = [
  /^#### *(.+)$/gm,
  /final answer\**\s*(?:is|:)\s*:?\s*(?:the final answer is\s*:?\s*)?(.+)$/gim,
  /the answer is\s*:?\s*(.+)$/gim,
  /^\s*(?:A|Answer)\s*:\s*(.+)$/gm,
];

function fromPhrases(text: string): string | undefined {
  for (const phrase of PHRASES) {
    let last: string | undefined;
    for (const match of text.matchAll(phrase)) last = match[1];
    if (last === undefined) continue;
    const answer = cleanAnswer(cutSentence(last));
    if (answer) return answer;
  }
  return undefined;
}

/** Cuts a phrase's capture at the end of its sentence (a period not inside a number). */
function cutSentence(text: string): string {
  const end = /\.(?=\s|$)(?!\d)/.exec(text);
  const sentence = end ? text.slice(0, end.index) : text;
  return sentence.replace(/\s+(?:I hope it is correct|\(.*?\))\s*$/i, "");
}

/** A number: optional sign, digits with optional thousands commas, optional decimals. */
const NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+/g;

function lastNumber(text: string): string | undefined {
  // GSM8K calculator annotations `<<3*4=12>>` repeat the number that follows them.
  const plain = text.replace(/<<[^>]*>>/g, "");
  let last: string | undefined;
  for (const match of plain.matchAll(NUMBER)) last = match[0];
  return last?.replace(/,/g, "");
}

/**
 * Strips what surrounds an answer without changing it: math delimiters (`$…$`,
 * `\(…\)`, `\[…\]`), markdown bold, and trailing punctuation.
 */
function cleanAnswer(answer: string): string {
  let out = answer.trim();
  for (let changed = true; changed;) {
    const before = out;
    out = out.replace(/^\*\*|\*\*$/g, "").trim();
    out = out.replace(/[.,;:!]+$/, "").trim();
    out = out.replace(/^\$+(.*?)\$+$/s, "$1").trim();
    out = out.replace(/^\\\((.*)\\\)$/s, "$1").trim();
    out = out.replace(/^\\\[(.*)\\\]$/s, "$1").trim();
    changed = out !== before;
  }
  return out;
}

/**
 * Returns the final answer of a solution, or `undefined` when it states none.
 *
 * In order: the last `\boxed{…}`/`\fbox{…}` with balanced braces (boxes joined by
 * "and" or commas at the end, as in `\boxed{2} and \boxed{3}`, are returned together
 * as `2, 3`); otherwise the last answer phrase (`#### 18`, `Final answer: …`,
 * `The answer is …`, a line starting `A: ` or `Answer: `), cut at the end of its
 * sentence; otherwise, with `numeric: true`, the last number in the text (GSM8K
 * calculator annotations `<<…>>` skipped, thousands commas removed). Math delimiters
 * and trailing punctuation around the answer are removed; units and `\text{}` stay
 * for {@link isEquivalent} to judge.
 *
 * @example Take the last box, or the GSM8K answer line
 * ```ts
 * import { extractAnswer } from "./extract.ts";
 * import assert from "node:assert";
 * assert.equal(extractAnswer("So $x = \\boxed{\\frac{1}{2}}$."), "\\frac{1}{2}");
 * assert.equal(extractAnswer("She pays 9 * 2 = $18.\n#### 18"), "18");
 * assert.equal(extractAnswer("It costs 5 + 7 = 12 dollars.", { numeric: true }), "12");
 * assert.equal(extractAnswer("No answer here."), undefined);
 * ```
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): string | undefined {
  const boxes = findBoxes(text);
  if (boxes.length > 0) {
    const answer = fromBoxes(text, boxes);
    if (answer) return answer;
  }
  const phrase = fromPhrases(text);
  if (phrase !== undefined) return phrase;
  return options.numeric ? lastNumber(text) : undefined;
}
