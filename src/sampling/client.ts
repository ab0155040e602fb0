/**
 * One OpenAI-compatible endpoint (vLLM, SGLang, Ollama, llama.cpp, OpenAI) through
 * the `openai` npm client, with the client's own retries turned off: a request is
 * one HTTP attempt, and every failure comes back as a {@link SamplingRequestError}
 * whose `kind` says whether trying again may help. {@link requestWithRetry} adds
 * the limiter, the retry policy and metrics.
 *
 * @module
 */
import OpenAI from "openai";
import { AbortedError, ConfigError, PfpoError } from "../errors.ts";
import type { SampleFailure } from "../model/sample.ts";
import type { RequestLimiter } from "./limiter.ts";
import type { SamplingMetrics } from "./metrics.ts";
import { parseRetryAfter, retryDelay, type RetryPolicy, sleep } from "./retry.ts";

/** Which API of the server is called. */
export type ApiMode = "chat" | "completions";

/** Where and what to sample. */
export interface EndpointOptions {
  /** The server's base URL, e.g. `http://localhost:8000/v1`. */
  baseURL: string;
  /** The model name the server knows. */
  model: string;
  /** API key. Default: `OPENAI_API_KEY` from the environment, else `"none"` (local servers). */
  apiKey?: string;
  /** `"chat"` (`/chat/completions`, default) or `"completions"` (plain, for base models). */
  api?: ApiMode;
  /** Per-attempt timeout in ms, covering the whole response. Default 600 000. */
  timeoutMs?: number;
}

/** A chat message. */
export interface ChatMessage {
  /** Who speaks. */
  role: "system" | "user" | "assistant";
  /** What is said. */
  content: string;
}

/** The prompt of a request: chat messages or a plain text prompt, per the endpoint's API. */
export type PromptInput = { messages: ChatMessage[] } | { prompt: string };

/** Sampling parameters sent with each request. */
export interface SamplingParams {
  /** Sampling temperature (0: greedy). */
  temperature?: number;
  /** Nucleus sampling: the smallest set of tokens whose probability reaches it. */
  top_p?: number;
  /** Completion tokens at most. */
  max_tokens?: number;
  /** Sequences that end a completion. */
  stop?: string[];
  /** Base seed; the sampler adds the first sample index of each request. */
  seed?: number;
  /** Other body fields the server understands (e.g. vLLM's `top_k`). */
  extra?: Record<string, unknown>;
}

/** One request: a prompt, `n` choices and the sampling parameters. */
export interface CompletionRequest {
  /** The prompt: chat messages or plain text. */
  input: PromptInput;
  /** Choices asked for. */
  n: number;
  /** The sampling parameters. */
  params: SamplingParams;
  /** Ask for a JSON object (`response_format: {type: "json_object"}`). */
  jsonObject?: boolean;
}

/** One choice of a response. */
export interface CompletionChoice {
  /** The completion's text. */
  text: string;
  /** Why the completion ended (`stop`, `length`, …), when the server says. */
  finish_reason?: string;
}

/** Token counts of a response. */
export interface TokenUsage {
  /** Tokens of the prompt. */
  prompt_tokens: number;
  /** Tokens of all the choices together. */
  completion_tokens: number;
}

/** A well-formed response. */
export interface CompletionResponse {
  /** The choices, in the server's order. */
  choices: CompletionChoice[];
  /** Token counts, when the server reports them. */
  usage?: TokenUsage;
}

/** Why a request failed. */
export type RequestFailureKind =
  /** 429. */
  | "rate_limited"
  /** 5xx, 408, 409. */
  | "server_error"
  /** The attempt took longer than the timeout. */
  | "timeout"
  /** The connection failed or broke. */
  | "connection"
  /** Any other 4xx: the request itself is at fault. */
  | "rejected"
  /** The server does not support `n > 1`. */
  | "n_rejected"
  /** The server does not support `response_format`. */
  | "format_rejected"
  /** A 200 response that is not the expected JSON. */
  | "malformed"
  /** A 200 response without choices. */
  | "empty";

const RETRYABLE: ReadonlySet<RequestFailureKind> = new Set([
  "rate_limited",
  "server_error",
  "timeout",
  "connection",
]);

/** A request that failed; `kind` classifies it and `retryable` follows from it. */
export class SamplingRequestError extends PfpoError {
  /** The failure's class. */
  readonly kind: RequestFailureKind;
  /** The HTTP status, when there was one. */
  readonly status?: number;
  /** The wait the server asked for, in ms. */
  readonly retryAfterMs?: number;

