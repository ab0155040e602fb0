/**
 * What the matrix of programs × test inputs tells beyond a per-input majority:
 * programs with the same output on every input form a cluster (a behaviour), and a
 * cluster's features (its share of the programs, its lead over the next cluster,
 * how much the other programs agree with it input by input, how often it runs)
 * say how likely that behaviour is the right one.
 *
 * This module consumes execution results; it never runs anything itself.
 *
 * @module
 */
import { sameOutput, sameValue } from "../../sandbox/judge.ts";
import type { ExecutionResult } from "../model/execution.ts";
import { AnswerVote, type Equivalence } from "./answer_vote.ts";
import { outputOf } from "./code.ts";

/** The features of a cluster, each in [0, 1] whatever the number of programs or inputs. */
export interface ClusterFeatures {
  /** The cluster's share of the programs that ran. */
  share: number;
  /** Its size over its size plus the biggest other cluster's (1: no other cluster). */
  lead: number;
  /**
   * On the inputs where it ran, the mean share of the other programs that produced
   * the same output (how much of the rest agrees with it, input by input).
   */
  support: number;
  /** The share of the inputs on which it ran `ok`. */
  ran: number;
}

/** The names of {@link ClusterFeatures}, in the order models use them. */
export const CLUSTER_FEATURES = ["share", "lead", "support", "ran"] as const;

/** Programs that produced the same output on every input. */
export interface ProgramCluster {
  /** Its programs (sample indices), smallest first. */
  programs: number[];
  /** Its output group on each input (`undefined`: the run did not end `ok`). */
  groups: (number | undefined)[];
  /** Its output on each input (`undefined`: the run did not end `ok`). */
  outputs: (string | undefined)[];
  /** What the cluster's confidence is computed from. */
  features: ClusterFeatures;
}

/** Options for {@link clusterPrograms}. */
export interface ClusterOptions {
  /**
   * Whether two outputs are the same. Default: the judge's comparison (canonical
   * values for runs that report a return value, stdout lines otherwise).
   */
  same?: Equivalence;
}

/** The clusters of one problem's programs, and each program's output groups. */
export interface ProgramClusters {
  /** Clusters, biggest first (ties: the one holding the smallest program index). */
  clusters: ProgramCluster[];
  /** The cluster (position in `clusters`) of each program; `undefined` when it has no results. */
  clusterOf: (number | undefined)[];
  /** Inputs. */
  inputs: number;
}

/**
 * Clusters programs by their outputs on every input. `results[p][i]` is program
 * `p`'s result on input `i`; a program without results (`undefined`, or a row of
 * `undefined`: a sample with no program to run) takes no part.
 *
 * @example The right behaviour is not the biggest cluster's
 * ```ts
 * import { clusterPrograms } from "./code_clusters.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const run = (...outs: string[]) => outs.map(ok);
 * const { clusters } = clusterPrograms([
 *   run("1", "4", "9"), run("1", "4", "9"),
 *   run("1", "4", "0"), run("1", "4", "0"), run("1", "4", "0"),
 * ]);
 * assert.deepEqual(clusters.map((c) => c.programs), [[2, 3, 4], [0, 1]]);
 * assert.equal(clusters[1].features.share, 0.4);
 * ```
 */
export function clusterPrograms(
  results: readonly (readonly (ExecutionResult | undefined)[] | undefined)[],
  options: ClusterOptions = {},
): ProgramClusters {
  const inputs = Math.max(0, ...results.map((r) => r?.length ?? 0));
  let values: boolean | undefined;
  const equivalent = options.same ??
    ((a: string, b: string) => values ? sameValue(a, b) : sameOutput(a, b));
  const votes = Array.from({ length: inputs }, () => new AnswerVote({ equivalent }));
  const present: number[] = [];
  results.forEach((row, p) => {
    if (!row?.some((result) => result !== undefined)) return;
    present.push(p);
    for (let i = 0; i < inputs; i++) {
      const result = row[i];
      if (result?.status === "ok") values ??= result.return_value !== undefined;
      votes[i].add(p, outputOf(result));
    }
  });
  const bySignature = new Map<string, number[]>();
  for (const p of present) {
    const key = votes.map((v) => v.groupOf(p) ?? "x").join(",");
    const members = bySignature.get(key) ?? [];
    members.push(p);
    bySignature.set(key, members);
  }
  const groups = [...bySignature.values()].sort((a, b) => b.length - a.length || a[0] - b[0]);
  const total = present.length;
  const counts = votes.map((vote) => vote.progress().counts);
  const clusters = groups.map((programs, position): ProgramCluster => {
    const first = programs[0];
    const groupsOf = votes.map((v) => v.groupOf(first));
    const rest = total - programs.length;
    let agreeing = 0;
    let ran = 0;
    groupsOf.forEach((group, i) => {
      if (group === undefined) return;
      ran++;
      if (rest > 0) agreeing += (counts[i][group] - programs.length) / rest;
    });
    const runnerUp = groups[position === 0 ? 1 : 0]?.length ?? 0;
    return {
      programs,
      groups: groupsOf,
      outputs: groupsOf.map((group, i) =>
        group === undefined ? undefined : outputOf(results[first]![i])
      ),
      features: {
        share: programs.length / total,
        lead: programs.length / (programs.length + runnerUp),
        support: ran && rest > 0 ? agreeing / ran : 0,
        ran: inputs ? ran / inputs : 0,
      },
    };
  });
  const clusterOf: (number | undefined)[] = results.map(() => undefined);
  clusters.forEach((c, position) => c.programs.forEach((p) => clusterOf[p] = position));
  return { clusters, clusterOf, inputs };
}

/**
 * The inputs on which two clusters' programs behave differently: one ran `ok` and
 * the other did not, or both did with outputs in different groups.
 */
export function differingInputs(a: ProgramCluster, b: ProgramCluster): number {
  let differing = 0;
  a.groups.forEach((group, i) => {
    if (group !== b.groups[i]) differing++;
  });
  return differing;
}
