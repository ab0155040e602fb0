/**
 * Streaming JSONL (optionally gzip-compressed) reading and writing. Files are read
 * chunk by chunk and never loaded whole; a malformed line is reported with the file,
 * line number and the field at fault. Stands in for `@std/streams`'
 * `TextLineStream` and `@std/json`'s `JsonParseStream`.
 *
 * @module
 */
import { splitLines } from "./lines.ts";
import { JsonlError, recordError } from "./record_error.ts";

export { JsonlError };

/** Options for {@link readJsonl}. */
export interface ReadJsonlOptions<T> {
  /** Validates and converts each parsed line; throw a `FieldError` to name the field. */
  parse?: (value: unknown) => T;
  /** Skip malformed lines (calling `onSkip`) instead of stopping. Default `false`. */
  skipMalformed?: boolean;
  /** Called for each skipped line. */
  onSkip?: (error: JsonlError) => void;
  /** Stops reading when aborted. */
  signal?: AbortSignal;
}

/**
 * Reads a JSONL file (gzip when the name ends in `.gz`) line by line. Blank lines
 * are ignored.
 *
 * @example Read a file of problems
 * ```ts
 * import { readJsonl, writeJsonl } from "./jsonl.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await writeJsonl(path, [{ a: 1 }, { a: 2 }]);
 * const rows = await Array.fromAsync(readJsonl<{ a: number }>(path));
 * assert.deepEqual(rows.map((r) => r.a), [1, 2]);
 * ```
 */
export async function* readJsonl<T = unknown>(
  path: string,
  options: ReadJsonlOptions<T> = {},
): AsyncGenerator<T> {
  const { parse, skipMalformed = false, onSkip, signal } = options;
  let lineNumber = 0;
  for await (const line of readLines(path, signal)) {
    lineNumber++;
    if (line.trim() === "") continue;
    let value: T;
    try {
      const json: unknown = JSON.parse(line);
      value = parse ? parse(json) : json as T;
    } catch (cause) {
      const error = recordError(
        { file: path, unit: "line", position: lineNumber },
        cause,
      ) as JsonlError;
      if (!skipMalformed) throw error;
      onSkip?.(error);
      continue;
    }
    yield value;
  }
}

/** Reads a text file (gzip when the name ends in `.gz`) as lines, without line endings. */
export async function* readLines(path: string, signal?: AbortSignal): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  let stream: ReadableStream<Uint8Array> = file.readable;
  if (path.endsWith(".gz")) {
    stream = stream.pipeThrough(
      new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  const text = stream.pipeThrough(new TextDecoderStream());
  try {
    yield* splitLines(checked(text, signal), { partialLast: true });
  } finally {
    // Closes the file when reading stopped before the stream was opened.
    await text.cancel().catch(() => {});
  }
}

/** The chunks of `text`, throwing once `signal` has aborted. */
async function* checked(
  text: AsyncIterable<string>,
  signal: AbortSignal | undefined,
): AsyncGenerator<string> {
  signal?.throwIfAborted();
  for await (const chunk of text) {
    signal?.throwIfAborted();
    yield chunk;
  }
}

/** Options for {@link JsonlWriter.open}. */
export interface JsonlWriterOptions {
  /** Append to an existing file instead of replacing it. Default `false`. */
  append?: boolean;
}

/**
 * Writes values as JSONL lines (gzip when the name ends in `.gz`), honouring the
 * file's backpressure.
 */
export class JsonlWriter<T = unknown> {
  readonly #writer: WritableStreamDefaultWriter<string>;
  readonly #closed: Promise<void>;
  #count = 0;

  private constructor(writable: WritableStream<Uint8Array>, gzip: boolean) {
    const encoder = new TextEncoderStream();
    const bytes = gzip
      ? encoder.readable.pipeThrough(
        new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
      )
      : encoder.readable;
    this.#closed = bytes.pipeTo(writable);
    this.#writer = encoder.writable.getWriter();
  }

  /** Opens `path` for writing. */
  static async open<T>(path: string, options: JsonlWriterOptions = {}): Promise<JsonlWriter<T>> {
    const append = options.append ?? false;
    const file = await Deno.open(path, {
      write: true,
      create: true,
      append,
      truncate: !append,
    });
    return new JsonlWriter<T>(file.writable, path.endsWith(".gz"));
  }

  /** Lines written so far. */
  get count(): number {
    return this.#count;
  }

  /** Writes one value as a line, waiting while the file is busy. */
  async write(value: T): Promise<void> {
    await this.#writer.ready;
    await this.#writer.write(`${JSON.stringify(value)}\n`);
    this.#count++;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.#writer.close();
    await this.#closed;
  }
}

/**
 * Writes every value of `items` to `path` as JSONL and returns how many were written.
 *
 * @example Write and count
 * ```ts
 * import { writeJsonl } from "./jsonl.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
 * assert.equal(await writeJsonl(path, [1, 2, 3]), 3);
 * ```
 */
export async function writeJsonl<T>(
  path: string,
  items: AsyncIterable<T> | Iterable<T>,
  options: JsonlWriterOptions = {},
): Promise<number> {
  const writer = await JsonlWriter.open<T>(path, options);
  try {
    for await (const item of items) await writer.write(item);
  } finally {
    await writer.close();
  }
  return writer.count;
}
