/**
 * Python literal spelling of JSON values, for datasets that give function arguments
 * and return values as JSON (APPS).
 *
 * @module
 */

/**
 * Spells a JSON value as a Python literal (`true` → `True`, `null` → `None`).
 *
 * @example Spell a JSON list
 * ```ts
 * import { jsonToPython } from "./python_repr.ts";
 * import assert from "node:assert";
 * assert.equal(jsonToPython([1, true, null, "a"]), "[1, True, None, 'a']");
 * ```
 */
export function jsonToPython(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "float('nan')";
    if (!Number.isFinite(value)) return value > 0 ? "float('inf')" : "-float('inf')";
    return String(value);
  }
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(jsonToPython).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${jsonToPython(v)}`).join(", ")}}`;
  }
  throw new TypeError(`Cannot spell a ${typeof value} as a Python literal`);
}

function pythonString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}
