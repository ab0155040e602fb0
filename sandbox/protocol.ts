/**
 * Messages between the pool (parent), the sandbox process's supervisor thread and
 * its runtime workers, and the parent's checks on what comes back. Internal to
 * `sandbox/`.
 *
 * @module
 */
import type { ExecutionStatus } from "../src/model/execution.ts";

/** How a program is driven: read stdin, call a function, or run gold test code. */
export type RunMode = "stdio" | "call" | "test";

/** One input of a {@link WireProgram}: the stdin (`stdio`) or the argument list (`call`). */
export interface WireInput {
  stdin: string;
  /** Python literal argument list for `call`. */
  args: string;
}

/**
 * One program with every input it runs on, as the sandbox process receives it (never
 * holds expected outputs). The program is compiled once; each input runs in fresh
 * program state with its own time limit; the interpreter is back to its pristine state
 * before the next program.
 */
export interface WireProgram {
  id: number;
  language: "python" | "javascript" | "typescript";
  mode: RunMode;
  /** The program. */
  code: string;
  /** Gold test code (`mode: "test"`), run after the program; it defines `check`. */
  test_code: string;
  /** Function to call (`call`) or to pass to `check` (`test`). */
  entry_point: string;
  inputs: WireInput[];
  /** Wall-clock limit per input. */
  timeout_ms: number;
  memory_mb: number;
  max_output_bytes: number;
}

/** The sandbox process's answer for input `index` of program `id`. */
export interface WireResult {
  id: number;
  index: number;
  status: ExecutionStatus;
  stdout: string;
  stderr: string;
  return_value?: string;
  duration_ms: number;
  /** The process exits after this result (a worker it had to stop may still be running). */
  exiting?: boolean;
}

/** What a runtime worker reports back to the supervisor for one input. */
export interface RuntimeReport {
  status: ExecutionStatus;
  stdout: string;
  stderr: string;
  return_value?: string;
  duration_ms: number;
  /** The worker cannot go on (isolation lost or it was stopped) and must be replaced. */
  recycle: boolean;
  /**
   * A JavaScript worker that ran the program in a realm of its own and can take the next
   * program (its own realm has run no program code).
   */
  reusable?: boolean;
}

/** The parts of a finished input that a runtime worker reports. */
export interface ReportParts {
  status: ExecutionStatus;
  stdout: string;
  /** What the program wrote to stderr. */
  stderr: string;
  /** The error that ended the program, if any (appended to stderr). */
  errorText: string;
  /** `performance.now()` when the input started. */
  started: number;
  recycle: boolean;
  reusable?: boolean;
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
  if (parts.reusable) report.reusable = true;
  if (parts.status === "ok" && parts.returnValue !== undefined) {
    report.return_value = parts.returnValue;
  }
  return report;
}

/** Most characters of error text kept in a result. */
export const ERROR_TEXT_LIMIT = 4000;

/** Most characters of a canonical return value. */
export const RETURN_VALUE_LIMIT = 1 << 20;

/** Shortens `text` to `limit` characters, keeping the end (where tracebacks say most). */
export function truncateText(text: string, limit: number = ERROR_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const head = Math.floor(limit / 4);
  return `${text.slice(0, head)}\n… [${text.length - limit} characters cut] …\n${
    text.slice(text.length - (limit - head))
  }`;
}

/**
 * Longest line either side accepts for a program with output cap `maxOutputBytes`:
 * two capped outputs, the error text and a return value, each JSON-escaped (at most six
 * characters per character), plus the frame.
 */
export function maxLineChars(maxOutputBytes: number): number {
  return 6 * (2 * maxOutputBytes + ERROR_TEXT_LIMIT + RETURN_VALUE_LIMIT) + 4096;
}

/** The first message a sandbox process reads: one JSON line, then `bytes` raw bytes. */
export interface Hello {
  /** The JSON line, parsed. */
  header: Record<string, unknown>;
  /** The raw bytes that followed it (the header's `bytes` field says how many). */
  payload: Uint8Array;
  /** What the stream holds after the payload. */
  rest: ReadableStream<Uint8Array>;
}

/** Room for what arrives with the first line (a pipe delivers up to 64 KiB at a time). */
const HELLO_READ_BYTES = 64 * 1024;

/**
 * Reads a {@link Hello} from the start of `stream`, a byte stream (`Deno.stdin.readable`):
 * a JSON line (at most `maxLineBytes`) whose `bytes` field gives the length of the binary
 * payload that follows it, so a large payload travels without base64 or JSON. The
 * payload is read straight into its own buffer, with no chunk allocated, kept or copied
 * (for a 30 MiB snapshot those cost several times the reads). `undefined` when the
 * stream ends first.
 */
