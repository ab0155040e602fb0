/**
 * Problem detail for the dashboard's drill-down: what the run knows about one
 * problem — its samples, extracted answers or execution results, votes, scores and
 * pairs — gathered from the modules that own each table.
 *
 * @module
 */
import type { ExecutionResult } from "../model/execution.ts";
import type { ScoredSample, Vote } from "../model/feedback.ts";
import type { Pair } from "../model/pair.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import type { DatabaseSync } from "node:sqlite";
import { FeedbackStore } from "../feedback/store.ts";
import { type FinishedOutcome, FinishedProblems, type OutcomeDetail } from "../run/finished.ts";
import { SampleCache } from "../sampling/cache.ts";
import type { PairLog } from "../store/pair_log.ts";
import { LruCache } from "../lru.ts";

/** One program run on one test input. */
export interface ProblemExecution {
  /** The sample whose program ran. */
  sample_index: number;
  /** The test input. */
  input: string;
  /** How the run went. */
  result: ExecutionResult;
}

/** The parts of a problem's detail that a {@link ProblemDetailSource} may know. */
export interface ProblemParts {
  /** The problem itself. */
  problem?: Problem;
  /** Its samples. */
  samples?: Sample[];
  /** Its programs' runs on its test inputs. */
  executions?: ProblemExecution[];
  /** The votes behind its label or tests. */
  votes?: Vote[];
  /** Its samples' scores. */
  scores?: ScoredSample[];
}

/** A problem's detail as `/v1/problems/:id` answers it. */
export interface ProblemDetail extends Required<Omit<ProblemParts, "problem">> {
  problem_id: string;
  problem?: Problem;
  pairs: Pair[];
}

/**
 * A problem the run has finished, with what its processing left behind (its id
 * without the recipe prefix a multi-recipe run keys outcomes by).
 */
export type FinishedProblem = FinishedOutcome;

/** A line of the dashboard's recent-problems table. */
export interface ProblemSummary extends Partial<Omit<FinishedProblem, "problem_id">> {
  problem_id: string;
  /** Pairs the problem gave so far. */
  pairs: number;
  /** The newest `seq` among its pairs (0 when none). */
  last_seq: number;
}

/**
 * Where the server looks up what the run knows about a problem. A pipeline passes
 * one built over its own stores; every method may be sync or async.
 */
export interface ProblemDetailSource {
  /** The parts known about problem `id` (empty when none). */
  parts(id: string): ProblemParts | Promise<ProblemParts>;
  /** The most recently finished problems, newest first. */
  recent?(limit: number): FinishedProblem[] | Promise<FinishedProblem[]>;
}

/**
 * The default {@link ProblemDetailSource}: reads a run database's sample cache
 * (`sample_cache`), the feedback module's votes and scores, and the run's finished
 * problems (`run_problems`), each once its table exists (a run creates them as it
 * goes).
 *
 * @example A run database without those tables yet
 * ```ts
 * import { openRunDatabase } from "../../mod.ts";
 * import { runDatabaseProblems } from "./problems.ts";
 * import assert from "node:assert";
 * const source = runDatabaseProblems(openRunDatabase(":memory:"));
 * assert.deepEqual(source.parts("p"), {});
 * assert.deepEqual(source.recent(10), []);
 * ```
 */
export function runDatabaseProblems(db: DatabaseSync): {
  parts(id: string): ProblemParts;
  recent(limit: number): FinishedProblem[];
} {
  const samples = new SampleCache(db, { readOnly: true });
  const feedback = new FeedbackStore(db, { readOnly: true });
  const finished = new FinishedProblems(db, { readOnly: true });
  return {
    parts(id) {
      const parts: ProblemParts = {};
      const found = samples.forProblem(id);
      if (found.length > 0) parts.samples = found;
      const votes = feedback.votes(id);
      const scores = feedback.scores(id);
      if (votes.length > 0) parts.votes = votes;
      if (scores.length > 0) {
        // The cache holds the completions; scores name them by sample index.
        const completions = new Map(found.map((s) => [s.index, s.completion]));
        parts.scores = scores.map((s) => ({ ...s, completion: completions.get(s.index) ?? "" }));
      }
      return parts;
    },
    recent(limit) {
      return finished.recent(limit).map((outcome) => ({
        ...outcome,
        problem_id: problemIdOfKey(outcome.problem_id, outcome.detail),
      }));
    },
  };
}

/**
 * A pipeline that runs several recipes over one problem set keys its finished
 * problems as `<recipe>:<problem id>` and names the recipe in the detail.
 */
