/**
 * Streaming Parquet reading and writing through `hyparquet` and `hyparquet-writer`.
 * A file is read one row group at a time, from byte ranges of the file (never the
 * whole file), so memory stays bounded by the largest row group; values come back as
 * JSON-like objects (64-bit integers as numbers when exact, timestamps as ISO
 * strings). Snappy, gzip, zstd, brotli and LZ4 pages are decoded. Writing buffers
 * rows into row groups and appends each to the file as it fills.
 *
 * @module
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import { PfpoError } from "../errors.ts";

/** A file that is not Parquet, or whose pages cannot be decoded. */
export class ParquetError extends PfpoError {}

/** Options for {@link readParquet}. */
export interface ReadParquetOptions {
  /** Only these top-level columns (default: all). */
  columns?: string[];
  /** Stops reading when aborted. */
  signal?: AbortSignal;
}

/** The row count and top-level column names of a Parquet file, from its footer. */
export interface ParquetInfo {
  rows: number;
  rowGroups: number[];
  columns: string[];
}

/**
 * Reads the footer of a Parquet file: rows, rows per row group, top-level columns.
 *
 * @example Count the rows of a file
 * ```ts
 * import { parquetInfo, writeParquet } from "./parquet.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * await writeParquet(path, [{ a: "x" }, { a: "y" }], { columns: [{ name: "a", type: "STRING" }] });
 * assert.deepEqual(await parquetInfo(path), { rows: 2, rowGroups: [2], columns: ["a"] });
 * ```
 */
export async function parquetInfo(path: string): Promise<ParquetInfo> {
  const file = await FileBuffer.open(path);
  try {
    const metadata = await readMetadata(path, file);
    return {
      rows: Number(metadata.num_rows),
      rowGroups: metadata.row_groups.map((g) => Number(g.num_rows)),
      columns: parquetSchema(metadata).children.map((c) => c.element.name),
    };
  } finally {
    file.close();
  }
}

/**
 * Streams the rows of a Parquet file as objects, one row group at a time.
 *
 * @example Write and read back
 * ```ts
 * import { readParquet, writeParquet } from "./parquet.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * const rows = [{ q: "1+1?", n: 2 }, { q: "2+2?", n: 4 }];
 * await writeParquet(path, rows, {
 *   columns: [{ name: "q", type: "STRING" }, { name: "n", type: "INT64" }],
 * });
 * assert.deepEqual(await Array.fromAsync(readParquet(path)), rows);
 * ```
 */
export async function* readParquet(
  path: string,
  options: ReadParquetOptions = {},
): AsyncGenerator<Record<string, unknown>> {
  const file = await FileBuffer.open(path);
  try {
    const metadata = await readMetadata(path, file);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      options.signal?.throwIfAborted();
      const rowEnd = rowStart + Number(group.num_rows);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({
          file,
          metadata,
          rowStart,
          rowEnd,
          compressors,
          ...(options.columns ? { columns: options.columns } : {}),
        });
      } catch (cause) {
        throw new ParquetError(
          `Cannot read ${path} rows ${rowStart}–${rowEnd - 1}: ${(cause as Error).message}`,
          { cause },
        );
      }
      rowStart = rowEnd;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        rows[i] = undefined as unknown as Record<string, unknown>; // let yielded rows go
        yield plainRow(row);
      }
    }
  } finally {
    file.close();
  }
}