export async function readHello(
  stream: ReadableStream<Uint8Array>,
  maxLineBytes: number,
): Promise<Hello | undefined> {
  const reader = stream.getReader({ mode: "byob" });
  /** Reads into `view` (whose buffer goes to the stream and back); the bytes read, or none at the end. */
  const fill = async (view: Uint8Array): Promise<Uint8Array | undefined> => {
    const { done, value } = await reader.read(view);
    return done || !value ? undefined : value;
  };
  let head: Uint8Array = new Uint8Array(maxLineBytes + HELLO_READ_BYTES);
  let held = 0;
  let newline = -1;
  while (newline < 0) {
    if (held > maxLineBytes) return undefined;
    const read = await fill(head.subarray(held));
    if (!read) return undefined;
    head = new Uint8Array(read.buffer);
    const found = read.indexOf(10);
    if (found >= 0) newline = held + found;
    held += read.length;
  }
  const header = JSON.parse(new TextDecoder().decode(head.subarray(0, newline)));
  const size = Number(header?.bytes ?? 0);
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  const early = head.subarray(newline + 1, held);
  let payload: Uint8Array = new Uint8Array(size);
  payload.set(early.subarray(0, size));
  const leftover = early.slice(size);
  for (let at = Math.min(early.length, size); at < size;) {
    const read = await fill(payload.subarray(at));
    if (!read) return undefined;
    payload = new Uint8Array(read.buffer);
    at += read.length;
  }
  reader.releaseLock();
  const tail = stream.getReader();
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (leftover.length > 0) controller.enqueue(leftover);
    },
    async pull(controller) {
      const { done, value } = await tail.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => tail.cancel(reason),
  });
  return { header, payload, rest };
}

/** Granularity of the zero stretches a snapshot travels without. */
const SNAPSHOT_BLOCK_BYTES = 64 * 1024;

/**
 * A start-up snapshot as it travels to a sandbox process: without its stretches of
 * whole zero blocks (about half of Pyodide's memory: the unused stack and heap), so
 * half as many bytes go through the pipe, 64 KiB at a time.
 */
export interface PackedSnapshot {
  /** The snapshot's length. */
  size: number;
  /** The stretches left out, as `[offset, length]`, in order. */
  zeros: [number, number][];
  /** The rest of the snapshot, in order (views into it, not copies). */
  parts: Uint8Array[];
}

/** Whether the block of `words` (32-bit) that starts at byte `start` is all zero. */
function zeroBlock(words: Uint32Array, start: number): boolean {
  let any = 0;
  const end = (start + SNAPSHOT_BLOCK_BYTES) >>> 2;
  for (let i = start >>> 2; any === 0 && i < end; i += 4) {
    any = words[i] | words[i + 1] | words[i + 2] | words[i + 3];
  }
  return any === 0;
}

/** Packs `snapshot` for the pipe ({@link unpackSnapshot} undoes it). */
export function packSnapshot(snapshot: Uint8Array): PackedSnapshot {
  const aligned = snapshot.byteOffset % 4 === 0 ? snapshot : snapshot.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
  const zeros: [number, number][] = [];
  const parts: Uint8Array[] = [];
  let kept = 0;
  for (let at = 0; at + SNAPSHOT_BLOCK_BYTES <= aligned.length; at += SNAPSHOT_BLOCK_BYTES) {
    if (!zeroBlock(words, at)) continue;
    const last = zeros.at(-1);
    if (last && last[0] + last[1] === at) last[1] += SNAPSHOT_BLOCK_BYTES;
    else {
      if (at > kept) parts.push(aligned.subarray(kept, at));
      zeros.push([at, SNAPSHOT_BLOCK_BYTES]);
    }
    kept = at + SNAPSHOT_BLOCK_BYTES;
  }
  if (kept < aligned.length) parts.push(aligned.subarray(kept));
  return { size: aligned.length, zeros, parts };
}

/**
 * The snapshot `payload` (the parts of a {@link PackedSnapshot}, back to back) and the
 * header's `size` and `zeros` stand for, or `undefined` when they do not fit together.
 */
export function unpackSnapshot(
  payload: Uint8Array,
  size: unknown,
  zeros: unknown,
): Uint8Array | undefined {
  if (!Number.isSafeInteger(size) || (size as number) < payload.length) return undefined;
  if (!Array.isArray(zeros)) return undefined;
  const snapshot = new Uint8Array(size as number);
  let read = 0;
  let written = 0;
  for (const stretch of zeros) {
    const [offset, length] = Array.isArray(stretch) ? stretch : [];
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return undefined;
    if (offset < written || length < 0 || offset + length > snapshot.length) return undefined;
    const data = offset - written;
    if (read + data > payload.length) return undefined;
    snapshot.set(payload.subarray(read, read + data), written);
    read += data;
    written = offset + length;
  }
  if (payload.length - read !== snapshot.length - written) return undefined;
  snapshot.set(payload.subarray(read), written);
  return snapshot;
}
