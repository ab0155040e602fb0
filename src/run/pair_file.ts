/**
 * `pairs.jsonl` kept equal to the pair log while the run writes: rewritten from the
 * log when the run opens (so a file a killed run left short or cut mid-line is
 * repaired), then appended to as each batch of pairs is committed.
 *
 * @module
 */
import { writeJsonl } from "../io/jsonl.ts";
import type { Pair } from "../model/pair.ts";
import type { PairLog } from "../store/pair_log.ts";

/** Every pair of `log` with `seq > after`, in `seq` order, a page at a time. */
export function* pairsAfter(log: PairLog, after = 0): Generator<Pair> {
  while (true) {
    const page = log.after(after, { limit: 1000 });
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1].seq;
  }
}

/**
 * The JSONL mirror of a pair log.
 *
 * @example Follow a log
 * ```ts
 * import { openRunDatabase } from "../store/database.ts";
 * import { PairLog } from "../store/pair_log.ts";
 * import { PairFile } from "./pair_file.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const file = await PairFile.open(path, log);
 * log.append([{
 *   problem_id: "p", prompt: "q", chosen: "a", rejected: "b",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold", run: "r",
 * }]);
 * assert.equal(file.count, 1);
 * assert.equal((await Deno.readTextFile(path)).split("\n").length, 2);
 * file.close();
 * ```
 */
export class PairFile {
  readonly #log: PairLog;
  readonly #file: Deno.FsFile;
  readonly #stop: () => void;
  readonly #encoder = new TextEncoder();
  #seq: number;
  #count: number;

  private constructor(log: PairLog, file: Deno.FsFile, seq: number, count: number) {
    this.#log = log;
    this.#file = file;
    this.#seq = seq;
    this.#count = count;
    this.#stop = log.onAppend(() => this.#follow());
  }

  /** Rewrites `path` from `log`, then appends to it as the log grows. */
  static async open(path: string, log: PairLog): Promise<PairFile> {
    let seq = 0;
    const count = await writeJsonl(
      path,
      (function* () {
        for (const pair of pairsAfter(log)) {
          seq = pair.seq;
          yield pair;
        }
      })(),
    );
    const file = await Deno.open(path, { write: true, append: true });
    const mirror = new PairFile(log, file, seq, count);
    mirror.#follow(); // pairs committed while the file was rewritten
    return mirror;
  }

  /** Pairs in the file. */
  get count(): number {
    return this.#count;
  }

  /** Writes the pairs committed since the last write, synchronously (before the next commit). */
  #follow(): void {
    const lines: string[] = [];
    for (const pair of pairsAfter(this.#log, this.#seq)) {
      lines.push(`${JSON.stringify(pair)}\n`);
      this.#seq = pair.seq;
    }
    const bytes = this.#encoder.encode(lines.join(""));
    for (let at = 0; at < bytes.length;) at += this.#file.writeSync(bytes.subarray(at));
    this.#count += lines.length;
  }

  /** Stops following and closes the file. */
  close(): void {
    this.#stop();
    this.#file.close();
  }
}
