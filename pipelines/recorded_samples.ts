/**
 * Recorded policy samples against the problems: a look at the start of both files
 * before any work (ids that do not match, continuations paired with chat prompts),
 * and, after the run, the records that matched no problem of the run.
 *
 * @module
 */
import {
  checkRecordedSamples,
  parseRecordedSamples,
  type Problem,
  readJsonl,
  readProblems,
  type RecordedSamples,
  recordedSamplesWarnings,
  type Run,
} from "../mod.ts";
import { problemKey, problemReading } from "./context.ts";
import type { PipelineConfig } from "./config.ts";
import type { RecipeName } from "./flags.ts";

/** Problems looked at before the run. */
const PROBLEMS_LOOKED_AT = 100;
/** Records looked at before the run: the recorded sampler's default look-ahead. */
const RECORDS_LOOKED_AT = 1000;

async function firstOf<T>(items: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

/**
 * The warnings about the recorded samples file `path` for the problems of `flags`,
 * from the first problems and records of each file.
 */
export async function recordedSamplesNotes(
  config: PipelineConfig,
  path: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const problems = await firstOf<Problem>(
    readProblems(config.problems, problemReading(config, signal)),
    PROBLEMS_LOOKED_AT,
  );
  const records = await firstOf<RecordedSamples>(
    readJsonl(path, { parse: parseRecordedSamples, signal }),
    RECORDS_LOOKED_AT,
  );
  return recordedSamplesWarnings(checkRecordedSamples(problems, records), {
    api: config.api,
  });
}

/** The records of a recorded samples file against the problems a run finished. */
export interface RecordedSamplesFigures {
  file: string;
  /** Lines in the file. */
  records: number;
  /** Lines whose `problem_id` is no problem the run finished (for any of its recipes). */
  unmatched_records: number;
  /** The first such line's `problem_id`. */
  unmatched_example?: string;
}

/** Reads `path` once, streaming, and counts its records that matched no finished problem. */
export async function recordedSamplesFigures(
  run: Run,
  recipes: readonly RecipeName[],
  path: string,
): Promise<RecordedSamplesFigures> {
  const figures: RecordedSamplesFigures = { file: path, records: 0, unmatched_records: 0 };
  for await (const record of readJsonl(path, { parse: parseRecordedSamples })) {
    figures.records++;
    if (recipes.some((recipe) => run.isFinished(problemKey(recipe, record.problem_id)))) continue;
    figures.unmatched_records++;
    figures.unmatched_example ??= record.problem_id;
  }
  return figures;
}
