/**
 * What the math recipes share: the math pair policy.
 *
 * @module
 */
import {
  mathPairs,
  type MathProblem,
  type PairDraft,
  type Paired,
  pairStage,
  ruleMinConfidence,
  type ScoredMath,
  type Stage,
} from "../mod.ts";
import { pairPrompt, problemSeed, type RecipeContext } from "./context.ts";

/**
 * The math pair policy from the flags (`--pair-mode`, `--pair-cap`, `--rules`,
 * `--min-confidence`): chosen matches the label, rejected does not; gold pairs are
 * sure, self-consistency ones as confident as the label.
 */
export function mathPairPolicy(
  context: RecipeContext,
): (item: ScoredMath<{ problem: MathProblem }>) => PairDraft[] {
  const { flags, run } = context;
  return ({ problem, feedback, scored, scoring }) =>
    mathPairs(scored, {
      prompt: pairPrompt(flags, problem),
      run: run.name,
      seed: problemSeed(flags, problem.id),
      cap: flags["pair-cap"],
      mode: flags["pair-mode"],
      ...(feedback === "gold"
        ? { confidence: () => 1 }
        : scoring?.confidence !== undefined && { confidence: () => scoring.confidence! }),
      minConfidence: ruleMinConfidence(flags.rules, "math", flags["min-confidence"]),
    });
}

/** The pair stage of the math recipes ({@link mathPairPolicy}). */
export function pairMath<T extends ScoredMath<{ problem: MathProblem }>>(
  context: RecipeContext,
): Stage<T, Paired<T>> {
  const { run, signal } = context;
  return pairStage<T>({
    policy: mathPairPolicy(context),
    signal,
    metrics: run.metrics.stage("pair"),
  });
}
