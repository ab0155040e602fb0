/**
 * Typed errors. Every error the project throws on purpose is a {@link PfpoError};
 * each failure kind has its own subclass so callers can tell them apart with
 * `instanceof` and the message says what to do.
 *
 * @module
 */

/** Root class of every error this project throws on purpose. */
export class PfpoError extends Error {
  /** Creates an error with a message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value does not match the data contract; `field` names the offending field. */
export class FieldError extends PfpoError {
  /** The dotted path of the field at fault, e.g. `tests[2].output`. */
  readonly field: string;
  /** Creates a field error for `field` with a detail message. */
  constructor(field: string, detail: string, options?: ErrorOptions) {
    super(`field "${field}" ${detail}`, options);
    this.field = field;
  }
}

/** A stage was cancelled through its `AbortSignal`. */
export class AbortedError extends PfpoError {
  /** Creates an error that carries the abort reason as its cause. */
  constructor(reason?: unknown) {
    super("Operation aborted", { cause: reason });
  }
}

/** A command-line flag or configuration value is unknown or invalid. */
export class ConfigError extends PfpoError {}

/**
 * Turns any thrown value into an `Error`, keeping `Error` instances as they are.
 *
 * @example Wrap a thrown string
 * ```ts
 * import { toError } from "./errors.ts";
 * import assert from "node:assert";
 * assert.equal(toError("boom").message, "boom");
 * ```
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}
