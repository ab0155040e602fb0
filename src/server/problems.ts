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
import type { PairLog } from "../store/pair_log.ts";

/** One program run on one test input. */
export interface ProblemExecution {
  /** The sample whose program ran. */
  sample_index: number;
  /** The test input. */
  input: string;
  result: ExecutionResult;
}

/** The parts of a problem's detail that a {@link ProblemDetailSource} may know. */
export interface ProblemParts {
  problem?: Problem;
  samples?: Sample[];
  executions?: ProblemExecution[];
  votes?: Vote[];
  scores?: ScoredSample[];
}

/** A problem's detail as `/v1/problems/:id` answers it. */
export interface ProblemDetail extends Required<Omit<ProblemParts, "problem">> {
  problem_id: string;
  problem?: Problem;
  pairs: Pair[];
}

/** A line of the dashboard's recent-problems table. */
export interface ProblemSummary {
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
 * const detail = await problemDetail("p", { log });
 * assert.equal(detail?.pairs.length, 1);
 * assert.equal(await problemDetail("missing", { log }), undefined);
 * ```
 */
export async function problemDetail(
  id: string,
  options: { log: PairLog; source?: ProblemDetailSource },
): Promise<ProblemDetail | undefined> {
  const parts = options.source ? await options.source.parts(id) : {};
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
 * The problems of the newest pairs, newest first: reads at most `scan` pairs back
 * from the head of the log.
 */
export function recentProblems(
  log: PairLog,
  options: { limit?: number; scan?: number } = {},
): ProblemSummary[] {
  const { limit = 20, scan = 1000 } = options;
  const head = log.lastSeq();
  const byProblem = new Map<string, ProblemSummary>();
  for (const pair of log.after(Math.max(0, head - scan), { limit: scan })) {
    const entry = byProblem.get(pair.problem_id) ?? {
      problem_id: pair.problem_id,
      pairs: 0,
      last_seq: 0,
    };
    entry.last_seq = pair.seq;
    byProblem.set(pair.problem_id, entry);
  }
  const newest = [...byProblem.values()].sort((a, b) => b.last_seq - a.last_seq).slice(0, limit);
  for (const entry of newest) entry.pairs = log.forProblem(entry.problem_id).length;
  return newest;
}
