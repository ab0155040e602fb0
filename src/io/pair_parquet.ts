/**
 * Pairs as Parquet: TRL's DPO columns (`prompt`, `chosen`, `rejected`) first, then
 * the provenance of the JSONL export, one row group per 10,000 pairs. Loads with
 * `datasets.load_dataset("parquet", data_files="pairs.parquet", split="train")`.
 *
 * @module
 */
import type { Pair } from "../model/pair.ts";
import { type ParquetColumn, writeParquet } from "./parquet.ts";

/** The columns of `pairs.parquet`, in order. `step` is the step detail as JSON text. */
export const PAIR_PARQUET_COLUMNS: readonly ParquetColumn[] = [
  { name: "prompt", type: "STRING" },
  { name: "chosen", type: "STRING" },
  { name: "rejected", type: "STRING" },
  { name: "seq", type: "INT64" },
  { name: "id", type: "STRING" },
  { name: "problem_id", type: "STRING" },
  { name: "chosen_score", type: "DOUBLE" },
  { name: "rejected_score", type: "DOUBLE" },
  { name: "feedback", type: "STRING" },
  { name: "run", type: "STRING" },
  { name: "level", type: "STRING" },
  { name: "step", type: "STRING", nullable: true },
];

/**
 * Writes pairs to a Parquet file and returns how many were written.
 *
 * @example Export and read back
 * ```ts
 * import { writePairsParquet } from "./pair_parquet.ts";
 * import { readParquet } from "./parquet.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * const pair = {
 *   seq: 1, id: "sha256-0", problem_id: "p", prompt: "1+1?", chosen: "2", rejected: "3",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold", run: "r", level: "solution",
 * } as const;
 * assert.equal(await writePairsParquet(path, [pair]), 1);
 * const [row] = await Array.fromAsync(readParquet(path));
 * assert.deepEqual([row.prompt, row.chosen, row.rejected, row.step], ["1+1?", "2", "3", null]);
 * ```
 */
export async function writePairsParquet(
  path: string,
  pairs: AsyncIterable<Pair> | Iterable<Pair>,
): Promise<number> {
  return await writeParquet(path, rows(pairs), { columns: PAIR_PARQUET_COLUMNS });
}

async function* rows(pairs: AsyncIterable<Pair> | Iterable<Pair>) {
  for await (const pair of pairs) {
    yield { ...pair, step: pair.step ? JSON.stringify(pair.step) : null };
  }
}
