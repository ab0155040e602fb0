/**
 * Frontier-LLM test sources: a strong model, on its own endpoint, writes the
 * feedback the policy's samples are scored against.
 *
 * - {@link frontierAnswers}: math; the frontier model's `\boxed{}` answer is the
 *   problem's pseudo label.
 * - {@link frontierTestInputs}: code; about ten test inputs covering edge cases, for
 *   self-consistency (JSON mode where the server has it, tolerant parsing where not).
 * - {@link frontierTestCases}: code; inputs with expected outputs, as JSON or as
 *   `assert f(...) == ...` lines.
 * - {@link frontierSolutions}: code; the frontier model's own programs, to be run on
 *   generated inputs (their majority output per input is a label).
 *
 * Each answer is cached in the run database like a policy sample, so a re-run pays
 * for nothing twice. Failures are recorded on the result, never thrown.
 *
 * @module
 */
import { extractAnswer } from "../math/mod.ts";
import type { CodeProblem, MathProblem, TestCase } from "../model/problem.ts";
import type { SampleFailure } from "../model/sample.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import { sampleCacheKey } from "./cache.ts";
import {
  type ChatMessage,
  type PromptInput,
  requestWithRetry,
  type SamplingParams,
  SamplingRequestError,
} from "./client.ts";
import { connect, type ServerOptions } from "./connection.ts";
import type { SamplingMetrics } from "./metrics.ts";
import { policySampler, type PolicySamplerOptions } from "./sampler.ts";
import { buildPrompt } from "./templates.ts";
import {
  type DropReason,
  parseGeneratedInputs,
  parseGeneratedTests,
  type Validated,
} from "./test_cases.ts";
import type { SamplingStage } from "./windows.ts";

/** Options shared by the frontier sources. */
export interface FrontierOptions extends ServerOptions {
  /** Sampling parameters. Default `{ temperature: 0 }`. */
  params?: SamplingParams;
  /** A system message for chat endpoints. */
  systemPrompt?: string;
  /** Cancels the stage. */
  signal?: AbortSignal;
}

/** Why a frontier result has nothing usable: a request failure, or an answer without the asked content. */
export type FrontierFailure = SampleFailure | "no_answer";

/** What every frontier result has besides its problem: the answer and how it went. */
export interface FrontierResultBase {
  /** The frontier model's raw answer ("" when the request failed). */
  completion: string;
  /** Set when the result holds nothing usable. */
  failure?: FrontierFailure;
  /** Detail of the failure. */
  failure_detail?: string;
  /** True when the answer came from the run's cache. */
  cached?: boolean;
  /** Set when the request failed (not the model): a re-run asks again. */
  request_error?: { kind: string; status?: number };
}

/** A math problem's frontier answer. */
export interface FrontierAnswer extends FrontierResultBase {
  /** The problem asked about. */
  problem: MathProblem;
  /** The extracted final answer, the problem's pseudo label. */
  answer?: string;
}

/** A code problem with generated test inputs (in `problem.test_inputs`). */
export interface FrontierInputs extends FrontierResultBase {
  /** The problem, with the inputs kept in `test_inputs`. */
  problem: CodeProblem;
  /** Inputs dropped by validation, by reason. */
  dropped: Partial<Record<DropReason, number>>;
}

/** A code problem with generated test cases (in `problem.tests`). */
export interface FrontierTests extends FrontierResultBase {
  /** The problem, with the tests kept in `tests`. */
  problem: CodeProblem;
  /** Tests dropped by validation, by reason. */
  dropped: Partial<Record<DropReason, number>>;
}

/** JSON mode for the code sources. */
export type JsonMode =
  /** Ask for `response_format: json_object`; if the server rejects it, stop asking. */
  | "auto"
  /** Always ask; a rejection is a failure. */
  | "on"
  /** Never ask; rely on tolerant parsing. */
  | "off";

/** Options for the code sources. */
export interface FrontierCodeOptions extends FrontierOptions {
  /** How many inputs or tests to ask for. Default 10. */
  count?: number;
  /** JSON mode. Default `"auto"`. */
  jsonMode?: JsonMode;
}

type Reply =
  | { text: string; cached?: boolean }
  | { failure: SampleFailure; detail: string; error: { kind: string; status?: number } }
  /** The server rejected `response_format`. */
  | { formatRejected: true; detail: string };

interface Asker {
  ask(
    purpose: Record<string, unknown>,
    input: PromptInput,
    signal: AbortSignal,
    jsonObject?: boolean,
  ): Promise<Reply>;
  metrics: SamplingMetrics;
  concurrency: number;
  signal?: AbortSignal;
  systemPrompt?: string;
  api: "chat" | "completions";
}

