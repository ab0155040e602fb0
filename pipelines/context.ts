/**
 * What every recipe gets: the run directory, the configuration, the problem stream, the
 * policy sampler (recorded or live), the frontier source, program extraction and
 * the sandbox. Built only from `mod.ts` exports.
 *
 * @module
 */
import {
  type CodeProblem,
  ConfigError,
  defaultTemplate,
  extractProgram,
  FeedbackStore,
  parseShard,
  parseWhere,
  policySampler,
  type Problem,
  type ProblemOutcome,
  type ProblemSamples,
  readProblems,
  type ReadProblemsOptions,
  recordedSampler,
  type Run,
  type Sample,
  SampleCache,
  type SamplingHealth,
  type SamplingStage,
} from "../mod.ts";
import {
  flatMap,
  type MathProblem,
  merge,
  type PairDraft,
  type Paired,
  pairStage,
  pipe,
  problemSource,
  type Recorded,
  recordStage,
  sampleStage,
  type ScoredProblem,
  type Stage,
  stage,
  tee,
} from "../mod.ts";
import {
  BalancedEndpoint,
  type DecideFn,
  type Endpoint,
  type EndpointOptions,
  type Metrics,
  type PolicySamplerOptions,
} from "../mod.ts";
import type { PipelineConfig } from "./config.ts";
import type { RecipeName } from "./flags.ts";
import type { RecipeExecutor } from "./execute.ts";

/** The recorded completions shipped with the example problems. */
export const EXAMPLE_SAMPLES = new URL("./examples/samples.jsonl", import.meta.url).pathname;
/** The recorded frontier-model completions shipped with the example problems. */
export const EXAMPLE_FRONTIER = new URL("./examples/frontier.jsonl", import.meta.url).pathname;
/** The example problems. */
export const EXAMPLE_PROBLEMS = new URL("./examples/problems.jsonl", import.meta.url).pathname;

/** What a recipe reports when it ends (added to the run summary). */
export interface RecipeReport {
  recipe: RecipeName;
  /** Problems finished in this invocation. */
  finished: number;
  /** Problems skipped because an earlier invocation finished them. */
  resumed: number;
  /** Extra figures (eval: accuracy, maj@k, pass@k). */
  figures?: Record<string, number>;
}

/** Everything a recipe runs with. */
export interface RecipeContext {
  recipe: RecipeName;
  config: PipelineConfig;
  run: Run;
  feedback: FeedbackStore;
  signal: AbortSignal;
  /** Runs programs in the sandbox (started on first use). */
  executor: RecipeExecutor;
  /** Called when a problem is finished (progress display). */
  onProblem: (problemId: string, outcome: ProblemOutcome) => void;
  /**
   * Where problems whose requests failed are counted: they are left unfinished
   * (a re-run retries them) and never reach a recipe's scoring.
   */
  health: SamplingHealth;
}

/** The key a recipe's finished problem is remembered by. */
export function problemKey(recipe: RecipeName, problemId: string): string {
  return `${recipe}:${problemId}`;
}

/**
 * How the problems are read: `--format`, the selection (`--where`, `--shard`,
 * `--shuffle` with `--seed`, `--limit`) and `--skip-malformed`.
 */
export function problemReading(config: PipelineConfig, signal?: AbortSignal): ReadProblemsOptions {
  return {
    format: config.format,
    selection: {
      where: config.where.map(parseWhere),
      ...(config.shard ? { shard: parseShard(config.shard) } : {}),
      shuffleBuffer: config.shuffle ? config.shuffleBuffer : 0,
      seed: config.seed,
      ...(config.limit !== undefined ? { limit: config.limit } : {}),
    },
    skipMalformed: config.skipMalformed,
    ...(signal ? { signal } : {}),
  };
}

/**
 * The problems a recipe works on: read in streaming fashion, selected by the
 * flags, of the kinds it handles, and without those an earlier invocation
 * finished. `counts.resumed` counts the skipped ones.
 */
export function recipeProblems<P extends Problem>(
  context: RecipeContext,
  accept: (problem: Problem) => problem is P,
  counts: { resumed: number },
): AsyncIterable<P> {
  const { config, run, recipe, signal } = context;
  return pipe(
    readProblems(config.problems, {
      ...problemReading(config, signal),
      onSkip: (error) => console.error(`Skipped: ${error.message}`),
    }),
    problemSource({
      accept,
      isFinished: (problem) => run.isFinished(problemKey(recipe, problem.id)),
      onResumed: () => counts.resumed++,
      signal,
      metrics: run.metrics.stage("problems"),
    }),
  );
}

