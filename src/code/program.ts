/**
 * Programs from completions. A chat model answers with prose around fenced code
 * blocks: the program is the last block in the problem's language (preferring one
 * that defines the entry point). A base model continues the prompt: the program is
 * the prompt followed by the completion, cut at the first stop sequence.
 *
 * @module
 */
import type { CodeLanguage } from "../model/problem.ts";

/**
 * Stop sequences that end a base model's function body (the HumanEval/CodeT
 * convention): a new top-level class, function, comment, `if` or `print`.
 */
export const DEFAULT_CONTINUATION_STOPS: readonly string[] = [
  "\nclass",
  "\ndef",
  "\n#",
  "\nif",
  "\nprint",
];

/** Options for {@link extractProgram} in `"chat"` mode. */
export interface ChatProgramOptions {
  /** The program is a fenced code block of the response. */
  mode: "chat";
  /** The problem's language; picks among fenced blocks. */
  language: CodeLanguage;
  /** For function-style problems: a block defining this name is preferred. */
  entryPoint?: string;
}

/** Options for {@link extractProgram} in `"continuation"` mode. */
export interface ContinuationProgramOptions {
  /** The program is `prompt` + completion cut at the first stop. */
  mode: "continuation";
  /** The problem's language (kept for symmetry with chat mode). */
  language: CodeLanguage;
  /** The prompt the completion continues. */
  prompt: string;
  /** Stop sequences. Default {@link DEFAULT_CONTINUATION_STOPS}. */
  stops?: readonly string[];
}

/** Options for {@link extractProgram}. */
export type ExtractProgramOptions = ChatProgramOptions | ContinuationProgramOptions;

const LANGUAGE_TAGS: Record<CodeLanguage, readonly string[]> = {
  python: ["python", "py", "python3", "py3"],
  javascript: ["javascript", "js", "node", "mjs", "jsx"],
  typescript: ["typescript", "ts", "tsx"],
};

/** A fenced code block found in a text. */
export interface CodeBlock {
  /** The info string's first word, lower-cased ("" when absent). */
  tag: string;
  /** The block's content without the fences. */
  code: string;
  /** False when the text ended before the closing fence (a cut-off response). */
  closed: boolean;
}

/**
 * Lists the fenced code blocks (``` or ~~~, three or more) of a Markdown text in
 * order. An unclosed last block runs to the end of the text.
 *
 * @example List blocks
 * ```ts
 * import { codeBlocks } from "./program.ts";
 * import assert from "node:assert";
 * const text = "Here:\n~~~py\nprint(1)\n~~~\n";
 * assert.deepEqual(codeBlocks(text), [{ tag: "py", code: "print(1)\n", closed: true }]);
 * ```
 */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split(/(?<=\n)/);
  let open: { fence: string; tag: string; lines: string[] } | undefined;
  for (const line of lines) {
    const bare = line.replace(/\r?\n$/, "");
    if (open === undefined) {
      const start = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(bare);
      if (start) open = { fence: start[1], tag: start[2].toLowerCase(), lines: [] };
      continue;
    }
    const fenceChar = open.fence[0] === "`" ? "`" : "~";
    const close = new RegExp(`^ {0,3}\\${fenceChar}{${open.fence.length},}\\s*$`).exec(bare);
    if (close) {
      blocks.push({ tag: open.tag, code: open.lines.join(""), closed: true });
      open = undefined;
    } else {
      open.lines.push(line);
    }
  }
  if (open !== undefined) blocks.push({ tag: open.tag, code: open.lines.join(""), closed: false });
  return blocks;
}

/**
 * Extracts the program from a completion.
 *
 * In `"chat"` mode the candidates are the blocks tagged with the problem's language
 * (`python`/`py`, `javascript`/`js`, `typescript`/`ts`, …), or, when there are none,
 * the untagged blocks; among them, closed blocks beat a cut-off one, a block that
 * defines `entryPoint` beats one that does not, and then the last one wins. Returns
 * `undefined` when the response has no candidate block or only empty ones.
 *
 * In `"continuation"` mode the program is `prompt + completion`, the completion cut
 * at the first occurrence of any stop sequence.
 *
 * @example A chat response and a base-model continuation
 * ```ts
 * import { extractProgram } from "./program.ts";
 * import assert from "node:assert";
 * const fence = "`".repeat(3);
 * const chat = `Sketch:\n${fence}python\nx = 1\n${fence}\nFinal:\n${fence}python\nprint(2)\n${fence}\n`;
 * assert.equal(extractProgram(chat, { language: "python", mode: "chat" }), "print(2)\n");
 * const prompt = "def f(x):\n";
 * const completion = "    return x + 1\n\n\nprint(f(1))\n";
 * assert.equal(
 *   extractProgram(completion, { language: "python", mode: "continuation", prompt }),
 *   "def f(x):\n    return x + 1\n\n",
 * );
 * ```
 */
export function extractProgram(
  completion: string,
  options: ExtractProgramOptions,
): string | undefined {
  if (options.mode === "continuation") {
    return options.prompt + cutAtStops(completion, options.stops ?? DEFAULT_CONTINUATION_STOPS);
  }
  const blocks = codeBlocks(completion).filter((block) => block.code.trim() !== "");
  const tags = LANGUAGE_TAGS[options.language];
  const tagged = blocks.filter((block) => tags.includes(block.tag));
  const candidates = tagged.length > 0 ? tagged : blocks.filter((block) => block.tag === "");
  if (candidates.length === 0) return undefined;
  const definesEntry = options.entryPoint === undefined
    ? () => false
    : definitionTest(options.language, options.entryPoint);
  let best = candidates[0];
  let bestRank = -1;
  for (const block of candidates) {
    const rank = (block.closed ? 2 : 0) + (definesEntry(block.code) ? 1 : 0);
    if (rank >= bestRank) {
      best = block;
      bestRank = rank;
    }
  }
  return best.code;
}

/**
 * Cuts `text` at the earliest occurrence of any of `stops` (the stop itself is
 * dropped); returns it whole when none occurs.
 *
 * @example Cut at the first stop
 * ```ts
 * import { cutAtStops } from "./program.ts";
 * import assert from "node:assert";
 * assert.equal(cutAtStops("a\nb\n#c\nif x", ["\nif", "\n#"]), "a\nb");
 * ```
 */
export function cutAtStops(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    if (stop === "") continue;
    const at = text.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return text.slice(0, end);
}

function definitionTest(language: CodeLanguage, name: string): (code: string) => boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = language === "python"
    ? new RegExp(`^\\s*(?:async\\s+)?def\\s+${escaped}\\s*\\(`, "m")
    : new RegExp(
      `(?:function\\*?\\s+${escaped}\\s*[(<]|(?:const|let|var)\\s+${escaped}\\s*[=:])`,
    );
  return (code) => pattern.test(code);
}