function asker(options: FrontierOptions): Asker {
  const { endpoint, limiter, metrics, cache, retry } = connect(options, 8);
  const params = options.params ?? { temperature: 0 };
  return {
    metrics,
    concurrency: Math.max(1, options.maxInFlight ?? limiter.maxInFlight),
    signal: options.signal,
    systemPrompt: options.systemPrompt,
    api: endpoint.options.api,
    async ask(purpose, input, signal, jsonObject = false) {
      const key = sampleCacheKey({
        baseURL: endpoint.options.baseURL,
        model: endpoint.options.model,
        api: endpoint.options.api,
        input,
        params: { ...params, ...purpose, jsonObject },
      });
      const hit = cache?.get(key, [0]).get(0);
      if (hit) {
        metrics.cached(1);
        return { text: hit.completion, cached: true };
      }
      metrics.requested(1);
      try {
        const response = await requestWithRetry(
          endpoint,
          { input, n: 1, params, jsonObject },
          { limiter, retry, signal, metrics },
        );
        const choice = response.choices[0];
        cache?.put(key, {
          problem_id: String(purpose.problem_id),
          index: 0,
          completion: choice.text,
          finish_reason: choice.finish_reason,
        });
        return { text: choice.text };
      } catch (error) {
        if (!(error instanceof SamplingRequestError)) throw error;
        const detail = error.message.slice(0, 1000);
        if (error.kind === "format_rejected") return { formatRejected: true, detail };
        metrics.failed(error.sampleFailure);
        const status = error.status === undefined ? {} : { status: error.status };
        return { failure: error.sampleFailure, detail, error: { kind: error.kind, ...status } };
      }
    },
  };
}

/**
 * Asks the frontier model each math problem and extracts its final answer (with
 * `extractAnswer`, `numeric` when `numeric` is set). A problem whose answer has no
 * extractable final answer gets `failure: "no_answer"`.
 *
 * @example Label a problem from a local server
 * ```ts ignore
 * import { frontierAnswers } from "./frontier.ts";
 * import { pipe } from "../stream/stage.ts";
 * const stage = frontierAnswers({ endpoint: { baseURL: "https://api.openai.com/v1", model: "gpt-4o" } });
 * for await (const label of pipe([{ id: "m", kind: "math" as const, prompt: "1+1?" }], stage)) {
 *   console.log(label.problem.id, label.answer);
 * }
 * ```
 */
export function frontierAnswers(
  options: FrontierOptions & { numeric?: boolean },
): Stage<MathProblem, FrontierAnswer> {
  const context = asker(options);
  return map(async (problem: MathProblem, { signal }) => {
    const input = buildPrompt(problem, { api: context.api, systemPrompt: context.systemPrompt });
    const reply = await context.ask({ problem_id: problem.id, purpose: "answer" }, input, signal);
    if (!("text" in reply)) {
      const failure = "failure" in reply ? reply.failure : "http_error";
      return {
        problem,
        completion: "",
        failure,
        failure_detail: reply.detail,
        request_error: "error" in reply ? reply.error : { kind: "format_rejected" },
      };
    }
    const result: FrontierAnswer = { problem, completion: reply.text };
    if (reply.cached) result.cached = true;
    const answer = extractAnswer(reply.text, { numeric: options.numeric });
    if (answer === undefined) {
      result.failure = "no_answer";
      result.failure_detail = "The answer has no extractable final answer";
      context.metrics.failed("no_answer");
    } else result.answer = answer;
    return result;
  }, { concurrency: context.concurrency, ordered: false, signal: options.signal });
}

const STYLE_OF_INPUT = {
  stdio: "the complete standard input of one run, as one string with \\n between lines",
  function: (problem: CodeProblem & { style: "function" }) =>
    `the arguments of one call to \`${problem.entry_point}\` written as a Python literal argument list ` +
    `in a string, e.g. "[1, 2, 3], 4" for ${problem.entry_point}([1, 2, 3], 4)`,
};

function inputDescription(problem: CodeProblem): string {
  return problem.style === "stdio" ? STYLE_OF_INPUT.stdio : STYLE_OF_INPUT.function(problem);
}

/** The prompt asking for test inputs only. */
export function testInputsPrompt(problem: CodeProblem, count: number): string {
  return `${problem.prompt.trim()}\n\n` +
    `Do not solve this problem. Write ${count} test inputs for it: a few typical cases and ` +
    `edge cases (smallest and largest sizes, empty or single elements, equal values, negative ` +
    `numbers where allowed, boundary values). Every input must satisfy the problem's constraints. ` +
    `Answer with only a JSON object {"inputs": [...]} where each input is ${
      inputDescription(problem)
    }.`;
}