function problemIdOfKey(key: string, detail: OutcomeDetail): string {
  const prefix = detail.recipe === undefined ? undefined : `${detail.recipe}:`;
  return prefix && key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

/** Options for {@link ProblemDetailRecorder}. */
export interface ProblemDetailRecorderOptions {
  /** Looked up for the parts nothing was recorded for (e.g. {@link runDatabaseProblems}). */
  fallback?: ProblemDetailSource;
  /** Most problems kept; the least recently recorded are dropped first. Default 1000. */
  maxProblems?: number;
}

/**
 * A bounded, in-memory {@link ProblemDetailSource} that a pipeline feeds as problems
 * pass through it — for parts that no table keys by problem, such as the execution
 * results of a problem's programs (the sandbox caches them by content).
 *
 * @example Record executions, read votes from the database
 * ```ts
 * import { openRunDatabase } from "../../mod.ts";
 * import { ProblemDetailRecorder, runDatabaseProblems } from "./problems.ts";
 * import assert from "node:assert";
 * const details = new ProblemDetailRecorder({
 *   fallback: runDatabaseProblems(openRunDatabase(":memory:")),
 * });
 * details.record("p", {
 *   executions: [{
 *     sample_index: 0, input: "1", result: { status: "ok", stdout: "2\n", stderr: "", duration_ms: 4 },
 *   }],
 * });
 * const parts = await details.parts("p");
 * assert.equal(parts.executions?.[0].result.stdout, "2\n");
 * assert.equal(parts.votes, undefined);
 * ```
 */
export class ProblemDetailRecorder implements ProblemDetailSource {
  readonly #recorded: LruCache<string, ProblemParts>;
  readonly #fallback?: ProblemDetailSource;

  /** Creates an empty recorder. */
  constructor(options: ProblemDetailRecorderOptions = {}) {
    this.#fallback = options.fallback;
    this.#recorded = new LruCache(options.maxProblems ?? 1000);
  }

  /** Records parts of problem `id`, replacing the same parts recorded before. */
  record(id: string, parts: ProblemParts): void {
    this.#recorded.set(id, { ...this.#recorded.peek(id), ...parts });
  }

  /** The fallback's recently finished problems. */
  async recent(limit: number): Promise<FinishedProblem[]> {
    return (await this.#fallback?.recent?.(limit)) ?? [];
  }

  /** The recorded parts of `id`, with the fallback's for the rest. */
  async parts(id: string): Promise<ProblemParts> {
    const recorded = this.#recorded.peek(id) ?? {};
    const fallback = this.#fallback ? await this.#fallback.parts(id) : {};
    return { ...fallback, ...recorded };
  }
}

/**
 * Gathers the detail of problem `id`: the source's parts plus its pairs from the
 * log. Returns `undefined` when nothing at all is known about it.
 *
 * @example Pairs of one problem
 * ```ts
 * import { openRunDatabase, PairLog } from "../../mod.ts";
 * import { problemDetail } from "./problems.ts";
 * import assert from "node:assert";
 * const log = new PairLog(openRunDatabase(":memory:"));
 * log.append([{
 *   problem_id: "p", prompt: "q", chosen: "a", rejected: "b",
 *   chosen_score: 1, rejected_score: 0, feedback: "gold", run: "r",
 * }]);
 * const source = { parts: () => ({}) };
 * const detail = await problemDetail("p", { log, source });
 * assert.equal(detail?.pairs.length, 1);
 * assert.equal(await problemDetail("missing", { log, source }), undefined);
 * ```
 */
export async function problemDetail(
  id: string,
  options: { log: PairLog; source: ProblemDetailSource },
): Promise<ProblemDetail | undefined> {
  const parts = await options.source.parts(id);
  const pairs = options.log.forProblem(id);
  const known = pairs.length > 0 || Object.values(parts).some((v) => v !== undefined);
  if (!known) return undefined;
  return {
    problem_id: id,
    ...(parts.problem ? { problem: parts.problem } : {}),
    samples: parts.samples ?? [],
    executions: parts.executions ?? [],
    votes: parts.votes ?? [],
    scores: parts.scores ?? [],
    pairs,
  };
}

/**
 * The problems for the dashboard's table, newest first: the source's recently
 * finished problems when it knows any, else the problems of the newest pairs
 * (reading at most `scan` pairs back from the head of the log).
 */
export async function recentProblems(
  log: PairLog,
  options: { limit?: number; scan?: number; source?: ProblemDetailSource } = {},
): Promise<ProblemSummary[]> {
  const { limit = 20, scan = 1000 } = options;
  const pairsOf = (id: string) => {
    const pairs = log.forProblem(id);
    return { pairs: pairs.length, last_seq: pairs.at(-1)?.seq ?? 0 };
  };
  const finished = (await options.source?.recent?.(limit)) ?? [];
  if (finished.length > 0) return finished.map((p) => ({ ...p, ...pairsOf(p.problem_id) }));
  const head = log.lastSeq();
  const newest = new Map<string, number>();
  for (const pair of log.after(Math.max(0, head - scan), { limit: scan })) {
    newest.delete(pair.problem_id);
    newest.set(pair.problem_id, pair.seq);
  }
  return [...newest.keys()].reverse().slice(0, limit).map((id) => ({
    problem_id: id,
    ...pairsOf(id),
  }));
}
