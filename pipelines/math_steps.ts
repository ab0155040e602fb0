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
  appendPairs,
  ConfigError,
  continuationFailure,
  cutPrefixes,
  extractAnswer,
  firstDraw,
  isEquivalent,
  mathCompletionValue,
  type MathProblem,
  MathSelfConsistency,
  mathStepPairs,
  type Prefix,
  prefixClass,
  prefixId,
  type PrefixProblem,
  prefixProblem,
  prefixSampler,
  type ProblemOutcome,
  recordedSampler,
  type Sample,
  type SamplingStage,
  type StepPairMode,
  type ValuedPrefix,
} from "../mod.ts";
import {
  EXAMPLE_PROBLEMS,
  isMath,
  pairPrompt,
  policyEndpoint,
  policySamples,
  problemKey,
  problemSeed,
  type RecipeContext,
  recipeProblems,
  type RecipeReport,
} from "./context.ts";
import { frontierMathLabels } from "./frontier_source.ts";
import type { RecipeName } from "./flags.ts";

/** The recorded prefix completions shipped with the example problems. */
export const EXAMPLE_STEP_SAMPLES =
  new URL("./examples/prefix_completions.jsonl", import.meta.url).pathname;

/** Runs `math-step-self-consistency`: prefixes valued against the majority answer. */
export function mathStepSelfConsistency(context: RecipeContext): Promise<RecipeReport> {
  return mathSteps(context, "math-step-self-consistency");
}

/** Runs `math-step-frontier`: prefixes valued against the frontier model's answer. */
export function mathStepFrontier(context: RecipeContext): Promise<RecipeReport> {
  return mathSteps(context, "math-step-frontier");
}

/** A problem with its label and prefixes, waiting for their completions. */
interface Cut {
  problem: MathProblem;
  label: string;
  prefixes: Prefix[];
  samples: number;
  completed: Map<string, Sample[]>;
}

/** Transport failures: the completion was never made, so the problem is not finished. */
const NOT_MADE = new Set(["http_error", "timeout", "malformed", "missing"]);

async function mathSteps(context: RecipeContext, recipe: RecipeName): Promise<RecipeReport> {
  const { flags, run } = context;
  const feedback = recipe === "math-step-frontier" ? "frontier" : "self_consistency";
  const counts = { resumed: 0, finished: 0, failed: 0 };
  const completions = flags["step-completions"];
  const threshold = flags["step-threshold"];
  const finish = (problemId: string, outcome: ProblemOutcome) => {
    run.finishProblem(problemKey(recipe, problemId), outcome);
    context.onProblem(problemId, outcome);
    counts.finished++;
  };
  const pending = new Map<string, Cut>();
  const byPrefix = new Map<string, { text: string; label: string }>();

  const cuts = async function* (): AsyncGenerator<PrefixProblem<MathProblem>> {
    for await (const { problem, samples, label } of labelled(context, recipe)) {
      const detail = { recipe, samples: samples.length };
      if (label === undefined) {
        finish(problem.id, { status: "no_label", detail });
        continue;
      }
      const usable = samples.filter((s) => s.completion.trim() !== "");
      if (allAgree(usable.map((s) => extractAnswer(s.completion)))) {
        finish(problem.id, { status: "all_same", detail });
        continue;
      }
      const prefixes = cutPrefixes(usable.map((s) => ({ index: s.index, text: s.completion })), {
        problemId: problem.id,
        kind: "math",
        seed: problemSeed(flags, problem.id),
        sampleRatio: flags["step-sample-ratio"],
        minSteps: flags["step-min-steps"],
        ...(flags["step-upper-ratio"] !== undefined
          ? { upperRatio: flags["step-upper-ratio"] }
          : {}),
        ...(flags["step-prefixes"] !== undefined ? { maxPrefixes: flags["step-prefixes"] } : {}),
      });
      if (prefixes.length === 0) {
        finish(problem.id, { status: "no_prefix", detail });
        continue;
      }
      pending.set(problem.id, {
        problem,
        label,
        prefixes,
        samples: samples.length,
        completed: new Map(),
      });
      for (const prefix of prefixes) {
        byPrefix.set(prefixId(prefix), { text: prefix.text, label });
        yield prefixProblem(problem, prefix);
      }
    }
  };

  const decide = (id: string, soFar: readonly Sample[]) => {
    const prefix = byPrefix.get(id);
    if (!prefix) return "more" as const;
    const values = soFar.map((s) => mathCompletionValue(prefix.text, s.completion, prefix));
    return prefixClass(values, { completions, threshold }) ? "stop" as const : "more" as const;
  };
  const stage = completionStage(context, flags["step-early-stop"] ? decide : undefined);
  for await (const { problem, samples } of stage.grouped(cuts())) {
    byPrefix.delete(problem.id);
    const cut = pending.get(problem.problem.id);
    if (!cut) continue;
    cut.completed.set(problem.id, samples);
    if (cut.completed.size < cut.prefixes.length) continue;
    pending.delete(cut.problem.id);
    if (!finishCut(context, recipe, feedback, cut, finish)) counts.failed++;
  }
  if (counts.failed > 0) {
    console.error(
      `${recipe}: ${counts.failed} problems have prefix completions that failed; run again to retry them`,
    );
  }
  return { recipe, finished: counts.finished, resumed: counts.resumed };

  async function* labelled(context: RecipeContext, recipe: RecipeName) {
    const problems = recipeProblems(context, isMath, counts);
    if (recipe === "math-step-frontier") {
      const withLabels = (async function* () {
        for await (const { problem, label } of frontierMathLabels(context, problems)) {
          yield { ...problem, ...(label !== undefined ? { pseudo_label: label } : {}) };
        }
      })();
      for await (const group of policySamples(context, withLabels, { samples: flags.n })) {
        yield { ...group, label: group.problem.pseudo_label };
      }
      return;
    }
    const vote = new MathSelfConsistency({ minShare: flags["min-share"], metrics: run.metrics });
    for await (const group of policySamples(context, problems, { samples: flags.n })) {
      const { vote: result } = vote.finish(group.problem.id, group.samples);
      yield { ...group, label: result.kept ? result.label : undefined };
    }
  }
}