/** The pair stage of a recipe: its problems paired by `policy`. */
export function pairBy<T extends ScoredProblem>(
  context: RecipeContext,
  policy: (item: T) => PairDraft[],
): Stage<T, Paired<T>> {
  return pairStage<T>({
    policy,
    signal: context.signal,
    metrics: context.run.metrics.stage("pair"),
  });
}

/** The record stage of a recipe's problems: one transaction each, then the progress display. */
export function recordResults<T extends Paired<ScoredProblem>>(
  context: RecipeContext,
): Stage<T, Recorded<T>> {
  const { run, feedback, recipe, signal } = context;
  return recordStage<T>({
    run,
    feedback,
    key: (id) => problemKey(recipe, id),
    onRecorded: context.onProblem,
    signal,
    metrics: run.metrics.stage("record"),
  });
}

/** Math problems. */
export const isMath = (p: Problem): p is Problem & { kind: "math" } => p.kind === "math";
/** Code problems. */
export const isCode = (p: Problem): p is CodeProblem => p.kind === "code";

/**
 * A stage for code problems only (a recipe that takes both kinds): the samples of
 * code problems go through `code`, those of math problems go around it unchanged;
 * items leave as they are ready. It ends with `AbortedError` when `signal` aborts.
 */
export function forCodeProblems<O>(
  code: Stage<ProblemSamples<CodeProblem>, O>,
  signal?: AbortSignal,
): Stage<ProblemSamples, O | ProblemSamples<MathProblem>> {
  const options = signal ? { signal } : {};
  return stage(code.name, (source) => {
    const [codes, maths] = tee(source, 2, options);
    return merge<O | ProblemSamples<MathProblem>>([
      pipe(codes, flatMap((item) => isCodeSamples(item) ? [item] : []), code),
      pipe(maths, flatMap((item) => isMathSamples(item) ? [item] : [])),
    ], options);
  });
}

function isCodeSamples(item: ProblemSamples): item is ProblemSamples<CodeProblem> {
  return item.problem.kind === "code";
}

function isMathSamples(item: ProblemSamples): item is ProblemSamples<MathProblem> {
  return item.problem.kind === "math";
}

/** Options for {@link policySamples}. */
export interface PolicySamplesOptions {
  /** Samples per problem at most. */
  samples: number;
  /** Samples per window. */
  window?: number;
  /** The early-stop decision. */
  decide?: DecideFn;
}

/**
 * The policy model's samples: from `--base-url`/`--model` when given, else from the
 * recorded completions (`--samples`, or the examples' when the problems are the
 * examples). Recorded samples are also stored in the run's sample table so that the
 * dashboard can show them.
 */
export function policySamples<P extends Problem>(
  context: RecipeContext,
  problems: AsyncIterable<P>,
  options: PolicySamplesOptions,
): AsyncIterable<ProblemSamples<P>> {
  return pipe(problems, policySampling<P>(context, options));
}

/**
 * The sample stage of the policy model ({@link policySamples}): a problem whose
 * request failed is counted in the context's health and left unfinished; one the
 * recorded file has no samples for is recorded `no_samples`.
 */
export function policySampling<P extends Problem>(
  context: RecipeContext,
  options: PolicySamplesOptions,
): Stage<P, ProblemSamples<P>> {
  const { config, run, signal } = context;
  const common = { ...options, signal, metrics: run.metrics };
  if (config.baseUrl) {
    const sampler: SamplingStage = policySampler({
      ...common,
      ...policyServer(context, { topP: config.topP }),
    });
    return sampleStage<P>({
      sampler,
      accept: (group) => context.health.accept(group.problem.id, group.samples),
    });
  }
  const path = recordedPath(config);
  const cache = new SampleCache(run.db);
  return sampleStage<P>({
    sampler: recordedSampler(path, common),
    accept: (group) => {
      if (!recordedAny(context, group)) return false;
      for (const sample of group.samples) {
        cache.put(`recorded:${path}:${sample.problem_id}:${sample.index}`, sample);
      }
      return true;
    },
  });
}

/**
 * The groups whose every request succeeded; a problem with a failed request is
 * counted in the context's health and left unfinished.
 */
export async function* sampledOnly<G extends { problem: Problem; samples: readonly Sample[] }>(
  context: RecipeContext,
  groups: AsyncIterable<G>,
): AsyncGenerator<G> {
  for await (const group of groups) {
    if (context.health.accept(group.problem.id, group.samples)) yield group;
  }
}

/**
 * True when the recorded file holds samples for the group's problem; a problem it
 * holds none for is recorded `no_samples` (its own reason, not a missing test or label).
 */
