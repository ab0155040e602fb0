/**
 * Final-answer extraction from a written solution: the last `\boxed{…}` (or
 * `\fbox{…}`, with boxes listed together joined), unless an answer phrase follows
 * it; else an answer phrase ("The answer is …", "Final answer: …", GSM8K's `#### 18`
 * and `A: 18`); else, when asked, the answer stated in prose (a bare answer, the last
 * inline math, the last number).
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
  /**
   * The text may state its answer without a box or an answer phrase: a text with no
   * prose is the answer itself (`2\sqrt{3}`, `28 percent`); otherwise the last
   * inline or display math (consecutive ones joined by commas, "and" or "or") or the
   * last number, whichever comes later. Default `false`: for voting, a solution that
   * states no answer does not vote.
   */
  prose?: boolean;
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

/**
 * Whether the text between two boxes lists them as one answer: nothing, or commas,
 * semicolons, "and", math delimiters, `\quad` and at most three other short words
 * (`\boxed{1} papers and \boxed{2} bins`, `\boxed{(3,3)} \text{ for part (a) and }
 * \boxed{(1,1)}`); never across a sentence end or an "or" (alternatives: the last
 * one counts).
 */
function listsBoxes(between: string): boolean {
  const plain = between
    .replace(/\\(?:text|textnormal|mbox|mathrm)\s*\{([^{}]*)\}/g, " $1 ")
    .replace(/\\q?quad(?![A-Za-z])|\\[,;:! ]|\\[()[\]]|\$|&|\\\\/g, " ");
  if (plain.trim() === "") return true;
  if (/[.!?:](?:\s|$)|\bor\b|\\/.test(plain)) return false;
  const words: string[] = plain.match(/[A-Za-z]+/g) ?? [];
  const joined = /[,;]/.test(plain) || words.includes("and");
  return joined && words.filter((word) => word !== "and").length <= 3;
}