/** Values a problem's completed prefixes, pairs them and finishes the problem; false when completions failed. */
function finishCut(
  context: RecipeContext,
  recipe: RecipeName,
  feedback: "self_consistency" | "frontier",
  cut: Cut,
  finish: (problemId: string, outcome: ProblemOutcome) => void,
): boolean {
  const { flags, run } = context;
  const completions = flags["step-completions"];
  const valued: ValuedPrefix[] = [];
  let drawn = 0;
  for (const prefix of cut.prefixes) {
    const samples = [...cut.completed.get(prefixId(prefix)) ?? []].sort((a, b) =>
      a.index - b.index
    );
    for (const sample of samples) {
      const unsupported = flags["base-url"] && continuationFailure(sample, flags["base-url"]);
      if (unsupported) throw unsupported;
    }
    if (samples.some((s) => s.failure !== undefined && NOT_MADE.has(s.failure))) return false;
    drawn += samples.length;
    valued.push({
      ...prefix,
      values: samples.map((s) =>
        mathCompletionValue(prefix.text, s.completion, { label: cut.label })
      ),
    });
  }
  const drafts = mathStepPairs(valued, {
    prompt: pairPrompt(flags, cut.problem),
    run: run.name,
    feedback,
    completions,
    label: cut.label,
    seed: problemSeed(flags, cut.problem.id),
    threshold: flags["step-threshold"],
    mode: flags["step-pair-mode"] as StepPairMode,
    closest: flags["step-closest"],
  });
  const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
  finish(cut.problem.id, {
    status: "done",
    detail: {
      recipe,
      samples: cut.samples,
      prefixes: cut.prefixes.length,
      completions: drawn,
      saved: completions * cut.prefixes.length - drawn,
      pairs: drafts.length,
      new_pairs: pairs.length,
      ...(cut.problem.answer !== undefined
        ? { label_correct: isEquivalent(cut.label, cut.problem.answer) }
        : {}),
    },
  });
  return true;
}

/** True when every answer is the same (no answer counts as an answer of its own). */
function allAgree(answers: readonly (string | undefined)[]): boolean {
  const [first, ...rest] = answers;
  return rest.every((a) =>
    a === undefined || first === undefined ? a === first : isEquivalent(a, first)
  );
}

/** Prefix completions from the policy server, or recorded ones. */
function completionStage(
  context: RecipeContext,
  decide: ((id: string, soFar: readonly Sample[]) => "stop" | "more") | undefined,
): SamplingStage {
  const { flags, run, signal } = context;
  const completions = flags["step-completions"];
  const first = firstDraw({ completions, threshold: flags["step-threshold"] });
  if (flags["base-url"]) {
    const api = flags["step-api"] === "auto" ? flags.api : flags["step-api"];
    return prefixSampler({
      endpoint: { ...policyEndpoint(flags), api: api as "chat" | "completions" },
      completions,
      ...(decide ? { decide, first } : {}),
      params: {
        temperature: flags.temperature,
        top_p: flags["step-top-p"],
        max_tokens: flags["max-tokens"],
        ...(flags.stop.length ? { stop: [...flags.stop] } : {}),
        seed: flags.seed,
      },
      prompt: flags["system-prompt"] ? { systemPrompt: flags["system-prompt"] } : {},
      nMode: flags["n-mode"] as "auto" | "multi" | "single",
      maxInFlight: flags["max-in-flight"],
      ...(flags["tokens-per-minute"] ? { tokensPerMinute: flags["tokens-per-minute"] } : {}),
      db: run.db,
      metrics: run.metrics,
      signal,
    });
  }
  const path = flags["step-samples"] ??
    (flags.problems === EXAMPLE_PROBLEMS ? EXAMPLE_STEP_SAMPLES : undefined);
  if (!path) {
    throw new ConfigError(
      "No prefix completions: give --step-samples FILE (recorded) or --base-url and --model",
    );
  }
  return recordedSampler(path, {
    samples: completions,
    ...(decide ? { decide, window: first } : {}),
    signal,
    metrics: run.metrics,
  });
}
