/**
 * Errors for records that cannot be read: where they are (file, line or row) and
 * the field at fault.
 *
 * @module
 */
import { FieldError, PfpoError, toError } from "../errors.ts";

/** A record that cannot be read or does not match what its reader expects. */
export class RecordError extends PfpoError {
  /** The file read. */
  readonly file: string;
  /** The field at fault, when known. */
  readonly field?: string;

  /** Creates an error for a record of `file`; `place` is e.g. `line 12`. */
  constructor(
    file: string,
    place: string,
    detail: string,
    options?: ErrorOptions & { field?: string },
  ) {
    super(`Cannot parse ${file} ${place}: ${detail}`, options);
    this.file = file;
    this.field = options?.field;
  }
}

/** A Parquet row that does not match what its reader expects. */
export class ParquetRowError extends RecordError {
  /** The row, counted from 0 within the file (as `dataset[row]`). */
  readonly row: number;

  /** Creates an error for `file` row `row`. */
  constructor(
    file: string,
    row: number,
    detail: string,
    options?: ErrorOptions & { field?: string },
  ) {
    super(file, `row ${row}`, detail, options);
    this.row = row;
  }
}

/** A line of a JSONL file that is not valid JSON or does not match the contract. */
export class JsonlError extends RecordError {
  /** The line number, from 1. */
  readonly line: number;

  /** Creates an error for `file` line `line`. */
  constructor(
    file: string,
    line: number,
    detail: string,
    options?: ErrorOptions & { field?: string },
  ) {
    super(file, `line ${line}`, detail, options);
    this.line = line;
  }
}

/**
 * The error for a record whose reading failed with `cause`: a {@link JsonlError}
 * for a JSONL line, a {@link ParquetRowError} for a Parquet row, naming the field
 * when `cause` is a `FieldError`.
 */
export function recordError(
  at: { file: string; unit: "line" | "row"; position: number },
  cause: unknown,
): RecordError {
  const field = cause instanceof FieldError ? cause.field : undefined;
  const detail = cause instanceof SyntaxError
    ? `invalid JSON (${cause.message})`
    : toError(cause).message;
  const options = { cause, ...(field !== undefined ? { field } : {}) };
  return at.unit === "line"
    ? new JsonlError(at.file, at.position, detail, options)
    : new ParquetRowError(at.file, at.position, detail, options);
}