  /** Creates a request error. */
  constructor(
    kind: RequestFailureKind,
    detail: string,
    options: ErrorOptions & { status?: number; retryAfterMs?: number } = {},
  ) {
    super(`Request failed (${kind}): ${detail}`, options);
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether trying again may help. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** The {@link SampleFailure} a sample records for this error. */
  get sampleFailure(): SampleFailure {
    if (this.kind === "timeout") return "timeout";
    if (this.kind === "malformed") return "malformed";
    if (this.kind === "empty") return "empty";
    return "http_error";
  }
}

const N_REJECTION =
  /only one completion choice|\bn\b[^.]{0,40}\b(must be|should be|only|not supported|unsupported|greater than 1|> ?1)|multiple (choices|completions)[^.]{0,30}not supported/i;
const FORMAT_REJECTION = /response_format|json_object|json mode/i;

/**
 * An OpenAI-compatible endpoint. {@link Endpoint.request} makes exactly one HTTP
 * attempt.
 *
 * @example Make one request against a server
 * ```ts ignore
 * import { Endpoint } from "./client.ts";
 * const endpoint = new Endpoint({ baseURL: "http://localhost:8000/v1", model: "qwen" });
 * const response = await endpoint.request({
 *   input: { messages: [{ role: "user", content: "1+1?" }] }, n: 2, params: { temperature: 1 },
 * });
 * console.log(response.choices.map((c) => c.text));
 * ```
 */
export class Endpoint {
  /** The endpoint's settings. */
  readonly options: Readonly<Required<Omit<EndpointOptions, "apiKey">>>;
  readonly #client: OpenAI;

