/**
 * The policy sampler: a stage that turns problems into samples drawn from an
 * OpenAI-compatible server, with windows and early stop, a bound on requests in
 * flight (and optionally tokens per minute), retries, `n > 1` fallback, and the run
 * database's sample cache. Failures are recorded on the sample, never thrown.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { type SampleCache, sampleCacheKey } from "./cache.ts";
import {
  type CompletionChoice,
  type Endpoint,
  type PromptInput,
  requestWithRetry,
  type SamplingParams,
  SamplingRequestError,
} from "./client.ts";
import { connect, type ServerOptions } from "./connection.ts";
import type { RequestLimiter } from "./limiter.ts";
import type { SamplingMetrics } from "./metrics.ts";
import type { RetryPolicy } from "./retry.ts";
import { buildPrompt, type BuildPromptOptions } from "./templates.ts";
import {
  type ProblemDraw,
  type SamplingStage,
  type SamplingWindowOptions,
  windowedStage,
} from "./windows.ts";

/** How a window's samples are requested. */
export type NMode =
  /** One request with `n` = the window's missing samples; falls back to single requests when the server rejects `n > 1` or returns fewer choices. */
  | "auto"
  /** Always one request per window with `n`; a rejection is recorded as a failure. */
  | "multi"
  /** Always `n` single requests (servers known to reject `n > 1`). */
  | "single";

/** Options for {@link policySampler}. */
export interface PolicySamplerOptions extends SamplingWindowOptions, ServerOptions {
  /** Sampling parameters. Default: the server's defaults. */
  params?: SamplingParams;
  /** System prompt and template (the API comes from the endpoint). */
  prompt?: Omit<BuildPromptOptions, "api">;
  /** How windows are requested. Default `"auto"`. */
  nMode?: NMode;
  /** Problems worked on at once at most. Default `4 × maxInFlight`. */
  maxActiveProblems?: number;
}

/**
 * Makes the policy sampler stage. For each problem it draws up to `samples`
 * completions, `window` at a time, asking `decide` before each window after the
 * first; samples come out as they arrive, each once, with `index` from 0. A sample
 * whose request failed after retries carries `failure` (`http_error`, `timeout`,
 * `malformed`, `empty`) and an empty completion; a cut-off one carries `length` and
 * its text. Cached samples carry `cached: true` and cost no request.
 *
 * With a `seed`, the request for samples starting at index `i` uses `seed + i`, so
 * single requests do not repeat each other.
 *
 * @example Sample a problem twice against a server
 * ```ts ignore
 * import { policySampler } from "./sampler.ts";
 * import { pipe } from "../stream/stage.ts";
 * const sampler = policySampler({
 *   endpoint: { baseURL: "http://localhost:8000/v1", model: "qwen" },
 *   samples: 2,
 *   params: { temperature: 1, max_tokens: 1024 },
 * });
 * for await (const sample of pipe([{ id: "m", kind: "math", prompt: "1+1?" }], sampler)) {
 *   console.log(sample.index, sample.completion);
 * }
 * ```
 */
export function policySampler(options: PolicySamplerOptions): SamplingStage {
  const { endpoint, limiter, metrics, cache, retry } = connect(options, 16);
  const params = options.params ?? {};
  const state = { single: options.nMode === "single" };
  const api = endpoint.options.api;

  const prepare = (problem: Problem): ProblemDraw => {
    const input = buildPrompt(problem, { ...options.prompt, api });
    const key = sampleCacheKey({
      baseURL: endpoint.options.baseURL,
      model: endpoint.options.model,
      api,
      input,
      params,
    });
    const context: DrawContext = {
      endpoint,
      limiter,
      metrics,
      cache,
      key,
      input,
      params,
      problemId: problem.id,
      retry,
      nMode: options.nMode ?? "auto",
      state,
    };
    return {
      count: Infinity,
      draw: (indices, { signal, emit }) => {
        const cached = cache?.get(key, indices) ?? new Map<number, Sample>();
        if (cached.size > 0) metrics.cached(cached.size);
        for (const sample of cached.values()) emit(sample);
        const missing = indices.filter((i) => !cached.has(i));
        return missing.length === 0
          ? Promise.resolve()
          : drawMissing(context, missing, signal, emit);
      },
    };
  };

  return windowedStage({
    samples: options.samples,
    window: options.window,
    decide: options.decide,
    signal: options.signal,
    maxActive: options.maxActiveProblems ?? 4 * limiter.maxInFlight,
    // Keep a few requests queued so that a freed slot is taken at once.
    wantMore: () => limiter.waiting < Math.max(2, limiter.maxInFlight / 4),
    prepare,
  });
}

