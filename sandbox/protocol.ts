/**
 * Messages between the pool (parent), the sandbox process's supervisor thread and
 * its runtime workers. Internal to `sandbox/`.
 *
 * @module
 */
import type { ExecutionStatus } from "../src/model/execution.ts";

/** How a program is driven: read stdin, call a function, or run gold test code. */
export type RunMode = "stdio" | "call" | "test";

/** One execution as the sandbox process receives it (never holds expected outputs). */
export interface WireJob {
  id: number;
  language: "python" | "javascript" | "typescript";
  mode: RunMode;
  /** The program, with the gold test code appended for `mode: "test"`. */
  source: string;
  stdin: string;
  /** Function to call (`call`) or to pass to `check` (`test`). */
  entry_point: string;
  /** Python literal argument list for `call`. */
  args: string;
  timeout_ms: number;
  memory_mb: number;
  max_output_bytes: number;
}

/** The sandbox process's answer to a {@link WireJob}. */
export interface WireResult {
  id: number;
  status: ExecutionStatus;
  stdout: string;
  stderr: string;
  return_value?: string;
  duration_ms: number;
  /** The process exits after this result (a worker it had to stop may still be running). */
  exiting?: boolean;
}

/** What a runtime worker reports back to the supervisor for one job. */
export interface RuntimeReport {
  status: ExecutionStatus;
  stdout: string;
  stderr: string;
  return_value?: string;
  duration_ms: number;
  /** The worker cannot guarantee isolation any more and must be replaced. */
  recycle: boolean;
}

/** The parts of a finished job that a runtime worker reports. */
export interface ReportParts {
  status: ExecutionStatus;
  stdout: string;
  /** What the program wrote to stderr. */
  stderr: string;
  /** The error that ended the program, if any (appended to stderr). */
  errorText: string;
  /** `performance.now()` when the job started. */
  started: number;
  recycle: boolean;
  returnValue?: string;
}

/** Builds a {@link RuntimeReport}: error text appended to stderr and truncated; a return value only for `ok`. */
export function runtimeReport(parts: ReportParts): RuntimeReport {
  const { stderr, errorText } = parts;
  const report: RuntimeReport = {
    status: parts.status,
    stdout: parts.stdout,
    stderr: truncateText(errorText ? (stderr ? `${stderr}\n${errorText}` : errorText) : stderr),
    duration_ms: performance.now() - parts.started,
    recycle: parts.recycle,
  };
  if (parts.status === "ok" && parts.returnValue !== undefined) {
    report.return_value = parts.returnValue;
  }
  return report;
}

/** Most characters of error text kept in a result. */
export const ERROR_TEXT_LIMIT = 4000;

/** Shortens `text` to `limit` characters, keeping the end (where tracebacks say most). */
export function truncateText(text: string, limit: number = ERROR_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const head = Math.floor(limit / 4);
  return `${text.slice(0, head)}\n… [${text.length - limit} characters cut] …\n${
    text.slice(text.length - (limit - head))
  }`;
}

/** Splits a byte stream into UTF-8 lines (without the newline); a last partial line is dropped. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let parts: string[] = [];
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    let start = 0;
    for (let newline = chunk.indexOf("\n"); newline >= 0; newline = chunk.indexOf("\n", start)) {
      parts.push(chunk.slice(start, newline));
      yield parts.join("");
      parts = [];
      start = newline + 1;
    }
    if (start < chunk.length) parts.push(chunk.slice(start));
  }
}
