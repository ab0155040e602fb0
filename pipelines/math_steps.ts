/**
 * Recipes `math-step-self-consistency` and `math-step-frontier`: step-level (pDPO)
 * pairs. Each problem's whole solutions are sampled and labelled as in the
 * solution-level recipes (majority answer, or the frontier model's answer); problems
 * whose samples all give the same answer are skipped; prefixes are cut from the
 * solutions, each is continued `--step-completions` times by the policy, valued by
 * how many continuations reach the label, and paired by the step pair rule.
 *
 * @module
 */
import {
  extractAnswer,
  firstDraw,
  isEquivalent,
  map,
  mathCompletionValue,
  mathPrefixValueStage,
  type MathProblem,
  MathSelfConsistency,
  mathStepPairStage,
  pipe,
  prefixClass,
  type Sample,
  scoreMathAnswers,
} from "../mod.ts";
import {
  isMath,
  pairPrompt,
  policySamples,
  problemSeed,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import { frontierMathLabels } from "./frontier_source.ts";
import type { RecipeName } from "./flags.ts";
import { runSteps, type StepInput } from "./steps_common.ts";

/** Runs `math-step-self-consistency`: prefixes valued against the majority answer. */
export function mathStepSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  return mathSteps(context, "math-step-self-consistency");
}

/** Runs `math-step-frontier`: prefixes valued against the frontier model's answer. */
export function mathStepFrontier(context: RecipeContext): Promise<RecipeReport> {
  return mathSteps(context, "math-step-frontier");
}

function mathSteps(context: RecipeContext, recipe: RecipeName): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const feedback = recipe === "math-step-frontier" ? "frontier" : "self_consistency";
  const counts = { resumed: 0 };
  const completions = config.stepCompletions;
  const threshold = config.stepThreshold;
  return runSteps<MathProblem, string>(context, {
    recipe,
    kind: "math",
    feedback,
    inputs: inputs(context, recipe, counts),
    value: mathPrefixValueStage({
      label: (item) => item.target,
      signal,
      metrics: run.metrics.stage("value"),
    }),
    pairs: mathStepPairStage({
      rule: (item) => ({
        prompt: pairPrompt(config, item.problem),
        run: run.name,
        feedback,
        completions,
        label: item.target,
        labelConfidence: item.labelConfidence,
        seed: problemSeed(config, item.problem.id),
        threshold,
        mode: config.stepPairMode,
        closest: config.stepClosest,
      }),
      minConfidence: config.minConfidence,
      signal,
      metrics: run.metrics.stage("step-pairs"),
    }),
    decided: (label, prefix, soFar) =>
      prefixClass(soFar.map((s) => mathCompletionValue(prefix, s.completion, { label })), {
        completions,
        threshold,
      }) !== undefined,
    first: firstDraw({ completions, threshold }),
    detail: (item): Record<string, boolean> =>
      item.problem.answer !== undefined
        ? { label_correct: isEquivalent(item.target, item.problem.answer) }
        : {},
  }, counts);
}

/** A problem with the frontier model's label (`pseudo_label`). */
type Labelled = MathProblem & { pseudo_label?: string };

/** Each math problem with its label and solutions, or why it gives no prefixes. */
function inputs(
  context: RecipeContext,
  recipe: RecipeName,
  counts: { resumed: number },
): AsyncIterable<StepInput<MathProblem, string>> {
  const { config, run, signal } = context;
  const problems = recipeProblems(context, isMath, counts);
  if (recipe === "math-step-frontier") {
    const labelled = (async function* (): AsyncGenerator<Labelled> {
      for await (const { problem, label } of frontierMathLabels(context, problems)) {
        yield label === undefined ? problem : { ...problem, pseudo_label: label };
      }
    })();
    return pipe(
      policySamples(context, labelled, { samples: config.n }),
      map(({ problem, samples }) => {
        const label = problem.pseudo_label;
        const agreement = label === undefined
          ? undefined
          : scoreMathAnswers(samples, { problemId: problem.id, label, feedback: "frontier" });
        return stepInput({ problem, samples }, label, agreement?.confidence);
      }, { signal, name: "label", metrics: run.metrics.stage("label") }),
    );
  }
  const vote = new MathSelfConsistency({ minShare: config.minShare, metrics: run.metrics });
  return pipe(
    policySamples(context, problems, { samples: config.n }),
    map((group) => {
      const { vote: result, confidence } = vote.finish(group.problem.id, group.samples);
      return stepInput(group, result.kept ? result.label : undefined, confidence);
    }, { signal, name: "vote", metrics: run.metrics.stage("vote") }),
  );
}

/**
 * A problem's step input: its label (with P(it is right)) and solutions, or why it
 * gives no prefixes.
 */
function stepInput(
  group: { problem: MathProblem; samples: readonly Sample[] },
  label: string | undefined,
  labelConfidence?: number,
): StepInput<MathProblem, string> {
  const usable = group.samples.filter((s) => s.completion.trim() !== "");
  const base = { problem: group.problem, samples: group.samples.length };
  if (label === undefined) return { ...base, status: "no_label" };
  if (allAgree(usable.map((s) => extractAnswer(s.completion)))) {
    return { ...base, status: "all_same" };
  }
  return {
    ...base,
    target: label,
    labelConfidence,
    solutions: usable.map((s) => ({ index: s.index, text: s.completion })),
  };
}

/** True when every answer is the same (no answer counts as an answer of its own). */
function allAgree(answers: readonly (string | undefined)[]): boolean {
  const [first, ...rest] = answers;
  return rest.every((a) =>
    a === undefined || first === undefined ? a === first : isEquivalent(a, first)
  );
}