interface DrawContext {
  endpoint: Endpoint;
  limiter: RequestLimiter;
  metrics: SamplingMetrics;
  cache?: SampleCache;
  key: string;
  input: PromptInput;
  params: SamplingParams;
  problemId: string;
  retry?: RetryPolicy;
  nMode: NMode;
  /** Shared by all problems of a sampler: set once the server is known to reject `n > 1`. */
  state: { single: boolean };
}

type Emit = (sample: Sample) => void;

async function drawMissing(
  context: DrawContext,
  indices: number[],
  signal: AbortSignal,
  emit: Emit,
) {
  if (indices.length === 1 || context.state.single) {
    await Promise.all(indices.map((index) => requestSamples(context, [index], signal, emit)));
    return;
  }
  const rest = await requestSamples(context, indices, signal, emit);
  if (rest.length > 0) {
    await Promise.all(rest.map((index) => requestSamples(context, [index], signal, emit)));
  }
}

/**
 * Requests `indices.length` samples in one request and emits them. Returns the
 * indices left to request one by one (after an `n > 1` rejection or a short answer
 * in `"auto"` mode).
 */
async function requestSamples(
  context: DrawContext,
  indices: number[],
  signal: AbortSignal,
  emit: Emit,
): Promise<number[]> {
  const { metrics, params } = context;
  const seed = params.seed === undefined ? undefined : params.seed + indices[0];
  metrics.requested(indices.length);
  let choices: CompletionChoice[];
  try {
    const response = await requestWithRetry(
      context.endpoint,
      { input: context.input, n: indices.length, params: { ...params, seed } },
      { limiter: context.limiter, retry: context.retry, signal, metrics },
    );
    choices = response.choices;
  } catch (error) {
    if (error instanceof AbortedError) throw error;
    if (!(error instanceof SamplingRequestError)) throw error;
    if (error.kind === "n_rejected" && context.nMode === "auto") {
      context.state.single = true;
      return indices;
    }
    for (const index of indices) {
      const sample: Sample = {
        problem_id: context.problemId,
        index,
        completion: "",
        failure: error.sampleFailure,
        failure_detail: error.message.slice(0, 1000),
        request_error: {
          kind: error.kind,
          ...(error.status !== undefined ? { status: error.status } : {}),
        },
      };
      metrics.failed(sample.failure!);
      emit(sample);
    }
    return [];
  }
  const got = Math.min(choices.length, indices.length);
  for (let i = 0; i < got; i++) {
    const sample = choiceSample(context.problemId, indices[i], choices[i]);
    context.cache?.put(context.key, sample);
    if (sample.failure) metrics.failed(sample.failure);
    emit(sample);
  }
  if (got === indices.length) return [];
  if (context.nMode === "auto") {
    context.state.single = true;
    return indices.slice(got);
  }
  for (const index of indices.slice(got)) {
    const sample: Sample = {
      problem_id: context.problemId,
      index,
      completion: "",
      failure: "empty",
      failure_detail: `The server returned ${choices.length} choices for n=${indices.length}`,
    };
    metrics.failed("empty");
    emit(sample);
  }
  return [];
}

function choiceSample(problemId: string, index: number, choice: CompletionChoice): Sample {
  const sample: Sample = { problem_id: problemId, index, completion: choice.text };
  if (choice.finish_reason !== undefined) sample.finish_reason = choice.finish_reason;
  if (choice.finish_reason === "length") {
    sample.failure = "length";
    sample.failure_detail = "The completion was cut off at max_tokens";
  } else if (choice.finish_reason === "content_filter") {
    sample.failure = "content_filter";
  } else if (choice.text.trim() === "") {
    sample.failure = "empty";
    sample.failure_detail = "The completion is empty";
  }
  return sample;
}