  /** Creates a client for the endpoint (no request is made). */
  constructor(options: EndpointOptions) {
    if (!options.baseURL) throw new ConfigError("Cannot create an endpoint: baseURL is empty");
    if (!options.model) throw new ConfigError("Cannot create an endpoint: model is empty");
    this.options = {
      baseURL: options.baseURL,
      model: options.model,
      api: options.api ?? "chat",
      timeoutMs: options.timeoutMs ?? 600_000,
    };
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? environmentApiKey() ?? "none",
      maxRetries: 0,
      timeout: this.options.timeoutMs,
    });
  }

  /**
   * Makes one attempt. Throws a {@link SamplingRequestError} on any failure, or an
   * {@link AbortedError} when `signal` aborts.
   */
  async request(
    request: CompletionRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<CompletionResponse> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    try {
      const body = this.#body(request);
      const raw: unknown = this.options.api === "chat"
        ? await this.#client.chat.completions.create(
          body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
          { signal: controller.signal },
        )
        : await this.#client.completions.create(
          body as unknown as OpenAI.CompletionCreateParamsNonStreaming,
          { signal: controller.signal },
        );
      return parseResponse(raw, this.options.api);
    } catch (error) {
      if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
      if (timedOut) {
        throw new SamplingRequestError(
          "timeout",
          `no complete answer in ${this.options.timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw classify(error, request);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * The model names the server lists (`GET /models`), in one attempt of at most
   * `timeoutMs` (default 10 000). Throws a {@link SamplingRequestError} on any
   * failure (`connection`, `rejected` with status 401 for a refused key, …).
   */
  async models(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    try {
      const names: string[] = [];
      const page = await this.#client.models.list({ timeout: timeoutMs, signal: options.signal });
      for (const model of page.data) names.push(model.id);
      return names;
    } catch (error) {
      if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
      if (error instanceof OpenAI.APIConnectionTimeoutError) {
        throw new SamplingRequestError("timeout", `no answer in ${timeoutMs} ms`, { cause: error });
      }
      throw classify(error, { input: { prompt: "" }, n: 1, params: {} });
    }
  }

  #body(request: CompletionRequest): Record<string, unknown> {
    const { params } = request;
    const body: Record<string, unknown> = {
      ...params.extra,
      model: this.options.model,
      n: request.n,
    };
    if ("messages" in request.input) {
      if (this.options.api !== "chat") {
        throw new ConfigError("Cannot send chat messages to a completions endpoint");
      }
      body.messages = request.input.messages;
    } else {
      if (this.options.api !== "completions") {
        body.messages = [{ role: "user", content: request.input.prompt }];
      } else body.prompt = request.input.prompt;
    }
    for (const key of ["temperature", "top_p", "max_tokens", "stop", "seed"] as const) {
      if (params[key] !== undefined) body[key] = params[key];
    }
    if (request.jsonObject) body.response_format = { type: "json_object" };
    return body;
  }
}

/** `OPENAI_API_KEY`, or `undefined` when unset, empty, or when reading the environment is not allowed. */
function environmentApiKey(): string | undefined {
  try {
    return Deno.env.get("OPENAI_API_KEY") || undefined;
  } catch {
    return undefined;
  }
}

function parseResponse(raw: unknown, api: ApiMode): CompletionResponse {
  if (typeof raw !== "object" || raw === null) {
    throw new SamplingRequestError(
      "malformed",
      `the body is ${raw === undefined ? "empty" : "not a JSON object"}`,
    );
  }
  const record = raw as Record<string, unknown>;
  if (!Array.isArray(record.choices)) {
    throw new SamplingRequestError("malformed", 'the body has no "choices" array');
  }
  if (record.choices.length === 0) {
    throw new SamplingRequestError("empty", "the response has no choices");
  }
  const ordered = [...record.choices].sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0));
  const choices = ordered.map((choice, i): CompletionChoice => {
    const text = api === "chat" ? choice?.message?.content : choice?.text;
    if (text !== null && text !== undefined && typeof text !== "string") {
      throw new SamplingRequestError("malformed", `choice ${i} has no text`);
    }
    const finish = typeof choice?.finish_reason === "string" ? choice.finish_reason : undefined;
    return finish === undefined
      ? { text: text ?? "" }
      : { text: text ?? "", finish_reason: finish };
  });
  const usage = record.usage as Record<string, unknown> | undefined;
  if (typeof usage?.prompt_tokens === "number" && typeof usage?.completion_tokens === "number") {
    return {
      choices,
      usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens },
    };
  }
  return { choices };
}

function classify(error: unknown, request: CompletionRequest): SamplingRequestError | Error {
  if (error instanceof SamplingRequestError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new SamplingRequestError("timeout", error.message, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new SamplingRequestError("connection", error.message, { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const status = error.status;
    const detail = truncate(error.message);
    const options = { cause: error, status };
    if (status === 429) {
      return new SamplingRequestError("rate_limited", detail, {
        ...options,
        retryAfterMs: error.headers ? parseRetryAfter(error.headers) : undefined,
      });
    }
    if (request.n > 1 && status < 600 && N_REJECTION.test(error.message)) {
      return new SamplingRequestError("n_rejected", detail, options);
    }
    if (
      request.jsonObject && status >= 400 && status < 500 && FORMAT_REJECTION.test(error.message)
    ) {
      return new SamplingRequestError("format_rejected", detail, options);
    }
    if (status >= 500 || status === 408 || status === 409) {
      return new SamplingRequestError("server_error", detail, {
        ...options,
        retryAfterMs: error.headers ? parseRetryAfter(error.headers) : undefined,
      });
    }
    return new SamplingRequestError("rejected", detail, options);
  }
  if (error instanceof SyntaxError) {
    return new SamplingRequestError("malformed", `the body is not JSON: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof TypeError) {
    // fetch reports a connection broken while the body is read as a TypeError.
    return new SamplingRequestError("connection", error.message, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function truncate(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Options for {@link requestWithRetry}. */
export interface RequestWithRetryOptions {
  /** Bounds requests in flight and tokens per minute. */
  limiter: RequestLimiter;
  /** The retry policy. Default {@link RetryPolicy} defaults. */
  retry?: RetryPolicy;
  /** Cancels the request and any wait. */
  signal?: AbortSignal;
  /** Where latency, tokens and retries are counted. */
  metrics?: SamplingMetrics;
  /** Random source for the backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Makes a request through the limiter, retrying 429, 5xx, timeouts and broken
 * connections with backoff (honouring `Retry-After`). The limiter slot is held only
 * during an attempt, not while backing off. Throws the last
 * {@link SamplingRequestError} when retries run out or the failure is not
 * retryable, and an {@link AbortedError} when `signal` aborts.
 */
export async function requestWithRetry(
  endpoint: Endpoint,
  request: CompletionRequest,
  options: RequestWithRetryOptions,
): Promise<CompletionResponse> {
  const { limiter, metrics, signal } = options;
  const estimate = estimateTokens(request);
  for (let attempt = 0;; attempt++) {
    const lease = await limiter.acquire(estimate, signal);
    const started = performance.now();
    metrics?.requestStarted();
    let used: number | undefined;
    let delay: number | undefined;
    try {
      const response = await endpoint.request(request, { signal });
      if (response.usage) {
        used = response.usage.prompt_tokens + response.usage.completion_tokens;
        metrics?.tokens(response.usage);
      }
      return response;
    } catch (error) {
      if (!(error instanceof SamplingRequestError)) throw error;
      delay = retryDelay(error, attempt, options.retry, options.random);
      if (delay === undefined) throw error;
      metrics?.retried(error.kind);
    } finally {
      lease.release(used);
      metrics?.requestFinished(performance.now() - started);
    }
    await sleep(delay, signal);
  }
}

function estimateTokens(request: CompletionRequest): number {
  const text = "messages" in request.input
    ? request.input.messages.map((m) => m.content).join("\n")
    : request.input.prompt;
  return Math.ceil(text.length / 4) + request.n * (request.params.max_tokens ?? 1024);
}
