/**
 * What travels through the broker: a job (one program with all of its inputs, keyed
 * by the execution-cache keys of those inputs) and its results. Expected outputs
 * never travel: judging stays with the pipeline.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { FieldError } from "../errors.ts";
import { EXECUTION_STATUSES, type ExecutionResult } from "../model/execution.ts";
import { ExecutionCache } from "../../sandbox/cache.ts";
import { type ProgramJob, sandboxJobs } from "../../sandbox/executor.ts";
import { type SandboxLimits, toWire } from "../../sandbox/job.ts";
import { CODE_LANGUAGES } from "../model/problem.ts";

/** A job on the queue. */
export interface JobMessage {
  /** The job id: the inputs' execution-cache key when there is one, else a hash of them. */
  id: string;
  /** The execution-cache key of each input, in input order. */
  keys: string[];
  /** Subject the results go to (the run's result subject). */
  reply: string;
  /** Output cap the keys were computed with. */
  max_output_bytes: number;
  /** The program, its inputs, and its time and memory limits (always set). */
  job: ProgramJob;
}

/** Results of a job (or of some of its inputs, when they did not fit one message). */
export interface ResultMessage {
  /** The job id. */
  id: string;
  /** Keys answered here, in the order of `results`. */
  keys: string[];
  results: ExecutionResult[];
  /** The worker that ran them. */
  worker: string;
  /** Which delivery of the job this was (1 = first). */
  delivery: number;
}

/** The execution-cache key of each of the job's inputs under `limits`. */
export function executionKeys(job: ProgramJob, limits: Required<SandboxLimits>): string[] {
  return sandboxJobs(job).map((one) => {
    const { program, input } = toWire(one, limits);
    return ExecutionCache.key(program, input);
  });
}

/** The id of a job whose inputs have these keys. */
export function jobId(keys: readonly string[]): string {
  return keys.length === 1 ? keys[0] : createHash("sha256").update(keys.join("\n")).digest("hex");
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a message as JSON bytes. */
export function encodeMessage(message: JobMessage | ResultMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError(field, "must be an object");
  }
  return value as Record<string, unknown>;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new FieldError(field, "must be a list of strings");
  }
  return value;
}

function string(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== "string") throw new FieldError(field, "must be a string");
  return value;
}

/**
 * Decodes and validates a job: its shape, and its keys, which must be the ones this
 * code computes for the program, inputs and limits it carries (a worker of another
 * version would otherwise answer under keys that mean something else).
 *
 * @throws {FieldError} naming the field at fault.
 */
export function decodeJob(data: Uint8Array, limits: Required<SandboxLimits>): JobMessage {
  const record = object(JSON.parse(decoder.decode(data)), "message");
  const job = object(record.job, "job");
  const inputs = job.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new FieldError("job.inputs", "must be a non-empty list");
  }
  if (!(CODE_LANGUAGES as readonly unknown[]).includes(job.language)) {
    throw new FieldError("job.language", `must be one of ${CODE_LANGUAGES.join(", ")}`);
  }
  string(job, "code");
  inputs.forEach((input, i) => object(input, `job.inputs[${i}]`));
  const message: JobMessage = {
    id: string(record, "id"),
    keys: strings(record.keys, "keys"),
    reply: string(record, "reply"),
    max_output_bytes: Number(record.max_output_bytes),
    job: job as unknown as ProgramJob,
  };
  const expected = executionKeys(message.job, {
    ...limits,
    maxOutputBytes: message.max_output_bytes,
  });
  if (expected.join() !== message.keys.join() || jobId(message.keys) !== message.id) {
    throw new FieldError(
      "keys",
      "differ from the keys this worker computes for the job: run the same version of pfpo on the pipeline and the workers",
    );
  }
  return message;
}

/**
 * Decodes and validates a result message.
 *
 * @throws {FieldError} naming the field at fault.
 */
export function decodeResult(data: Uint8Array): ResultMessage {
  const record = object(JSON.parse(decoder.decode(data)), "message");
  const keys = strings(record.keys, "keys");
  const results = record.results;
  if (!Array.isArray(results) || results.length !== keys.length) {
    throw new FieldError("results", "must be a list with one result per key");
  }
  results.forEach((value, i) => {
    const result = object(value, `results[${i}]`);
    if (!(EXECUTION_STATUSES as readonly unknown[]).includes(result.status)) {
      throw new FieldError(`results[${i}].status`, "is not an execution status");
    }
  });
  return {
    id: string(record, "id"),
    keys,
    results: results as ExecutionResult[],
    worker: string(record, "worker"),
    delivery: Number(record.delivery) || 1,
  };
}

/**
 * Splits a job's results into messages of at most `maxBytes` each (the broker's
 * `max_payload`). A single result larger than that is replaced by a `sandbox_error`
 * result that says so.
 */
export function resultMessages(
  message: Omit<ResultMessage, "keys" | "results">,
  keys: readonly string[],
  results: readonly ExecutionResult[],
  maxBytes: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let part: { keys: string[]; results: ExecutionResult[] } = { keys: [], results: [] };
  const size = (p: typeof part) => encodeMessage({ ...message, ...p }).byteLength;
  keys.forEach((key, i) => {
    let result = results[i];
    if (size({ keys: [key], results: [result] }) > maxBytes) {
      result = {
        status: "sandbox_error",
        stdout: "",
        stderr:
          `Result larger than the broker's max_payload (${maxBytes} bytes): raise max_payload in the broker's configuration`,
        duration_ms: result.duration_ms,
      };
    }
    const next = { keys: [...part.keys, key], results: [...part.results, result] };
    if (part.keys.length > 0 && size(next) > maxBytes) {
      out.push(encodeMessage({ ...message, ...part }));
      part = { keys: [key], results: [result] };
    } else {
      part = next;
    }
  });
  if (part.keys.length > 0) out.push(encodeMessage({ ...message, ...part }));
  return out;
}
