/**
 * Prefix completions: the policy continues each prefix `k` times (the paper: 3,
 * T = 1.0, top_p 0.9), through the policy sampler — so requests share its limiter,
 * retries, `n > 1` fallback, early stop and the run database's sample cache.
 *
 * Two ways to continue a prefix:
 *
 * - `"completions"`: `/v1/completions` with the problem's prompt followed by the
 *   prefix (the paper's way; every OpenAI-compatible server that serves a base or
 *   instruct model raw: vLLM, SGLang, llama.cpp, Ollama's `/v1/completions`).
 * - `"chat"`: `/v1/chat/completions` with the prefix as a final assistant message
 *   that the server continues. vLLM and SGLang do this with
 *   `continue_final_message: true, add_generation_prompt: false` (sent with every
 *   request); llama.cpp's server continues a final assistant message by itself and
 *   ignores the two fields. OpenAI's API cannot continue a message: it rejects the
 *   fields, and {@link continuationFailure} turns that rejection into a
 *   {@link ContinuationUnsupportedError} that says to use `"completions"`.
 *
 * A prefix is sampled as its own "problem" whose id is {@link prefixId}, so a
 * recorded file of prefix completions uses the recorded-samples format
 * (`{"problem_id": "gsm8k/12#3:4", "completions": [...]}`).
 *
 * @module
 */
import { PfpoError } from "../errors.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { policySampler, type PolicySamplerOptions } from "../sampling/sampler.ts";
import type { SamplingStage } from "../sampling/windows.ts";
import type { Prefix } from "./prefixes.ts";

/** How a prefix is continued. */
export type ContinuationApi = "completions" | "chat";

/** The server cannot continue a prefix through the chosen API. */
export class ContinuationUnsupportedError extends PfpoError {}

/** A problem stand-in for one prefix: the problem's fields, the prefix's id, and the prefix. */
export type PrefixProblem<P extends Problem = Problem> = P & {
  /** The problem the prefix belongs to. */
  problem: P;
  prefix: Prefix;
};

/**
 * The id a prefix is sampled (and recorded) under: the problem id, `#`, the sample
 * it was cut from and its step count.
 *
 * @example
 * ```ts
 * import { prefixId } from "./completions.ts";
 * import assert from "node:assert";
 * assert.equal(prefixId({ problem_id: "gsm8k/12", sample: 3, steps: 4, of: 9, text: "…" }), "gsm8k/12#3:4");
 * ```
 */
export function prefixId(prefix: Prefix): string {
  return `${prefix.problem_id}#${prefix.sample}:${prefix.steps}`;
}

/** The stand-in problem that samples completions of `prefix`. */
export function prefixProblem<P extends Problem>(problem: P, prefix: Prefix): PrefixProblem<P> {
  return { ...problem, id: prefixId(prefix), problem, prefix } as unknown as PrefixProblem<P>;
}

/** The body fields vLLM and SGLang need to continue a final assistant message. */
export const CONTINUE_FINAL_MESSAGE = {
  continue_final_message: true,
  add_generation_prompt: false,
} as const;

/** Options for {@link prefixSampler}. */
export interface PrefixSamplerOptions
  extends Omit<PolicySamplerOptions, "samples" | "decide" | "window"> {
  /** Completions per prefix. Default 3. */
  completions?: number;
  /**
   * Early stop: asked after each window of a prefix's completions; `"stop"` when the
   * prefix's class is decided. Default: none (every prefix gets all its completions).
   */
  decide?: (prefixId: string, soFar: readonly Sample[]) => "stop" | "more";
  /** Completions in the first request when stopping early (then one per request). Default: all. */
  first?: number;
}

/**
 * The stage that completes prefixes: {@link PrefixProblem}s in, samples out (by
 * prefix, with `problem_id` the prefix id). The endpoint's API decides the
 * continuation: `"completions"` appends the prefix to the prompt, `"chat"` sends it
 * as a final assistant message to continue.
 *
 * @example Complete a prefix three times against a server
 * ```ts ignore
 * import { cutPrefixes, prefixProblem, prefixSampler } from "../../mod.ts";
 * const problem = { id: "m", kind: "math" as const, prompt: "What is 6 × 3?" };
 * const [prefix] = cutPrefixes([{ index: 0, text: solution }], { problemId: "m" });
 * const stage = prefixSampler({
 *   endpoint: { baseURL: "http://localhost:8000/v1", model: "my-policy", api: "completions" },
 *   params: { temperature: 1, top_p: 0.9, max_tokens: 2048 },
 * });
 * for await (const group of stage.grouped([prefixProblem(problem, prefix)])) {
 *   console.log(group.samples.map((s) => s.completion));
 * }
 * ```
 */
export function prefixSampler(options: PrefixSamplerOptions): SamplingStage {
  const completions = options.completions ?? 3;
  const api = "api" in options.endpoint ? options.endpoint.api ?? "chat" : "chat";
  const baseURL = "baseURL" in options.endpoint ? options.endpoint.baseURL : "";
  if (api === "chat" && /api\.openai\.com/.test(baseURL)) {
    throw new ContinuationUnsupportedError(
      `Cannot continue prefixes through chat at ${baseURL}: OpenAI's API does not continue an assistant message; use the completions API (--step-api completions) or a vLLM/SGLang server`,
    );
  }
  const decide = options.decide;
  const params = options.params ?? {};
  return policySampler({
    ...options,
    samples: completions,
    window: decide ? Math.max(1, Math.min(options.first ?? completions, completions)) : completions,
    ...(decide ? { decide } : {}),
    params: api === "chat"
      ? { ...params, extra: { ...params.extra, ...CONTINUE_FINAL_MESSAGE } }
      : params,
    prompt: {
      ...options.prompt,
      continueWith: (problem) => (problem as PrefixProblem).prefix.text,
    },
  });
}

const CONTINUATION_REJECTED =
  /continue_final_message|add_generation_prompt|final assistant|prefill/i;

/**
 * The error to stop on when a completion failed because the server cannot continue
 * a message (a 4xx naming the continuation fields), else `undefined`.
 */
export function continuationFailure(
  sample: Sample,
  baseURL: string,
): ContinuationUnsupportedError | undefined {
  if (sample.request_error?.kind !== "rejected") return undefined;
  const detail = sample.failure_detail ?? "";
  if (!CONTINUATION_REJECTED.test(detail)) return undefined;
  return new ContinuationUnsupportedError(
    `Cannot continue prefixes through chat at ${baseURL}: the server rejected the continuation (${
      detail.slice(0, 200)
    }); use the completions API (--step-api completions)`,
  );
}
