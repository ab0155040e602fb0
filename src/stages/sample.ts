/**
 * The sample stage: each problem with all of its samples, drawn in windows by a
 * sampler (a served model or recorded completions) that stops a problem early when
 * its decision says so.
 *
 * @module
 */
import type { Problem } from "../model/problem.ts";
import type { ProblemSamples } from "../sampling/windows.ts";
import { type Stage, stage } from "../stream/stage.ts";

/** Options for {@link sampleStage}. */
export interface SampleStageOptions<P extends Problem> {
  /** Draws the samples (windows, early stop and caching are its own). */
  sampler: { grouped: (problems: AsyncIterable<P>) => AsyncIterable<ProblemSamples<P>> };
  /**
   * Keeps a problem's samples (`false`: its failure is dealt with here — counted
   * and left for a re-run, or recorded — and it goes no further). Default: all.
   */
  accept?: (group: ProblemSamples<P>) => boolean;
}

/**
 * The sample stage: problems in, each problem's samples out, once its drawing
 * ended.
 *
 * @example Samples of recorded completions
 * ```ts
 * import { sampleStage } from "./sample.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const sampler = {
 *   grouped: async function* (problems: AsyncIterable<{ id: string; kind: "math"; prompt: string }>) {
 *     for await (const problem of problems) {
 *       const samples = [{ problem_id: problem.id, index: 0, completion: "\\boxed{2}" }];
 *       yield { problem, samples, drawable: 1, stoppedEarly: false };
 *     }
 *   },
 * };
 * const [group] = await Array.fromAsync(
 *   pipe([{ id: "p", kind: "math" as const, prompt: "1+1" }], sampleStage({ sampler })),
 * );
 * assert.equal(group.samples.length, 1);
 * ```
 */
export function sampleStage<P extends Problem>(
  options: SampleStageOptions<P>,
): Stage<P, ProblemSamples<P>> {
  const { sampler, accept } = options;
  return stage("sample", async function* (problems: AsyncIterable<P>) {
    for await (const group of sampler.grouped(problems)) {
      if (!accept || accept(group)) yield group;
    }
  });
}
