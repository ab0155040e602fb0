/**
 * Confidence-aware labels and calibrated pair confidence.
 *
 * - Code ({@link CodeTrust}): the programs × inputs matrix is split into clusters of
 *   programs with identical outputs ({@link clusterPrograms}); each cluster's
 *   probability of being right comes from its features through a calibrated model;
 *   the most trusted cluster's outputs are the inputs' labels (an input where that
 *   cluster did not run has none), and a program scores the labels it agrees with. A
 *   pair's confidence is the probability that its chosen program is right and its
 *   rejected one wrong: the chosen cluster's trust combined with how many inputs the
 *   two programs differ on.
 * - Math ({@link mathLabelConfidence}): the probability that a label is right from
 *   its group's share, margin over the runner-up and the scatter of the other
 *   answers. A math pair's chosen sample has the label's answer and its rejected one
 *   another (or none), so the pair's confidence is the label's.
 *
 * The models were fitted on data with gold labels (see the README's
 * "Pseudo-feedback quality"); {@link fitLogistic} refits them on a user's own.
 *
 * @module
 */
import { sameOutput, sameValue } from "../../sandbox/judge.ts";
import type { ExecutionResult } from "../model/execution.ts";
import type { Equivalence } from "./answer_vote.ts";
import { ANSWER_GROUP_FEATURES, answerGroupFeatures } from "./answer_groups.ts";
import { type LogisticModel, predictLogistic } from "./calibration.ts";
import {
  CLUSTER_FEATURES,
  clusterPrograms,
  differingInputs,
  type ProgramCluster,
  type ProgramClusters,
} from "./code_clusters.ts";

/**
 * P(a cluster's programs are right) from its features; fitted on HumanEval ×
 * CodeGen-16B with 100 programs per task (clusters weighted by size).
 */
export const CODE_CLUSTER_MODEL: LogisticModel = {
  features: CLUSTER_FEATURES,
  weights: [4.222, 0.994, 3.411, 2.649],
  bias: -6.163,
};

/**
 * P(chosen right and rejected wrong | the chosen cluster's trust, the share of the
 * inputs the two differ on); fitted on the same data as {@link CODE_CLUSTER_MODEL}.
 * The first feature is the logit of the chosen cluster's trust.
 */
export const CODE_PAIR_MODEL: LogisticModel = {
  features: ["trust_logit", "differing"],
  weights: [0.979, 1.458],
  bias: -1.519,
};

/**
 * P(a math label is right) from its group's features; fitted on GSM8K with four
 * model solutions per problem, on problems whose samples disagree.
 */
export const MATH_LABEL_MODEL: LogisticModel = {
  features: ANSWER_GROUP_FEATURES,
  weights: [2.82, 3.6, -2.27],
  bias: -1.1,
};

/**
 * P(a frontier model's math answer is right) from the features of its group among
 * the policy's answers (share 0 when no sample has it); fitted on GSM8K with the
 * strongest of the four GPT-3 solutions (175B, verifier-selected, right 56% of the
 * time) as the frontier answer and the other three as the policy's samples. The
 * bias carries that frontier's accuracy: refit it with `fitLogistic` for a stronger
 * one.
 */
export const MATH_FRONTIER_MODEL: LogisticModel = {
  features: ANSWER_GROUP_FEATURES,
  weights: [3.279, 0.301, -0.209],
  bias: -0.438,
};

const logit = (p: number) => Math.log(Math.max(p, 1e-6) / Math.max(1 - p, 1e-6));

/** Options for {@link CodeTrust}. */
export interface CodeTrustOptions {
  /** Whether two outputs are the same. Default: the judge's comparison. */
  same?: Equivalence;
  /** The cluster model. Default {@link CODE_CLUSTER_MODEL}. */
  clusterModel?: LogisticModel;
  /** The pair model. Default {@link CODE_PAIR_MODEL}. */
  pairModel?: LogisticModel;
}

/**
 * The confidence-aware reading of one code problem's matrix of results.
 *
 * @example A wrong majority: the trusted cluster is not the biggest
 * ```ts
 * import { CodeTrust } from "./confidence.ts";
 * import assert from "node:assert";
 * const ok = (stdout: string) => ({ status: "ok" as const, stdout, stderr: "", duration_ms: 1 });
 * const run = (...outs: string[]) => outs.map(ok);
 * // Two programs agree on every input; three share a wrong output on the last input
 * // but disagree with one another elsewhere.
 * const trust = new CodeTrust([
 *   run("1", "4", "9", "16"), run("1", "4", "9", "16"),
 *   run("1", "5", "0", "16"), run("2", "4", "0", "17"), run("1", "3", "0", "15"),
 * ]);
 * assert.deepEqual(trust.trusted?.programs, [0, 1]);
 * assert.deepEqual(trust.labels(), ["1", "4", "9", "16"]);
 * assert.ok(trust.pairConfidence(0, 3) > trust.pairConfidence(0, 1));
 * ```
 */
