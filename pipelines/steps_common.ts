/**
 * What the step-level recipes share: cutting each labelled problem's solutions into
 * prefixes, completing every prefix (live, through the policy server, or from
 * recorded completions), regrouping the completions by problem, and valuing,
 * pairing and finishing each problem once all its prefixes are back.
 *
 * @module
 */
import {
  appendPairs,
  ConfigError,
  continuationFailure,
  cutPrefixes,
  drain,
  map,
  type PairDraft,
  pipe,
  type Prefix,
  prefixId,
  type PrefixProblem,
  prefixProblem,
  prefixSampler,
  type Problem,
  type ProblemOutcome,
  recordedSampler,
  type Sample,
  type SamplingStage,
  type Solution,
  type ValuedPrefix,
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

/** A labelled problem, ready to be cut (or a status saying why it gives no prefixes). */
export interface StepInput<P extends Problem, T> {
  problem: P;
  /** Whole-solution samples drawn. */
  samples: number;
  /** The label (math) or tests (code) prefixes are valued against. */
  target?: T;
  /** The solutions to cut, when the problem can give prefixes. */
  solutions?: Solution[];
  /** Why the problem gives no prefixes (`no_label`, `all_same`, `no_tests`). */
  status?: string;
}

/** A problem with its prefixes, waiting for their completions. */
export interface StepCut<P extends Problem, T> {
  problem: P;
  target: T;
  samples: number;
  prefixes: Prefix[];
  completed: Map<string, Sample[]>;
  /** A prefix's completions failed: the problem stays unfinished for a re-run. */
  failed?: boolean;
}

/** One step-level recipe: its inputs and how it values and pairs prefixes. */
export interface StepRecipe<P extends Problem, T> {
  recipe: RecipeName;
  kind: "math" | "code";
  inputs: AsyncIterable<StepInput<P, T>>;
  /** The values of one prefix's completions. */
  value(cut: StepCut<P, T>, prefix: Prefix, completions: Sample[]): Promise<number[]>;
  /** The problem's step pairs from its valued prefixes. */
  pairs(cut: StepCut<P, T>, valued: ValuedPrefix[]): PairDraft[];
  /** Early stop: true once a prefix's completions so far decide its class. */
  decided?: (target: T, prefix: string, soFar: readonly Sample[]) => boolean;
  /** Completions in the first request when stopping early. */
  first?: number;
  /** Extra figures for a finished problem's outcome. */
  detail?: (cut: StepCut<P, T>) => Record<string, number | boolean>;
}

/** Runs a step-level recipe to the end; problems whose completions failed stay unfinished. */
export async function runSteps<P extends Problem, T>(
  context: RecipeContext,
  steps: StepRecipe<P, T>,
  counts: { resumed: number },
): Promise<RecipeReport> {
  const { flags, run, signal } = context;
  const { recipe } = steps;
  let finished = 0;
  let failed = 0;
  const finish = (problemId: string, outcome: ProblemOutcome) => {
    run.finishProblem(problemKey(recipe, problemId), outcome);
    context.onProblem(problemId, outcome);
    finished++;
  };
  const pending = new Map<string, StepCut<P, T>>();
  const texts = new Map<string, { text: string; target: T }>();

  const prefixProblems = async function* (): AsyncGenerator<PrefixProblem<P>> {
    for await (const input of steps.inputs) {
      const detail = { recipe, samples: input.samples };
      if (input.status || !input.solutions || input.target === undefined) {
        finish(input.problem.id, { status: input.status ?? "no_label", detail });
        continue;
      }
      const prefixes = cutPrefixes(input.solutions, {
        problemId: input.problem.id,
        kind: steps.kind,
        seed: problemSeed(flags, input.problem.id),
        sampleRatio: flags["step-sample-ratio"],
        minSteps: flags["step-min-steps"],
        ...(flags["step-upper-ratio"] !== undefined
          ? { upperRatio: flags["step-upper-ratio"] }
          : {}),
        ...(flags["step-prefixes"] !== undefined ? { maxPrefixes: flags["step-prefixes"] } : {}),
      });
      if (prefixes.length === 0) {
        finish(input.problem.id, { status: "no_prefix", detail });
        continue;
      }
      const { problem, target, samples } = input;
      pending.set(problem.id, { problem, target, samples, prefixes, completed: new Map() });
      for (const prefix of prefixes) {
        texts.set(prefixId(prefix), { text: prefix.text, target });
        yield prefixProblem(problem, prefix);
      }
    }
  };

  const decided = steps.decided;
  const decide = decided && flags["step-early-stop"]
    ? (id: string, soFar: readonly Sample[]) => {
      const prefix = texts.get(id);
      return prefix && decided(prefix.target, prefix.text, soFar)
        ? "stop" as const
        : "more" as const;
    }
    : undefined;
  const completedCuts = async function* (): AsyncGenerator<StepCut<P, T>> {
    const stage = completionStage(context, decide, steps.first);
    for await (const { problem, samples } of stage.grouped(prefixProblems())) {
      texts.delete(problem.id);
      const cut = pending.get(problem.problem.id);
      if (!cut) continue;
      for (const sample of samples) {
        const unsupported = flags["base-url"] &&
          continuationFailure(sample, flags["base-url"].join(", "));
        if (unsupported) throw unsupported;
      }
      // A failed request (or a prefix missing from the recorded file) is not a value.
      const made = context.health.accept(problem.id, samples) &&
        !samples.some((s) => s.failure === "missing");
      if (!made) cut.failed = true;
      cut.completed.set(problem.id, samples);
      if (cut.completed.size < cut.prefixes.length) continue;
      pending.delete(cut.problem.id);
      yield cut;
    }
  };

  await drain(pipe(
    completedCuts(),
    map(async (cut: StepCut<P, T>) => {
      if (cut.failed) {
        failed++;
        return;
      }
      const valued: ValuedPrefix[] = [];
      let drawn = 0;
      for (const prefix of cut.prefixes) {
        const samples = [...cut.completed.get(prefixId(prefix)) ?? []]
          .sort((a, b) => a.index - b.index);
        drawn += samples.length;
        valued.push({ ...prefix, values: await steps.value(cut, prefix, samples) });
      }
      const drafts = steps.pairs(cut, valued);
      const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
      finish(cut.problem.id, {
        status: "done",
        detail: {
          recipe,
          samples: cut.samples,
          prefixes: cut.prefixes.length,
          completions: drawn,
          saved: flags["step-completions"] * cut.prefixes.length - drawn,
          pairs: drafts.length,
          new_pairs: pairs.length,
          ...steps.detail?.(cut),
        },
      });
    }, {
      signal,
      concurrency: 4,
      ordered: false,
      name: "value",
      metrics: run.metrics.stage("value"),
    }),
  ));
  if (failed > 0) {
    console.error(
      `${recipe}: ${failed} problems have prefix completions that failed; run again to retry them`,
    );
  }
  return { recipe, finished, resumed: counts.resumed };
}

/** Prefix completions from the policy server, or recorded ones. */
function completionStage(
  context: RecipeContext,
  decide: ((id: string, soFar: readonly Sample[]) => "stop" | "more") | undefined,
  first: number | undefined,
): SamplingStage {
  const { flags, run, signal } = context;
  const completions = flags["step-completions"];
  const early = decide ? { decide, first: first ?? 1 } : {};
  if (flags["base-url"]) {
    const api = flags["step-api"] === "auto" ? flags.api : flags["step-api"];
    return prefixSampler({
      ...policyServer(context, { topP: flags["step-top-p"], api: api as "chat" | "completions" }),
      completions,
      ...early,
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
    ...(decide ? { decide, window: first ?? 1 } : {}),
    signal,
    metrics: run.metrics,
  });
}
