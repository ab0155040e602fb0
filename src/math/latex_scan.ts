/**
 * Small scanners over LaTeX source shared by extraction and normalisation.
 *
 * @module
 */

/**
 * The content of a brace group opening at `open` (which must be `{`) and the index
 * after its closing brace, or `undefined` when the braces never balance. Escaped
 * braces `\{` and `\}` do not count.
 */
export function braceGroup(
  text: string,
  open: number,
): { content: string; end: number } | undefined {
  if (text[open] !== "{") return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return { content: text.slice(open + 1, i), end: i + 1 };
    }
  }
  return undefined;
}