export class CodeTrust {
  /** The clusters and each program's cluster. */
  readonly clusters: ProgramClusters;
  readonly #trust: number[];
  readonly #pairModel: LogisticModel;
  readonly #trusted?: number;
  readonly #same: Equivalence;

  /** Reads `results[program][input]` (a program without results: `undefined`). */
  constructor(
    results: readonly (readonly (ExecutionResult | undefined)[] | undefined)[],
    options: CodeTrustOptions = {},
  ) {
    this.clusters = clusterPrograms(results, { same: options.same });
    const values = results.some((row) => row?.some((r) => r?.return_value !== undefined));
    this.#same = options.same ?? (values ? sameValue : sameOutput);
    const model = options.clusterModel ?? CODE_CLUSTER_MODEL;
    this.#pairModel = options.pairModel ?? CODE_PAIR_MODEL;
    this.#trust = this.clusters.clusters.map((c) =>
      c.features.ran > 0 ? predictLogistic(model, CLUSTER_FEATURES.map((k) => c.features[k])) : 0
    );
    let best: number | undefined;
    this.#trust.forEach((t, i) => {
      if (t > 0 && (best === undefined || t > this.#trust[best])) best = i;
    });
    this.#trusted = best;
  }

  /** The most trusted cluster (ties: the bigger); `undefined` when no program ran. */
  get trusted(): ProgramCluster | undefined {
    return this.#trusted === undefined ? undefined : this.clusters.clusters[this.#trusted];
  }

  /** P(the cluster of `program` is right); 0 for a program without results. */
  trust(program: number): number {
    const cluster = this.clusters.clusterOf[program];
    return cluster === undefined ? 0 : this.#trust[cluster];
  }

  /** The label of each input: the trusted cluster's output (`undefined` where it did not run). */
  labels(): (string | undefined)[] {
    return this.trusted?.outputs ?? [];
  }

  /** Inputs with a label (the best score possible). */
  get maxScore(): number {
    return this.labels().filter((label) => label !== undefined).length;
  }

  /** Labelled inputs on which `program` produced the label. */
  score(program: number): number {
    const trusted = this.trusted;
    const cluster = this.clusters.clusterOf[program];
    if (!trusted || cluster === undefined) return 0;
    const own = this.clusters.clusters[cluster];
    return trusted.groups.filter((g, i) => g !== undefined && own.groups[i] === g).length;
  }

  /**
   * P(the expected outputs `expected[input]` are right; `undefined`: no test on
   * that input), read as the best, over clusters, of the cluster's trust times the
   * share of the tests its output passes: tests that no trusted behaviour passes
   * are doubtful. 0 without tests.
   */
  testsConfidence(expected: readonly (string | undefined)[]): number {
    const tests = expected.filter((e) => e !== undefined).length;
    if (tests === 0) return 0;
    let best = 0;
    this.clusters.clusters.forEach((c, k) => {
      const passed = expected.filter((e, i) => {
        const output = c.outputs[i];
        return e !== undefined && output !== undefined && this.#same(output, e);
      }).length;
      best = Math.max(best, this.#trust[k] * passed / tests);
    });
    return best;
  }

  /** P(`chosen` is right and `rejected` wrong). */
  pairConfidence(chosen: number, rejected: number): number {
    const a = this.clusters.clusterOf[chosen];
    const b = this.clusters.clusterOf[rejected];
    if (a === undefined) return 0;
    const inputs = this.clusters.inputs || 1;
    const differing = b === undefined
      ? inputs
      : differingInputs(this.clusters.clusters[a], this.clusters.clusters[b]);
    if (differing === 0) return 0;
    return predictLogistic(this.#pairModel, [logit(this.#trust[a]), differing / inputs]);
  }
}

/** Options for {@link mathLabelConfidence}. */
export interface MathConfidenceOptions {
  /** The label model. Default {@link MATH_LABEL_MODEL}. */
  model?: LogisticModel;
}

/**
 * P(the answer of group `group` is right), from a vote's counts per group over
 * `samples` samples drawn (samples without an answer count in `samples`).
 *
 * @example A 3-of-4 label is more trusted than a 2-of-4 one
 * ```ts
 * import { mathLabelConfidence } from "./confidence.ts";
 * import assert from "node:assert";
 * assert.ok(mathLabelConfidence([3, 1], 0, 4) > mathLabelConfidence([2, 1, 1], 0, 4));
 * ```
 */
export function mathLabelConfidence(
  counts: readonly number[],
  group: number,
  samples: number,
  options: MathConfidenceOptions = {},
): number {
  const features = answerGroupFeatures(counts, group, samples);
  return predictLogistic(
    options.model ?? MATH_LABEL_MODEL,
    ANSWER_GROUP_FEATURES.map((k) => features[k]),
  );
}
