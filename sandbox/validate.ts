/**
 * The parent's checks on what a sandbox process sends back: every field of a result
 * by type and size, before anything else reads it. Internal to `sandbox/`.
 *
 * @module
 */
import { EXECUTION_STATUSES, type ExecutionStatus } from "../src/model/execution.ts";
import {
  ERROR_TEXT_LIMIT,
  RETURN_VALUE_LIMIT,
  type WireProgram,
  type WireResult,
} from "./protocol.ts";

/** A value the parent received does not have the shape of a result. */
export class WireError extends Error {}

function stringField(record: Record<string, unknown>, field: string, max: number): string {
  const value = record[field];
  if (typeof value !== "string") throw new WireError(`field ${field} is not a string`);
  if (value.length > max) throw new WireError(`field ${field} is longer than ${max}`);
  return value;
}

/**
 * Checks a decoded result field by field (types, known status, sizes within the
 * program's caps) and returns a fresh object holding only those fields.
 *
 * @throws {WireError} when any field is missing, of the wrong type or too large.
 */
export function validateResult(value: unknown, program: WireProgram): WireResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError("result is not an object");
  }
  const record = value as Record<string, unknown>;
  const { id, index, status, duration_ms, return_value, exiting } = record;
  if (id !== program.id) throw new WireError("result is for another program");
  if (!Number.isSafeInteger(index) || (index as number) < 0) {
    throw new WireError("field index is not an input index");
  }
  if (!(EXECUTION_STATUSES as readonly unknown[]).includes(status)) {
    throw new WireError("field status is not a status");
  }
  if (typeof duration_ms !== "number" || !Number.isFinite(duration_ms) || duration_ms < 0) {
    throw new WireError("field duration_ms is not a duration");
  }
  // Output is capped in bytes; a byte decodes to at most one character.
  const outputChars = program.max_output_bytes + ERROR_TEXT_LIMIT + 200;
  const result: WireResult = {
    id: program.id,
    index: index as number,
    status: status as ExecutionStatus,
    stdout: stringField(record, "stdout", outputChars),
    stderr: stringField(record, "stderr", outputChars),
    duration_ms,
  };
  if (return_value !== undefined) {
    if (status !== "ok") throw new WireError("a return value comes only with status ok");
    result.return_value = stringField(record, "return_value", RETURN_VALUE_LIMIT);
  }
  if (exiting !== undefined) {
    if (typeof exiting !== "boolean") throw new WireError("field exiting is not a boolean");
    result.exiting = exiting;
  }
  return result;
}
