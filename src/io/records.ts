/**
 * Records of a dataset, whatever its files: one JSONL or Parquet file, a folder of
 * shards or a glob of them, streamed in file-name order with each record's place
 * (file, line or row, and its index across all files). A record that breaks a
 * reader's contract becomes a {@link RecordError} naming that place.
 *
 * @module
 */
import { glob } from "node:fs/promises";
import { extname, join } from "node:path";
import { PfpoError } from "../errors.ts";
import { readLines } from "./jsonl.ts";
import { type RecordError, recordError } from "./record_error.ts";
import { readParquet } from "./parquet.ts";

/** No data files where a dataset was expected. */
export class NoDataFilesError extends PfpoError {}

/** A record and where it came from. */
export interface SourceRecord {
  /** The record (a parsed JSON line or a Parquet row). */
  value: unknown;
  /** The file it came from. */
  file: string;
  /** `"line"` (JSONL, from 1) or `"row"` (Parquet, from 0). */
  unit: "line" | "row";
  /** Its line or row in the file. */
  position: number;
  /** Its index across all the files read, from 0. */
  index: number;
}

/** The file name endings read as data: JSONL (optionally gzip) and Parquet. */
export const DATA_FILE_ENDINGS = [".jsonl", ".jsonl.gz", ".json", ".parquet"] as const;

/** True when `path` names a Parquet file. */
export function isParquet(path: string): boolean {
  return extname(path).toLowerCase() === ".parquet";
}

function isDataFile(path: string): boolean {
  const lower = path.toLowerCase();
  return DATA_FILE_ENDINGS.some((ending) => lower.endsWith(ending));
}

/**
 * The files a dataset argument names: a file is itself; a folder gives its data
 * files (JSONL, `.jsonl.gz`, Parquet) in name order; a glob (`data/train-*.parquet`,
 * `data/**\/*.jsonl`) gives its matches in name order.
 *
 * @example A folder of shards
 * ```ts
 * import { dataFiles } from "./records.ts";
 * import assert from "node:assert";
 * const dir = await Deno.makeTempDir();
 * for (const name of ["b.jsonl", "a.jsonl", "notes.txt"]) await Deno.writeTextFile(`${dir}/${name}`, "");
 * assert.deepEqual(await dataFiles(dir), [`${dir}/a.jsonl`, `${dir}/b.jsonl`]);
 * assert.deepEqual(await dataFiles(`${dir}/b*`), [`${dir}/b.jsonl`]);
 * ```
 */
export async function dataFiles(spec: string): Promise<string[]> {
  if (/[*?[{]/.test(spec)) {
    const files: string[] = [];
    for await (const path of glob(spec)) if (isDataFile(path)) files.push(path);
    if (files.length === 0) throw new NoDataFilesError(`No data files match ${spec}`);
    return files.sort();
  }
  const stat = await Deno.stat(spec);
  if (!stat.isDirectory) return [spec];
  const files: string[] = [];
  for await (const entry of Deno.readDir(spec)) {
    if (entry.isFile && isDataFile(entry.name)) files.push(join(spec, entry.name));
  }
  if (files.length === 0) {
    throw new NoDataFilesError(
      `No data files in ${spec}: expected ${DATA_FILE_ENDINGS.join(", ")} files`,
    );
  }
  return files.sort();
}

/** Options for {@link readRecords}. */
export interface ReadRecordsOptions {
  /** Skip lines that are not JSON (calling `onSkip`) instead of stopping. */
  skipMalformed?: boolean;
  /** Called for each skipped line. */
  onSkip?: (error: RecordError) => void;
  /** Stops reading when aborted. */
  signal?: AbortSignal;
}

/**
 * Streams the records of `files` in order, JSONL line by line and Parquet row group
 * by row group. Blank JSONL lines are ignored; a line that is not JSON stops the
 * stream with a {@link JsonlError} (or is skipped with `skipMalformed`).
 *
 * @example Records of two files, indexed across both
 * ```ts
 * import { readRecords } from "./records.ts";
 * import assert from "node:assert";
 * const a = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const b = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(a, '{"x":1}\n\n{"x":2}\n');
 * await Deno.writeTextFile(b, '{"x":3}\n');
 * const records = await Array.fromAsync(readRecords([a, b]));
 * assert.deepEqual(records.map((r) => [r.position, r.index]), [[1, 0], [3, 1], [1, 2]]);
 * ```
 */
export async function* readRecords(
  files: readonly string[],
  options: ReadRecordsOptions = {},
): AsyncGenerator<SourceRecord> {
  let index = 0;
  for (const file of files) {
    if (isParquet(file)) {
      let row = 0;
      for await (const value of readParquet(file, { signal: options.signal })) {
        yield { value, file, unit: "row", position: row++, index: index++ };
      }
      continue;
    }
    let line = 0;
    for await (const text of readLines(file, options.signal)) {
      line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        const error = recordError({ file, unit: "line", position: line }, cause);
        if (!options.skipMalformed) throw error;
        options.onSkip?.(error);
        continue;
      }
      yield { value, file, unit: "line", position: line, index: index++ };
    }
  }
}