function recordedAny(
  context: RecipeContext,
  group: { problem: Problem; samples: readonly Sample[] },
): boolean {
  if (!group.samples.every((sample) => sample.failure === "missing")) return true;
  const { id } = group.problem;
  const outcome: ProblemOutcome = {
    status: "no_samples",
    detail: { recipe: context.recipe, samples: 0 },
  };
  context.run.finishProblem(problemKey(context.recipe, id), outcome);
  context.onProblem(id, outcome);
  return false;
}

/** The recorded policy samples file (`--samples`, or the examples'); throws when there is none. */
export function recordedPath(config: PipelineConfig): string {
  if (config.samples) return config.samples;
  if (config.problems === EXAMPLE_PROBLEMS) return EXAMPLE_SAMPLES;
  throw new ConfigError(
    "No policy samples: give --samples FILE (recorded completions) or --base-url and --model",
  );
}

/**
 * How the policy server is asked, from the flags: endpoint (with `api` when given),
 * sampling parameters (`topP` when given), prompt, request bounds, retries and the
 * run's sample cache.
 */
export function policyServer(
  context: RecipeContext,
  options: { topP?: number; api?: "chat" | "completions" } = {},
): Omit<PolicySamplerOptions, "samples" | "window" | "decide"> {
  const { config, run } = context;
  return {
    endpoint: policyEndpoint(config, {
      metrics: run.metrics,
      ...(options.api ? { api: options.api } : {}),
    }),
    params: {
      temperature: config.temperature,
      ...(options.topP !== undefined ? { top_p: options.topP } : {}),
      max_tokens: config.maxTokens,
      ...(config.stop.length ? { stop: [...config.stop] } : {}),
      seed: config.seed,
    },
    prompt: config.systemPrompt ? { systemPrompt: config.systemPrompt } : {},
    nMode: config.nMode,
    maxInFlight: config.maxInFlight,
    ...(config.tokensPerMinute ? { tokensPerMinute: config.tokensPerMinute } : {}),
    retry: { maxRetries: config.maxRetries },
    db: run.db,
  };
}

/** Each policy server from the flags (`--base-url`, repeated for replicas). */
export function policyServers(config: PipelineConfig): EndpointOptions[] {
  const model = config.model;
  if (!model) throw new ConfigError("Missing --model: --base-url needs the model name");
  return (config.baseUrl ?? []).map((baseURL) => ({
    baseURL,
    model,
    api: config.api,
    timeoutMs: config.requestTimeout,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  }));
}

/**
 * The policy endpoint from the flags: the one server, or its replicas balanced by
 * requests in flight (`--base-url` repeated).
 */
export function policyEndpoint(
  config: PipelineConfig,
  options: { metrics?: Metrics; api?: "chat" | "completions" } = {},
): Endpoint | EndpointOptions {
  const servers = policyServers(config).map((server) => ({
    ...server,
    ...(options.api ? { api: options.api } : {}),
  }));
  return servers.length === 1
    ? servers[0]
    : new BalancedEndpoint(servers, options.metrics ? { metrics: options.metrics } : {});
}

/** The frontier endpoint from the flags, when one is given. */
export function frontierEndpoint(config: PipelineConfig): EndpointOptions | undefined {
  if (!config.frontierBaseUrl) return undefined;
  if (!config.frontierModel) {
    throw new ConfigError("Missing --frontier-model: --frontier-base-url needs the model name");
  }
  return {
    baseURL: config.frontierBaseUrl,
    model: config.frontierModel,
    timeoutMs: config.requestTimeout,
    ...(config.frontierApiKey ? { apiKey: config.frontierApiKey } : {}),
  };
}

/** The prompt the policy was asked, as a pair's `prompt`. */
export function pairPrompt(config: PipelineConfig, problem: Problem): string {
  return config.api === "completions" ? problem.prompt : defaultTemplate(problem);
}

/** How a completion becomes a program (`--completion`). */
export function programOf(
  config: PipelineConfig,
  problem: CodeProblem,
  sample: Sample,
): string | undefined {
  if (sample.completion.trim() === "") return undefined;
  const mode = config.completion === "auto"
    ? (config.api === "completions" || !sample.completion.includes("```") ? "continuation" : "chat")
    : config.completion;
  if (mode === "continuation") {
    return extractProgram(sample.completion, {
      mode,
      language: problem.language,
      prompt: problem.prompt,
      ...(config.programStop.length ? { stops: config.programStop } : {}),
    });
  }
  return extractProgram(sample.completion, {
    mode: "chat",
    language: problem.language,
    ...(problem.style === "function" ? { entryPoint: problem.entry_point } : {}),
  });
}

/** The seed of a problem's random choices: the run's seed and the problem's id. */
export function problemSeed(config: PipelineConfig, problemId: string): string {
  return `${config.seed}/${problemId}`;
}