/** The prompt asking for test cases with expected outputs. */
export function testCasesPrompt(problem: CodeProblem, count: number): string {
  const output = problem.style === "stdio"
    ? "the exact expected standard output as a string"
    : "the expected return value written as a Python literal in a string";
  return `${problem.prompt.trim()}\n\n` +
    `Write ${count} test cases for this problem: typical cases and edge cases, each with its ` +
    `correct expected output. Answer with only a JSON object {"tests": [{"input": ..., "output": ...}]} ` +
    `where each input is ${inputDescription(problem)} and each output is ${output}.`;
}

function codeStage<R extends FrontierInputs | FrontierTests>(
  options: FrontierCodeOptions,
  purpose: "inputs" | "tests",
  build: (problem: CodeProblem, validated: Validated<string> | Validated<TestCase>) => CodeProblem,
): Stage<CodeProblem, R> {
  const context = asker(options);
  const count = options.count ?? 10;
  const jsonMode = options.jsonMode ?? "auto";
  const state = { json: jsonMode !== "off" };
  const prompt = purpose === "inputs" ? testInputsPrompt : testCasesPrompt;
  const parse = purpose === "inputs" ? parseGeneratedInputs : parseGeneratedTests;
  return map(async (problem: CodeProblem, { signal }) => {
    const text = prompt(problem, count);
    const messages: ChatMessage[] = context.systemPrompt
      ? [{ role: "system", content: context.systemPrompt }]
      : [];
    messages.push({ role: "user", content: text });
    const input: PromptInput = context.api === "chat" ? { messages } : { prompt: text };
    const tag = { problem_id: problem.id, purpose, count };
    let reply = await context.ask(tag, input, signal, state.json);
    if ("formatRejected" in reply && jsonMode === "auto") {
      state.json = false; // the server has no JSON mode: ask in plain text from now on
      reply = await context.ask(tag, input, signal, false);
    }
    if ("formatRejected" in reply) {
      context.metrics.failed("http_error");
      reply = { failure: "http_error", detail: reply.detail, error: { kind: "format_rejected" } };
    }
    if ("failure" in reply) {
      return {
        problem,
        completion: "",
        dropped: {},
        failure: reply.failure,
        failure_detail: reply.detail,
        request_error: reply.error,
      } as R;
    }
    const validated = parse(reply.text, problem);
    const result = {
      problem: validated ? build(problem, validated) : problem,
      completion: reply.text,
      dropped: validated?.dropped ?? {},
    } as R;
    if (reply.cached) result.cached = true;
    for (const [reason, n] of Object.entries(result.dropped)) {
      for (let i = 0; i < (n ?? 0); i++) context.metrics.inputDropped(reason);
    }
    if (!validated || validated.kept.length === 0) {
      result.failure = "no_answer";
      result.failure_detail = validated
        ? `Every ${purpose === "inputs" ? "input" : "test"} was dropped`
        : "The answer holds no JSON list";
      context.metrics.failed("no_answer");
    }
    return result;
  }, { concurrency: context.concurrency, ordered: false, signal: options.signal });
}

/**
 * Asks the frontier model for test inputs only (about `count`, covering edge
 * cases), validates each against the problem's style (stdio: a string; function: a
 * Python literal argument list) and emits the problem with `test_inputs` set to the
 * valid ones. Dropped inputs are counted in `pfpo_test_inputs_dropped_total{reason}`.
 */
export function frontierTestInputs(
  options: FrontierCodeOptions,
): Stage<CodeProblem, FrontierInputs> {
  return codeStage<FrontierInputs>(options, "inputs", (problem, validated) => ({
    ...problem,
    test_inputs: (validated as Validated<string>).kept,
  }));
}

/**
 * Asks the frontier model for test cases with expected outputs, read from JSON or
 * from `assert f(...) == ...` lines, validates them, and emits the problem with
 * `tests` set to the valid ones.
 */
export function frontierTestCases(options: FrontierCodeOptions): Stage<CodeProblem, FrontierTests> {
  return codeStage<FrontierTests>(options, "tests", (problem, validated) => ({
    ...problem,
    tests: (validated as Validated<TestCase>).kept,
  }));
}

/**
 * The frontier model's own solutions: the policy sampler pointed at the frontier
 * endpoint (default 5 samples per problem), with the default code template.
 * Extract the programs with `extractProgram`, run them on
 * the generated inputs, and take each input's majority output as its label.
 */
export function frontierSolutions(options: PolicySamplerOptions): SamplingStage<CodeProblem> {
  return policySampler({ samples: 5, ...options }) as SamplingStage<CodeProblem>;
}