function fromBoxes(text: string, boxes: Box[]): string {
  let first = boxes.length - 1;
  while (first > 0 && listsBoxes(text.slice(boxes[first - 1].end, boxes[first].start))) first--;
  const answers = boxes.slice(first).map((box) => cleanAnswer(box.content));
  return [...new Set(answers)].join(", ");
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

/** The answer of the last answer phrase. */
function fromPhrases(text: string): string | undefined {
  for (const phrase of PHRASES) {
    let last: RegExpExecArray | undefined;
    for (const match of text.matchAll(phrase)) last = match;
    if (last === undefined) continue;
    const index = last.index + last[0].length - last[1].length;
    // "The answer is:" followed by a display block on the next lines.
    const block = /^(?:\\\[|\$\$)\s*$/.test(last[1])
      ? new RegExp(MATH.source).exec(text.slice(index))
      : undefined;
    const answer = block?.index === 0
      ? cleanAnswer(block[0])
      : cleanAnswer(answerInSentence(cutSentence(last[1])));
    if (answer) return answer;
  }
  return undefined;
}

/** Math segments: display `$$…$$` and `\\[…\\]`, inline `$…$` and `\\(…\\)` on one line. */
const MATH =
  /\$\$([^$]+?)\$\$|\\\[([\s\S]+?)\\\]|(?<![\\$])\$((?:\\\$|[^$\n])+?)(?<!\\)\$|\\\(([^\n]+?)\\\)/g;

/** Text between math segments that lists them as one answer: `$1$, $2$ and $3$`. */
const MATH_JOINER = /^\s*(?:,|,?\s*\b(?:and|or)\b)\s*$/;

/** The last group of math segments listed together, joined by commas, and where it ends. */
function lastMath(text: string): { answer: string; end: number } | undefined {
  const segments = [...text.matchAll(MATH)].map((match) => ({
    content: (match[1] ?? match[2] ?? match[3] ?? match[4]).trim(),
    start: match.index,
    end: match.index + match[0].length,
  })).filter((segment) => segment.content !== "");
  if (segments.length === 0) return undefined;
  let first = segments.length - 1;
  while (
    first > 0 && MATH_JOINER.test(text.slice(segments[first - 1].end, segments[first].start))
  ) first--;
  const answer = segments.slice(first).map((segment) => segment.content).join(", ");
  return { answer, end: segments[segments.length - 1].end };
}

/** Words of prose around an answer, not counting "and"/"or" between items. */
function hasProse(text: string): boolean {
  const plain = text.replace(MATH, " ").replace(/\\[A-Za-z]+\s*(?:\{[^{}]*\})?/g, " ");
  const words = (plain.match(/[A-Za-z]{2,}/g) ?? []).filter((word) => !/^(?:and|or)$/i.test(word));
  return words.length >= 2;
}

/**
 * A text that is an answer itself: no prose (`28 percent`, `2\sqrt{3}`), or a few words
 * with no number and no sentence end (`no real solution`); never a labelled line
 * (`Total : 2,74`).
 */
function isBare(text: string): boolean {
  const line = text.trim();
  if (/[A-Za-z]{2,}\s*:\s/.test(line)) return false; // `Total: 2,74 $`
  return !hasProse(line) || (line.length <= 40 && !/[\d\n]|[.!?]$/.test(line));
}

/**
 * The answer in a sentence that states it in prose (`The largest $n$ is 34` gives
 * `34`): what follows the last "is"/"are"/"equals", else the last math or number;
 * a sentence without prose is the answer itself.
 */
function answerInSentence(sentence: string): string {
  if (!hasProse(sentence)) return sentence;
  const masked = sentence.replace(MATH, (math) => "#".repeat(math.length));
  const verb = [...masked.matchAll(/\b(?:is|are|equals|was|be)\b/gi)].pop();
  if (verb) {
    const rest = sentence.slice(verb.index + verb[0].length).trim();
    if (rest !== "" && !hasProse(rest)) return rest;
  }
  return inProse(sentence) ?? sentence;
}

/** The later of the last math group and the last number outside math, in prose. */
function inProse(text: string): string | undefined {
  const math = lastMath(text);
  const plain = text.replace(MATH, (segment) => " ".repeat(segment.length));
  const number = lastNumber(plain, true);
  if (number && (!math || number.end > math.end)) return number.answer;
  return math?.answer;
}
/**
 * Cuts a phrase's capture at the end of its sentence (a period not inside a number) or
 * at a clause that explains it (`5, since …`).
 */
function cutSentence(text: string): string {
  const end = /\.(?=\s|$)(?!\d)|,?\s+(?:since|because|as|which|where|so that|but)\s/.exec(text);
  const sentence = end ? text.slice(0, end.index) : text;
  return sentence.replace(/\s+(?:I hope it is correct|\(.*?\))\s*$/i, "");
}

/** A number: optional sign, digits with optional thousands commas, optional decimals. */
const NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+/g;

/**
 * A number in prose, as written: also a fraction `2/3`, a decimal comma `1000,99`,
 * and a trailing percent sign or word.
 */
const PROSE_NUMBER =
  /-?(?:\d{1,3}(?:,\d{3})+(?!,?\d)|\d+(?:,\d+(?![\d,]))?)(?:\.\d+)?(?:\/\d+(?!\.?\d))?(?:\s*(?:%|percent\b))?|-?\.\d+/g;

function lastNumber(
  text: string,
  asWritten = false,
): { answer: string; end: number } | undefined {
  // GSM8K calculator annotations `<<3*4=12>>` repeat the number that follows them.
  const plain = text.replace(/<<[^>]*>>/g, (annotation) => " ".repeat(annotation.length));
  let last: RegExpExecArray | undefined;
  for (const match of plain.matchAll(asWritten ? PROSE_NUMBER : NUMBER)) last = match;
  if (!last) return undefined;
  const answer = asWritten ? last[0] : last[0].replace(/,/g, "");
  return { answer, end: last.index + last[0].length };
}

/**
 * Strips what surrounds an answer without changing it: math delimiters (`$…$`,
 * `\(…\)`, `\[…\]`), markdown bold, and trailing punctuation.
 */
function cleanAnswer(answer: string): string {
  let out = answer.trim();
  for (let changed = true; changed;) {
    const before = out;
    out = out.replace(/^\*\*|\*\*$|^\\?"|\\?"$/g, "").trim();
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
    // A phrase after the last box overrides it when it states an answer, not prose
    // ("Note that the answer is independent of r").
    const late = fromPhrases(text.slice(boxes[boxes.length - 1].end));
    if (late && !hasProse(late)) return late;
    if (answer) return answer;
  }
  const phrase = fromPhrases(text);
  if (phrase !== undefined) return phrase;
  if (options.prose) {
    const answer = text.search(MATH) === -1 && isBare(text) ? text : inProse(text);
    if (answer) return cleanAnswer(answer);
  }
  return options.numeric ? lastNumber(text)?.answer : undefined;
}

/**
 * Where a multiple-choice letter (A–E) is stated, most explicit first: after "final
 * answer"/"answer"/"option"/"choice" (`The answer is (C)`), bold (`**B**`), at the
 * start of a line (`A. Because …`), then alone in prose (`Because B is valid`).
 */
const CHOICES: RegExp[] = [
  /\b(?:answer|option|choice)\b[^A-Za-z\n]{0,20}(?:is\s*:?\s*)?(?:\*\*)?\(?([A-E])\b(?![A-Za-z])/gi,
  /\*\*\(?([A-E])\)?\*\*/g,
  /^\s*\(?([A-E])(?:[.):]|\s*$)/gm,
  /(?:^|\s)\(?([A-E])\)?(?=[.,:;]?(?:\s|$))/g,
];

/**
 * The multiple-choice letter a solution picks, upper case, or `undefined`: the last
 * box or answer phrase when it is a letter, else the last letter of the most
 * explicit pattern that has one (see {@link CHOICES}).
 *
 * @example
 * ```ts
 * import { extractChoice } from "./extract.ts";
 * import assert from "node:assert";
 * assert.equal(extractChoice("A. Because the others fail."), "A");
 * assert.equal(extractChoice("So the answer is $\\boxed{\\text{(C)}}$."), "C");
 * assert.equal(extractChoice("No letter here."), undefined);
 * ```
 */
export function extractChoice(text: string): string | undefined {
  const stated = extractAnswer(text, { prose: true });
  const letter = stated && /^\s*(?:\\text(?:bf)?\{)?\s*\(?([A-Ea-e])\)?\s*\}?\s*$/.exec(stated);
  if (letter) return letter[1].toUpperCase();
  for (const pattern of CHOICES) {
    let last: string | undefined;
    for (const match of text.matchAll(pattern)) last = match[1];
    if (last) return last.toUpperCase();
  }
  return undefined;
}
