/**
 * Execution results: what the sandbox reports for one program on one input.
 *
 * @module
 */

/** How an execution ended. Each limit has its own status. */
export type ExecutionStatus =
  | "ok"
  | "runtime_error"
  | "compile_error"
  | "timeout"
  | "memory_limit"
  | "output_limit"
  | "sandbox_error";

/** Every execution status, in a stable order (for metrics and summaries). */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  "ok",
  "runtime_error",
  "compile_error",
  "timeout",
  "memory_limit",
  "output_limit",
  "sandbox_error",
];

/** The result of running one program on one input. */
export interface ExecutionResult {
  /** How the run ended (`ok`, a runtime error, a limit hit, …). */
  status: ExecutionStatus;
  /** Standard output, truncated. */
  stdout: string;
  /** Standard error or the error text, truncated. */
  stderr: string;
  /** For function-style calls: the return value serialized canonically. */
  return_value?: string;
  /** Wall-clock time of the run, in milliseconds. */
  duration_ms: number;
}