async function readMetadata(path: string, file: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (cause) {
    throw new ParquetError(
      `Cannot read ${path} as Parquet: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** Converts hyparquet's values to JSON-like ones: exact bigints to numbers, dates to ISO strings. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) row[key] = plainValue(row[key]);
  return row;
}

function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainValue(value[i]);
    return value;
  }
  if (ArrayBuffer.isView(value)) return value;
  return plainRow(value as Record<string, unknown>);
}

/** A Parquet file opened for range reads through one file handle. */
class FileBuffer implements AsyncBuffer {
  readonly byteLength: number;
  readonly #file: Deno.FsFile;
  #closed = false;

  private constructor(file: Deno.FsFile, byteLength: number) {
    this.#file = file;
    this.byteLength = byteLength;
  }

  static async open(path: string): Promise<FileBuffer> {
    const file = await Deno.open(path, { read: true });
    return new FileBuffer(file, (await file.stat()).size);
  }

  async slice(start: number, end = this.byteLength): Promise<ArrayBuffer> {
    const bytes = new Uint8Array(Math.max(0, end - start));
    await this.#file.seek(start, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < bytes.length) {
      const n = await this.#file.read(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    return bytes.buffer.slice(0, filled);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}

/** Column types {@link ParquetFileWriter} writes. */
export type ParquetColumnType = "STRING" | "DOUBLE" | "INT64" | "BOOLEAN";

/** A column of {@link ParquetFileWriter}: its name, type and whether it may be null. */
export interface ParquetColumn {
  /** The column's name (a row's field of that name fills it). */
  name: string;
  /** What the column holds. */
  type: ParquetColumnType;
  /** Null allowed (default `false`: every row has a value). */
  nullable?: boolean;
}

/** Options for {@link ParquetFileWriter.open}. */
export interface ParquetWriterOptions {
  /** The columns, in order. */
  columns: readonly ParquetColumn[];
  /** Rows per row group (default 10,000). */
  rowGroupSize?: number;
}

const PHYSICAL = {
  STRING: { type: "BYTE_ARRAY", converted_type: "UTF8" },
  DOUBLE: { type: "DOUBLE" },
  INT64: { type: "INT64" },
  BOOLEAN: { type: "BOOLEAN" },
} as const;

/**
 * Writes rows to a Parquet file (Snappy-compressed, with statistics), buffering at
 * most one row group in memory.
 */
export class ParquetFileWriter<T extends Record<string, unknown>> {
  readonly #writer: ParquetWriter;
  readonly #columns: readonly ParquetColumn[];
  readonly #rowGroupSize: number;
  #buffer: T[] = [];
  #count = 0;

  private constructor(path: string, options: ParquetWriterOptions) {
    this.#columns = options.columns;
    this.#rowGroupSize = options.rowGroupSize ?? 10_000;
    this.#writer = new ParquetWriter({
      writer: fileWriter(path),
      schema: [
        { name: "root", num_children: options.columns.length },
        ...options.columns.map((c) => ({
          name: c.name,
          ...PHYSICAL[c.type],
          repetition_type: c.nullable ? "OPTIONAL" as const : "REQUIRED" as const,
        })),
      ],
      createdBy: "pfpo",
    });
  }

  /** Creates (or replaces) `path`. */
  static open<T extends Record<string, unknown>>(
    path: string,
    options: ParquetWriterOptions,
  ): ParquetFileWriter<T> {
    return new ParquetFileWriter<T>(path, options);
  }

  /** Rows written so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds a row; a full row group is written to the file. */
  async write(row: T): Promise<void> {
    this.#buffer.push(row);
    this.#count++;
    if (this.#buffer.length >= this.#rowGroupSize) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const rows = this.#buffer;
    this.#buffer = [];
    await this.#writer.write({
      columnData: this.#columns.map((c) => ({
        name: c.name,
        data: rows.map((r) => {
          const value = r[c.name] ?? null;
          return c.type === "INT64" && typeof value === "number" ? BigInt(value) : value;
        }),
      })),
      rowGroupSize: rows.length,
    });
  }

  /** Writes the last row group and the footer. */
  async close(): Promise<void> {
    await this.#flush();
    await this.#writer.finish();
  }
}

/**
 * Writes every row of `rows` to `path` as Parquet and returns how many were written.
 */
export async function writeParquet<T extends Record<string, unknown>>(
  path: string,
  rows: AsyncIterable<T> | Iterable<T>,
  options: ParquetWriterOptions,
): Promise<number> {
  const writer = ParquetFileWriter.open<T>(path, options);
  for await (const row of rows) await writer.write(row);
  await writer.close();
  return writer.count;
}
