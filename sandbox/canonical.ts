/**
 * Canonical return values. A function-style execution reports its return value as
 * canonical JSON, the same text from Python and from JavaScript: objects with
 * sorted keys and no spaces; tuples and typed arrays as arrays; sets as
 * `{"$set": [...]}` with items sorted by their canonical text; dictionaries whose
 * keys are not all strings as `{"$dict": [[key, value], ...]}` sorted by key text;
 * non-finite floats as `{"$float": "inf" | "-inf" | "nan"}`; anything else as
 * `{"$repr": text}`. Integers keep every digit.
 *
 * @module
 */
import { PySet, type PythonValue, PyTuple } from "../src/code/python_literal.ts";

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

function canonical(value: unknown, seen: Set<unknown>): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
    case "bigint":
      return value;
    case "number":
      if (Number.isFinite(value)) return value;
      return { $float: Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf" };
    case "function":
    case "symbol":
      return { $repr: String(value) };
  }
  if (seen.has(value)) return { $repr: "[circular]" };
  seen.add(value);
  try {
    if (value instanceof PyTuple) return value.items.map((item) => canonical(item, seen));
    if (Array.isArray(value)) return Array.from(value, (item) => canonical(item, seen));
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return Array.from(value as unknown as ArrayLike<number | bigint>, (n) => canonical(n, seen));
    }
    if (value instanceof Set || value instanceof PySet) {
      const items = value instanceof PySet ? value.items : [...value];
      return { $set: sortByText(items.map((item) => canonical(item, seen))) };
    }
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => [canonical(k, seen), canonical(v, seen)]);
      if (entries.every(([k]) => typeof k === "string")) {
        return Object.fromEntries(entries) as { [key: string]: Json };
      }
      const pairs = entries.map(([k, v]) => ({ text: canonicalText(k), pair: [k, v] }));
      pairs.sort((a, b) => compareText(a.text, b.text));
      return { $dict: pairs.map((p) => p.pair) };
    }
    if (value instanceof Date) return { $repr: value.toISOString() };
    const record: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      record[k] = canonical(v, seen);
    }
    return record;
  } finally {
    seen.delete(value);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByText(items: Json[]): Json[] {
  return items.map((item) => ({ item, text: canonicalText(item) }))
    .sort((a, b) => compareText(a.text, b.text))
    .map((entry) => entry.item);
}

function canonicalText(value: Json): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "bigint":
      return value.toString();
    case "number":
      return String(value);
    case "string":
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  const keys = Object.keys(value).sort(compareText);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalText(value[k])}`).join(",")}}`;
}

/**
 * Serializes a JavaScript value as canonical JSON (see the module documentation).
 *
 * @example Tuples, sets and maps
 * ```ts
 * import { canonicalJson } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.equal(canonicalJson({ b: [1, 2.5], a: new Set([3, 1]) }), '{"a":{"$set":[1,3]},"b":[1,2.5]}');
 * assert.equal(canonicalJson(new Map([[2, "x"]])), '{"$dict":[[2,"x"]]}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return canonicalText(canonical(value, new Set()));
}

/**
 * Turns a value from `parsePythonArgs` into the plain JavaScript value a program
 * receives: tuples become arrays, sets become `Set`s, dictionaries stay `Map`s
 * when a key is not a string and become plain objects otherwise.
 */
export function fromPythonValue(value: PythonValue): unknown {
  if (value instanceof PyTuple) return value.items.map(fromPythonValue);
  if (Array.isArray(value)) return value.map(fromPythonValue);
  if (value instanceof PySet) return new Set(value.items.map(fromPythonValue));
  if (value instanceof Map) {
    const entries = [...value].map((
      [k, v],
    ): [unknown, unknown] => [fromPythonValue(k), fromPythonValue(v)]);
    if (entries.every(([k]) => typeof k === "string")) return Object.fromEntries(entries);
    return new Map(entries);
  }
  return value;
}
