/**
 * What the step-level recipes share: the composition
 * `prefixes → complete → value → step pairs → record` over each labelled problem's
 * solutions. A recipe brings its labelled problems and its `value` and `step pairs`
 * stages; prefixes are completed live through the policy server or from recorded
 * completions.
 *
 * @module
 */
import {
  type CompletionSamplerSettings,
  completionStage,
  ConfigError,
  continuationFailure,
  drain,
  type FeedbackSource,
  filter,
  flatMap,
  map,
  type OutcomeStatus,
  type Paired,
  pipe,
  prefixId,
  prefixSampler,
  prefixStage,
  type Problem,
  type ProblemOutcome,
  recordedSampler,
  recordStage,
  type Sample,
  type SamplingStage,
  type Solution,
  type Stage,
  type WithCompletions,
  type WithPrefixes,
  type WithValues,
} from "../mod.ts";
import {
  EXAMPLE_PROBLEMS,
  policyServer,
  problemKey,
  problemSeed,
  type RecipeContext,
  type RecipeReport,
} from "./context.ts";
import type { RecipeName } from "./flags.ts";

/** The recorded prefix completions shipped with the example problems. */
export const EXAMPLE_STEP_SAMPLES =
  new URL("./examples/prefix_completions.jsonl", import.meta.url).pathname;

/** A labelled problem whose solutions are cut into prefixes. */
export interface StepProblem<P extends Problem, T> {
  problem: P;
  /** Whole-solution samples drawn. */
  samples: number;
  /** The label (math) or tests (code) prefixes are valued against. */
  target: T;
  /** P(the target is right), the first factor of the pairs' confidence. Default 1. */
  labelConfidence?: number;
  /** The solutions to cut. */
  solutions: Solution[];
}

/** A problem that gives no prefixes, and why (`no_label`, `all_same`, `no_tests`). */
export interface StepSkip<P extends Problem> {
  problem: P;
  samples: number;
  status: OutcomeStatus;
}

/** What a step recipe's labelling gives for each problem. */
export type StepInput<P extends Problem, T> = StepProblem<P, T> | StepSkip<P>;

/** A problem with its prefixes and their completions. */
export type StepCompleted<P extends Problem, T> = WithCompletions<WithPrefixes<StepProblem<P, T>>>;
/** A problem with its valued prefixes. */
export type StepValued<P extends Problem, T> = WithValues<StepCompleted<P, T>>;

/** One step-level recipe: its labelled problems and its value and pair stages. */
export interface StepRecipe<P extends Problem, T> {
  recipe: RecipeName;
  kind: "math" | "code";
  inputs: AsyncIterable<StepInput<P, T>>;
  /** Where the label or tests came from. */
  feedback: FeedbackSource;
  /** Values every completion of every prefix. */
  value: Stage<StepCompleted<P, T>, StepValued<P, T>>;
  /** The problem's step pairs from its valued prefixes. */
  pairs: Stage<StepValued<P, T>, Paired<StepValued<P, T>>>;
  /** Early stop: true once a prefix's completions so far decide its class. */
  decided?: (target: T, prefix: string, soFar: readonly Sample[]) => boolean;
  /** Completions in the first request when stopping early. */
  first?: number;
  /** Extra figures for a finished problem's outcome. */
  detail?: (item: StepProblem<P, T>) => Record<string, number | boolean>;
}

