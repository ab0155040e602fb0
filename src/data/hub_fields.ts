/**
 * Field readers shared by the dataset adapters: tests given as parallel
 * `input`/`output` lists, and the scalar fields a problem keeps as its `meta`.
 *
 * @module
 */
import { FieldError } from "../errors.ts";
import type { ProblemMeta, TestCase } from "../model/problem.ts";
import { asRecord } from "../model/fields.ts";

/**
 * Reads tests stored as `{input: [...], output: [...]}` (CodeContests' layout):
 * absent or null gives none; lists of different lengths or non-strings are errors.
 */
export function parallelTests(record: Record<string, unknown>, field: string): TestCase[] {
  const value = record[field];
  if (value === undefined || value === null) return [];
  const tests = asRecord(value, field);
  const inputs = tests.input ?? [];
  const outputs = tests.output ?? [];
  if (!Array.isArray(inputs)) throw new FieldError(`${field}.input`, "must be a list");
  if (!Array.isArray(outputs) || outputs.length !== inputs.length) {
    throw new FieldError(`${field}.output`, `must be a list as long as "${field}.input"`);
  }
  return inputs.map((input, i) => {
    if (typeof input !== "string") {
      throw new FieldError(`${field}.input[${i}]`, "must be a string");
    }
    if (typeof outputs[i] !== "string") {
      throw new FieldError(`${field}.output[${i}]`, "must be a string");
    }
    return { input, output: outputs[i] };
  });
}

/** The fields of `record` among `names` that hold a scalar, as a problem's `meta`. */
export function pickMeta(
  record: Record<string, unknown>,
  names: readonly string[],
): ProblemMeta | undefined {
  const meta: ProblemMeta = {};
  for (const name of names) {
    const value = record[name];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      meta[name] = value;
    }
  }
  return Object.keys(meta).length ? meta : undefined;
}
