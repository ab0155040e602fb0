/**
 * Hand-made execution results for tests of the feedback rules: a row of results
 * per program, `undefined` standing for a run that crashed.
 *
 * @module
 */
import type { ExecutionResult } from "../../src/model/execution.ts";

/** A run that ended `ok` printing `stdout`. */
export const ok = (stdout: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
});

/** A run that ended with a runtime error. */
export const crash: ExecutionResult = {
  status: "runtime_error",
  stdout: "",
  stderr: "e",
  duration_ms: 1,
};

/** One program's results on each input: an output, or `undefined` for a crash. */
export const run = (...outputs: (string | undefined)[]): ExecutionResult[] =>
  outputs.map((o) => o === undefined ? crash : ok(o));
