/**
 * Small field readers for validating JSON records against the data contract.
 * Each throws a {@link FieldError} naming the field at fault.
 *
 * @module
 */
import { FieldError } from "../errors.ts";

/** Asserts that `value` is a plain JSON object. */
export function asRecord(value: unknown, field = "(record)"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError(field, "must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Reads a required string field. */
export function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (value === undefined || value === null) throw new FieldError(field, "is missing");
  if (typeof value !== "string") {
    throw new FieldError(field, `must be a string, got ${typeName(value)}`);
  }
  return value;
}

/** Reads an optional string field. */
export function optionalString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new FieldError(field, `must be a string, got ${typeName(value)}`);
  }
  return value;
}

/** Reads an optional array of strings. */
export function optionalStringArray(
  record: Record<string, unknown>,
  field: string,
): string[] | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new FieldError(field, `must be an array, got ${typeName(value)}`);
  }
  value.forEach((item, i) => {
    if (typeof item !== "string") {
      throw new FieldError(`${field}[${i}]`, `must be a string, got ${typeName(item)}`);
    }
  });
  return value as string[];
}

/** Reads a field that must be one of `choices`. */
export function requireOneOf<T extends string>(
  record: Record<string, unknown>,
  field: string,
  choices: readonly T[],
): T {
  const value = requireString(record, field);
  if (!(choices as readonly string[]).includes(value)) {
    throw new FieldError(field, `must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as T;
}

/** Describes a JSON value's type for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
