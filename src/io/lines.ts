/**
 * The line splitter: text arriving in chunks (a decoded byte stream) as lines, for
 * every reader of line-based input (JSONL files, the pair stream, the sandbox's
 * wire protocol). Depends on nothing, so the sandbox process may load it.
 *
 * @module
 */

/** Stands for a line that passed the cap (its text is dropped, never held). */
export const OVERSIZED: unique symbol = Symbol("oversized line");

/** Options for {@link splitLines}. */
export interface SplitLinesOptions {
  /**
   * Longest line held, in UTF-16 code units (or a function asked at each chunk); a
   * longer line is yielded as {@link OVERSIZED} once its end arrives. Default: no cap.
   */
  maxChars?: number | (() => number);
  /** Yield a last line that no newline ends (a file's). Default `false`: it is dropped. */
  partialLast?: boolean;
}

/**
 * Splits text chunks into lines, without the `\n` and a `\r` before it. Lines may
 * span chunks; only the current line's parts are held.
 *
 * @example Lines across chunks, with a cap
 * ```ts
 * import { OVERSIZED, splitLines } from "./lines.ts";
 * import assert from "node:assert";
 * const chunks = ["a\r\nb", "c\n", "toolong\nd"];
 * assert.deepEqual(await Array.fromAsync(splitLines(chunks)), ["a", "bc", "toolong"]);
 * assert.deepEqual(
 *   await Array.fromAsync(splitLines(chunks, { maxChars: 3, partialLast: true })),
 *   ["a", "bc", OVERSIZED, "d"],
 * );
 * ```
 */
export function splitLines(
  chunks: AsyncIterable<string> | Iterable<string>,
  options?: { partialLast?: boolean },
): AsyncGenerator<string>;
export function splitLines(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: SplitLinesOptions,
): AsyncGenerator<string | typeof OVERSIZED>;
export async function* splitLines(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: SplitLinesOptions = {},
): AsyncGenerator<string | typeof OVERSIZED> {
  const { maxChars = Infinity, partialLast = false } = options;
  let parts: string[] = [];
  let held = 0;
  let oversized = false;
  let open = false;
  for await (const chunk of chunks) {
    const cap = typeof maxChars === "number" ? maxChars : maxChars();
    let start = 0;
    for (let newline = chunk.indexOf("\n"); newline >= 0; newline = chunk.indexOf("\n", start)) {
      const tail = chunk.slice(start, newline);
      if (oversized || held + tail.length > cap) yield OVERSIZED;
      else yield withoutCr(parts.length ? parts.join("") + tail : tail);
      parts = [];
      held = 0;
      oversized = false;
      open = false;
      start = newline + 1;
    }
    if (start < chunk.length) {
      open = true;
      if (oversized) continue;
      const rest = chunk.slice(start);
      held += rest.length;
      if (held > cap) {
        oversized = true;
        parts = [];
      } else parts.push(rest);
    }
  }
  if (partialLast && open) yield oversized ? OVERSIZED : withoutCr(parts.join(""));
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Splits a UTF-8 byte stream into lines, as {@link splitLines} does.
 *
 * @example
 * ```ts
 * import { readByteLines } from "./lines.ts";
 * import assert from "node:assert";
 * const bytes = new Blob(["é\nz\n"]).stream();
 * assert.deepEqual(await Array.fromAsync(readByteLines(bytes, { maxChars: 10 })), ["é", "z"]);
 * ```
 */
export function readByteLines(
  stream: ReadableStream<Uint8Array>,
  options: SplitLinesOptions,
): AsyncGenerator<string | typeof OVERSIZED> {
  return splitLines(stream.pipeThrough(new TextDecoderStream()), options);
}
