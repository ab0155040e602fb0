/**
 * Samples: completions of the policy model, and recorded completions files.
 *
 * @module
 */
import { FieldError } from "../errors.ts";
import { asRecord, requireString } from "./fields.ts";

/** Why a sample has no usable completion, or how its completion ended. */
export type SampleFailure =
  | "length"
  | "empty"
  | "malformed"
  | "content_filter"
  | "http_error"
  | "timeout"
  | "missing";

/** One completion drawn for a problem. */
export interface Sample {
  /** The problem the completion answers. */
  problem_id: string;
  /** Position of the sample among the problem's samples, from 0. */
  index: number;
  /** The completion text ("" when the request failed). */
  completion: string;
  /** The server's finish reason, when it gave one. */
  finish_reason?: string;
  /** Set when the completion is unusable or cut off; the reason is recorded, not thrown. */
  failure?: SampleFailure;
  /** Detail of the failure (e.g. the server's error text, truncated). */
  failure_detail?: string;
  /** True when the sample came from the run's cache rather than a new request. */
  cached?: boolean;
  /**
   * Set when the request failed (the server, not the model): such a sample is not
   * a result, and a re-run asks for it again. `kind` classifies the failure
   * (`connection`, `rejected`, `server_error`, …), `status` is the HTTP status.
   */
  request_error?: { kind: string; status?: number };
}

/**
 * The problem id of a benchmark task id, as the dataset adapters name problems:
 * the dataset prefix in lower case (`HumanEval/12` → `humaneval/12`).
 */
export function taskProblemId(taskId: string): string {
  const slash = taskId.lastIndexOf("/");
  return slash < 0 ? taskId : `${taskId.slice(0, slash).toLowerCase()}${taskId.slice(slash)}`;
}

/** A line of a recorded samples file: `{"problem_id", "completions": [...]}`. */
export interface RecordedSamples {
  /** The problem the completions answer. */
  problem_id: string;
  /** The completions, in sample order. */
  completions: string[];
}

/**
 * Validates a parsed JSON value as a {@link RecordedSamples} line.
 *
 * @example Parse a recorded samples line
 * ```ts
 * import { parseRecordedSamples } from "./sample.ts";
 * import assert from "node:assert";
 * const r = parseRecordedSamples({ problem_id: "p", completions: ["a", "b"] });
 * assert.equal(r.completions.length, 2);
 * const codet = parseRecordedSamples({ task_id: "HumanEval/12", samples: ["    return 1\n"] });
 * assert.equal(codet.problem_id, "humaneval/12");
 * ```
 */
export function parseRecordedSamples(value: unknown): RecordedSamples {
  const record = asRecord(value);
  if (record.problem_id === undefined && typeof record.task_id === "string") {
    // Generations in CodeT's format (`task_id`, `samples`): HumanEval/12 is the
    // problem the HumanEval adapter names humaneval/12.
    const completions = record.samples;
    if (!Array.isArray(completions)) throw new FieldError("samples", "must be an array");
    return parseRecordedSamples({ problem_id: taskProblemId(record.task_id), completions });
  }
  const problemId = requireString(record, "problem_id");
  const completions = record.completions;
  if (!Array.isArray(completions)) throw new FieldError("completions", "must be an array");
  completions.forEach((c, i) => {
    if (typeof c !== "string") throw new FieldError(`completions[${i}]`, "must be a string");
  });
  return { problem_id: problemId, completions: completions as string[] };
}
