/**
 * What the math recipes share: the math pair policy.
 *
 * @module
 */
import {
  mathPairs,
  type MathProblem,
  type PairDraft,
  ruleMinConfidence,
  type ScoredMath,
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
  const { config, run } = context;
  return ({ problem, feedback, scored, scoring }) =>
    mathPairs(scored, {
      prompt: pairPrompt(config, problem),
      run: run.name,
      seed: problemSeed(config, problem.id),
      cap: config.pairCap,
      mode: config.pairMode,
      ...(feedback === "gold"
        ? { confidence: () => 1 }
        : scoring?.confidence !== undefined && { confidence: () => scoring.confidence! }),
      minConfidence: ruleMinConfidence(config.rules, "math", config.minConfidence),
    });
}