/** Runs a step-level recipe to the end; problems whose completions failed stay unfinished. */
export async function runSteps<P extends Problem, T>(
  context: RecipeContext,
  steps: StepRecipe<P, T>,
  counts: { resumed: number },
): Promise<RecipeReport> {
  const { config, run, signal } = context;
  const { recipe } = steps;
  let finished = 0;
  let failed = 0;
  const recorded = (problemId: string, outcome: ProblemOutcome) => {
    context.onProblem(problemId, outcome);
    finished++;
  };
  const decided = steps.decided;
  const completed = pipe(
    steps.inputs,
    flatMap((input: StepInput<P, T>) => {
      if ("target" in input) return [input];
      const outcome = { status: input.status, detail: { recipe, samples: input.samples } };
      run.finishProblem(problemKey(recipe, input.problem.id), outcome);
      recorded(input.problem.id, outcome);
      return [];
    }, { signal, name: "skip" }),
    prefixStage<StepProblem<P, T>>({
      kind: steps.kind,
      seed: (problemId) => problemSeed(config, problemId),
      sampleRatio: config.stepSampleRatio,
      minSteps: config.stepMinSteps,
      ...(config.stepUpperRatio !== undefined ? { upperRatio: config.stepUpperRatio } : {}),
      ...(config.stepPrefixes !== undefined ? { maxPrefixes: config.stepPrefixes } : {}),
      signal,
      metrics: run.metrics.stage("prefixes"),
    }),
    completionStage<WithPrefixes<StepProblem<P, T>>>({
      sampler: (settings) => completionSampler(context, settings, steps.first),
      ...(decided && config.stepEarlyStop
        ? { decided: (item, prefix, soFar) => decided(item.target, prefix.text, soFar) }
        : {}),
      signal,
      metrics: run.metrics.stage("complete"),
    }),
    filter((item: StepCompleted<P, T>) => {
      if (completionsMade(context, item)) return true;
      failed++;
      return false;
    }, { signal, name: "check" }),
  );
  await drain(pipe(
    completed,
    steps.value,
    steps.pairs,
    map((item: Paired<StepValued<P, T>>) => ({
      ...item,
      feedback: steps.feedback,
      scored: [],
      votes: [],
      outcome: stepOutcome(recipe, item, config.stepCompletions, steps.detail),
    }), { signal, name: "outcome" }),
    recordStage({
      run,
      feedback: context.feedback,
      key: (problemId) => problemKey(recipe, problemId),
      onRecorded: recorded,
      signal,
      metrics: run.metrics.stage("record"),
    }),
  ));
  if (failed > 0) {
    console.error(
      `${recipe}: ${failed} problems have prefix completions that failed; run again to retry them`,
    );
  }
  return { recipe, finished, resumed: counts.resumed };
}

/**
 * A problem's outcome before its pairs are written: `done` with its prefixes and
 * completions drawn (the record stage adds the pair counts), or `no_prefix`.
 */
function stepOutcome<P extends Problem, T>(
  recipe: RecipeName,
  item: StepValued<P, T>,
  completionsPerPrefix: number,
  detail: StepRecipe<P, T>["detail"],
): ProblemOutcome {
  const { prefixes, completions } = item;
  if (prefixes.length === 0) {
    return { status: "no_prefix", detail: { recipe, samples: item.samples } };
  }
  const drawn = completions.reduce((sum, samples) => sum + samples.length, 0);
  return {
    status: "done",
    detail: {
      recipe,
      samples: item.samples,
      prefixes: prefixes.length,
      completions: drawn,
      saved: completionsPerPrefix * prefixes.length - drawn,
      ...detail?.(item),
    },
  };
}

/**
 * True when every completion of the item's prefixes was made: a failed request, or
 * a prefix missing from the recorded file, is not a value (the problem stays
 * unfinished for a re-run). Throws when the server cannot continue a message.
 */
function completionsMade<P extends Problem, T>(
  context: RecipeContext,
  item: StepCompleted<P, T>,
): boolean {
  const baseURL = context.config.baseUrl;
  let made = true;
  item.prefixes.forEach((prefix, i) => {
    const samples = item.completions[i];
    for (const sample of samples) {
      const unsupported = baseURL && continuationFailure(sample, baseURL.join(", "));
      if (unsupported) throw unsupported;
    }
    const accepted = context.health.accept(prefixId(prefix), samples);
    if (!accepted || samples.some((s) => s.failure === "missing")) made = false;
  });
  return made;
}

/** Prefix completions from the policy server, or recorded ones. */
function completionSampler(
  context: RecipeContext,
  settings: CompletionSamplerSettings,
  first: number | undefined,
): SamplingStage {
  const { config, run } = context;
  const { signal, decide } = settings;
  const completions = config.stepCompletions;
  if (config.baseUrl) {
    const api = config.stepApi === "auto" ? config.api : config.stepApi;
    return prefixSampler({
      ...policyServer(context, { topP: config.stepTopP, api }),
      completions,
      ...(decide ? { decide, first: first ?? 1 } : {}),
      metrics: run.metrics,
      signal,
    });
  }
  const path = config.stepSamples ??
    (config.problems === EXAMPLE_PROBLEMS ? EXAMPLE_STEP_SAMPLES : undefined);
  if (!path) {
    throw new ConfigError(
      "No prefix completions: give --step-samples FILE (recorded) or --base-url and --model",
    );
  }
  return recordedSampler(path, {
    samples: completions,
    ...(decide ? { decide, window: first ?? 1 } : {}),
    signal,
    metrics: run.metrics,
  });
}
