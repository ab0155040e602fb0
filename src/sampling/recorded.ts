/**
 * Recorded samples: completions made earlier (an offline vLLM batch, another tool)
 * replayed from a JSONL file of `{"problem_id", "completions": [...]}` lines, with
 * the same windows and early stop as the policy sampler.
 *
 * The file is streamed, never loaded whole. It is expected in about the same order
 * as the problems: for each problem the reader looks ahead at most `lookAhead`
 * lines, keeping the records it passes (at most `lookAhead` of them) for the
 * problems that follow. A problem not found within that look-ahead gets one sample
 * with `failure: "missing"`; a record that is never used (pushed out of the
 * buffer because its problem came much later, still kept when the problems ran out,
 * or a duplicate line) is counted in `pfpo_samples_recorded_skipped_total`. With files in a different order, raise
 * `lookAhead` to the distance records are out of place (memory grows with it), or
 * sort the file by problem first.
 *
 * @module
 */
import { LruCache } from "../lru.ts";
import { readJsonl } from "../io/jsonl.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Problem } from "../model/problem.ts";
import { parseRecordedSamples, type RecordedSamples, type Sample } from "../model/sample.ts";
import { type SamplingMetrics, samplingMetrics } from "./metrics.ts";
import {
  type ProblemDraw,
  type SamplingStage,
  type SamplingWindowOptions,
  windowedStage,
} from "./windows.ts";

/** Options for {@link recordedSampler}. */
export interface RecordedSamplerOptions extends SamplingWindowOptions {
  /** Lines read ahead for one problem, and records kept for later problems. Default 1000. */
  lookAhead?: number;
  /** The run's metrics. */
  metrics?: Metrics;
  /** Problems worked on at once (while waiting on `decide`). Default 64. */
  maxActiveProblems?: number;
}

/**
 * Makes a stage that replays recorded completions for the problems that flow in.
 * `source` is a JSONL path (`.gz` allowed) or an iterable of records. Sample `i` of
 * a problem is its record's `completions[i]`; a blank completion has
 * `failure: "empty"`.
 *
 * @example Replay two completions in windows of one, stopping after the first
 * ```ts
 * import { recordedSampler } from "./recorded.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const records = [{ problem_id: "m", completions: ["\\boxed{2}", "\\boxed{3}"] }];
 * const stage = recordedSampler(records, { window: 1, decide: () => "stop" });
 * const samples = await Array.fromAsync(pipe([{ id: "m", kind: "math" as const, prompt: "1+1?" }], stage));
 * assert.deepEqual(samples.map((s) => s.completion), ["\\boxed{2}"]);
 * ```
 */
export function recordedSampler(
  source: string | AsyncIterable<RecordedSamples> | Iterable<RecordedSamples>,
  options: RecordedSamplerOptions = {},
): SamplingStage {
  const metrics = samplingMetrics(options.metrics);
  const lookAhead = options.lookAhead ?? 1000;
  if (!Number.isInteger(lookAhead) || lookAhead < 1) {
    throw new RangeError(
      `Cannot replay samples: lookAhead must be a positive integer, got ${lookAhead}`,
    );
  }
  const inner = new Set<SamplingStage>();
  const replay = async function* <T>(
    pick: (windows: SamplingStage) => AsyncIterable<T>,
  ): AsyncGenerator<T> {
    const records = typeof source === "string"
      ? readJsonl(source, { parse: parseRecordedSamples, signal: options.signal })
      : source;
    const index = new RecordIndex(records, lookAhead, metrics);
    const windows = windowedStage({
      samples: options.samples ?? Infinity,
      window: options.window,
      decide: options.decide,
      signal: options.signal,
      maxActive: options.maxActiveProblems ?? 64,
      prepare: (problem) => index.prepare(problem.id),
    });
    inner.add(windows);
    try {
      yield* pick(windows);
    } finally {
      inner.delete(windows);
      await index.close();
    }
  };
  const stage = (problems: AsyncIterable<Problem>): AsyncGenerator<Sample> =>
    replay((windows) => windows(problems));
  return Object.assign(stage, {
    stop(problemId: string) {
      for (const windows of inner) windows.stop(problemId);
    },
    grouped: <Q extends Problem>(problems: AsyncIterable<Q>) =>
      replay((windows) => windows.grouped(problems)),
  });
}

/** Finds records by problem id in a stream, with a bounded look-ahead buffer. */
class RecordIndex {
  readonly #iterator: AsyncIterator<RecordedSamples> | Iterator<RecordedSamples>;
  readonly #buffer: LruCache<string, RecordedSamples>;
  readonly #lookAhead: number;
  readonly #metrics: SamplingMetrics;
  #done = false;

  constructor(
    records: AsyncIterable<RecordedSamples> | Iterable<RecordedSamples>,
    lookAhead: number,
    metrics: SamplingMetrics,
  ) {
    this.#iterator = Symbol.asyncIterator in records
      ? records[Symbol.asyncIterator]()
      : records[Symbol.iterator]();
    this.#lookAhead = lookAhead;
    this.#buffer = new LruCache(lookAhead);
    this.#metrics = metrics;
  }

  async prepare(problemId: string): Promise<ProblemDraw> {
    const record = await this.#find(problemId);
    if (!record || record.completions.length === 0) {
      const detail = record
        ? "The recorded samples line has no completions"
        : `No recorded samples for this problem within ${this.#lookAhead} lines of look-ahead`;
      return {
        count: 1,
        draw: (_indices, { emit }) => {
          this.#metrics.failed("missing");
          emit({
            problem_id: problemId,
            index: 0,
            completion: "",
            failure: "missing",
            failure_detail: detail,
          });
          return Promise.resolve();
        },
      };
    }
    return {
      count: record.completions.length,
      draw: (indices, { emit }) => {
        for (const index of indices) {
          const completion = record.completions[index];
          const sample: Sample = { problem_id: problemId, index, completion };
          if (completion.trim() === "") {
            sample.failure = "empty";
            sample.failure_detail = "The recorded completion is empty";
            this.#metrics.failed("empty");
          }
          emit(sample);
        }
        return Promise.resolve();
      },
    };
  }

  async #find(problemId: string): Promise<RecordedSamples | undefined> {
    const kept = this.#buffer.peek(problemId);
    if (kept) {
      this.#buffer.delete(problemId);
      return kept;
    }
    for (let read = 0; read < this.#lookAhead && !this.#done; read++) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.#done = true;
        break;
      }
      const record = next.value;
      if (record.problem_id === problemId) return record;
      if (this.#buffer.has(record.problem_id)) {
        this.#metrics.recordSkipped(); // a duplicate line: the first one wins
        continue;
      }
      if (this.#buffer.set(record.problem_id, record) !== undefined) {
        this.#metrics.recordSkipped(); // the oldest buffered record fell out
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    for (let i = 0; i < this.#buffer.size; i++) this.#metrics.recordSkipped();
    this.#buffer.clear();
    if (!this.#done) await this.#iterator.return?.();
  }
}
