/**
 * A run directory: the SQLite database, the metrics registry, the pair log, the
 * resolved configuration, the JSONL export of pairs and the summary. Re-opening the
 * same directory resumes: problems already finished are remembered, caches live in
 * the database, and the pair log continues its `seq`.
 *
 * @module
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { PfpoError } from "../errors.ts";
import { writePairsParquet } from "../io/pair_parquet.ts";
import { Metrics } from "../metrics/metrics.ts";
import { openRunDatabase, RUN_DATABASE_FILE } from "../store/database.ts";
import { PairLog } from "../store/pair_log.ts";
import { type FinishedOutcome, FinishedProblems, type ProblemOutcome } from "./finished.ts";
import { PairFile, pairsAfter } from "./pair_file.ts";

/** The files of a run directory. */
export const RUN_FILES = {
  database: RUN_DATABASE_FILE,
  pairs: "pairs.jsonl",
  pairsParquet: "pairs.parquet",
  config: "config.json",
  summaryJson: "summary.json",
  summaryText: "summary.txt",
} as const;

/** A run directory holds a configuration that differs from the one given. */
export class RunConfigMismatchError extends PfpoError {}

/** Options for {@link Run.open}. */
export interface RunOpenOptions {
  /** The resolved configuration, written to `config.json`. */
  config: Record<string, unknown>;
  /**
   * Settings that must match the stored configuration for a resumed run to be the
   * same run (e.g. recipe, problems, seed). Default: none checked.
   */
  identity?: readonly string[];
}

/**
 * An open run directory.
 *
 * @example Open a run in a temporary directory
 * ```ts
 * import { Run } from "./run.ts";
 * import assert from "node:assert";
 * const dir = await Deno.makeTempDir();
 * const run = await Run.open(dir, { config: { recipe: "gold" } });
 * run.finishProblem("p1", { status: "done", detail: { pairs: 0 } });
 * assert.ok(run.isFinished("p1"));
 * run.close();
 * ```
 */
export class Run {
  /** The run directory. */
  readonly dir: string;
  /** The run's name (the directory's base name), recorded in every pair. */
  readonly name: string;
  /** The run database. */
  readonly db: DatabaseSync;
  /** The run's metrics registry. */
  readonly metrics: Metrics;
  /** The run's pair log. */
  readonly pairs: PairLog;
  /** The problems the run has finished, with their outcomes. */
  readonly finished: FinishedProblems;
  /** True when the directory held a run already (this one resumes it). */
  readonly resumed: boolean;
  /** True when opening the run created the directory. */
  readonly #created: boolean;
  /** `pairs.jsonl`, kept equal to the pair log. */
  #pairFile?: PairFile;

  private constructor(dir: string, db: DatabaseSync, resumed: boolean, created: boolean) {
    this.dir = dir;
    this.#created = created;
    this.name = dir.replace(/\/+$/, "").split("/").at(-1) || "run";
    this.db = db;
    this.metrics = new Metrics();
    this.pairs = new PairLog(db);
    this.resumed = resumed;
    this.finished = new FinishedProblems(db);
  }

  /**
   * Opens (creating) the run directory `dir`, checks that a stored configuration
   * agrees on the identity settings, and writes the configuration.
   */
  static async open(dir: string, options: RunOpenOptions): Promise<Run> {
    const created = await Deno.stat(dir).then(() => false, () => true);
    await Deno.mkdir(dir, { recursive: true });
    const configPath = join(dir, RUN_FILES.config);
    const stored = await Deno.readTextFile(configPath).then(JSON.parse, () => undefined) as
      | Record<string, unknown>
      | undefined;
    if (stored) {
      for (const key of options.identity ?? []) {
        if (JSON.stringify(stored[key]) !== JSON.stringify(options.config[key])) {
          throw new RunConfigMismatchError(
            `Cannot resume the run in ${dir}: its ${key} was ${JSON.stringify(stored[key])}, ` +
              `now ${JSON.stringify(options.config[key])}; use another --run directory`,
          );
        }
      }
    }
    const db = openRunDatabase(join(dir, RUN_FILES.database));
    const run = new Run(dir, db, stored !== undefined, created);
    await Deno.writeTextFile(configPath, `${JSON.stringify(options.config, null, 2)}\n`);
    run.pairs.markWriting();
    run.#pairFile = await PairFile.open(join(dir, RUN_FILES.pairs), run.pairs);
    return run;
  }

  /** True when `problemId` was finished by this run or the run it resumes. */
  isFinished(problemId: string): boolean {
    return this.finished.has(problemId);
  }

  /** Records that `problemId` is finished (after its pairs and scores are stored). */
  finishProblem(problemId: string, outcome: ProblemOutcome): void {
    this.finished.record(problemId, outcome);
  }

  /** How many problems this run (and the runs it resumes) finished. */
  finishedCount(): number {
    return this.finished.count();
  }

  /** Every finished problem's outcome, in the order they finished. */
  outcomes(): Generator<FinishedOutcome> {
    return this.finished.all();
  }

  /**
   * Writes every pair of the log to `pairs.parquet` with `parquet` (`pairs.jsonl`
   * follows the log as pairs are committed); returns the count of pairs.
   */
  async exportPairs(options: { parquet?: boolean } = {}): Promise<number> {
    if (options.parquet) {
      await writePairsParquet(join(this.dir, RUN_FILES.pairsParquet), pairsAfter(this.pairs));
    }
    return this.#pairFile?.count ?? 0;
  }

  /** Writes `summary.json` and the readable `summary.txt`. */
  async writeSummary(summary: unknown, text: string): Promise<void> {
    await Deno.writeTextFile(
      join(this.dir, RUN_FILES.summaryJson),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    await Deno.writeTextFile(join(this.dir, RUN_FILES.summaryText), text);
  }

  /** Marks the pair log finished (followers end) and closes the database. */
  finish(): void {
    this.pairs.markFinished();
  }

  /** Closes `pairs.jsonl` and the database. */
  close(): void {
    this.#pairFile?.close();
    this.#pairFile = undefined;
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Closes the run and, unless it resumes an earlier one, removes what opening it
   * made (the directory when it created it, else its files): for a run that could
   * not start, so that the corrected command starts afresh.
   */
  async discard(): Promise<void> {
    this.close();
    if (this.resumed) return;
    if (this.#created) {
      await Deno.remove(this.dir, { recursive: true });
      return;
    }
    const database = RUN_FILES.database;
    const files = [
      RUN_FILES.config,
      RUN_FILES.pairs,
      database,
      `${database}-wal`,
      `${database}-shm`,
    ];
    for (const file of files) {
      await Deno.remove(join(this.dir, file)).catch(() => {});
    }
  }
}
