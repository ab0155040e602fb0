/**
 * Prompt templates per problem kind. Math asks for the final answer in `\boxed{}`;
 * code asks for one fenced program, reading stdin and writing stdout or defining the
 * entry point, per the problem's style. A chat endpoint gets messages (with an
 * optional system prompt); a completions endpoint gets a text prompt, which for a
 * function-style code problem is the problem's own prompt (a base model continues
 * the signature and docstring).
 *
 * @module
 */
import type { CodeProblem, Problem } from "../model/problem.ts";
import type { ApiMode, ChatMessage, PromptInput } from "./client.ts";

/** Turns a problem into the text of the user's message (chat) or the prompt (completions). */
export type PromptTemplate = (problem: Problem) => string;

/** Options for {@link buildPrompt}. */
export interface BuildPromptOptions {
  /** The endpoint's API. Default `"chat"`. */
  api?: ApiMode;
  /** A system message for chat endpoints. Default: none. */
  systemPrompt?: string;
  /** Replaces {@link defaultTemplate}. */
  template?: PromptTemplate;
  /**
   * Text the model's answer already begins with, to be continued (a prefix of a
   * solution): appended to a completions prompt, or sent as a final assistant
   * message for a chat endpoint to continue.
   */
  continueWith?: (problem: Problem) => string | undefined;
}

const LANGUAGE_NAMES = { python: "Python 3", javascript: "JavaScript", typescript: "TypeScript" };
const FENCE_TAGS = { python: "python", javascript: "javascript", typescript: "typescript" };

/**
 * The default template. Math: the problem, then "Please reason step by step, and put
 * your final answer within \boxed{}." Code: the problem and an instruction to answer
 * with one fenced program in the problem's language, stdio or function style.
 * Completions endpoints get the same text, except function-style code, which is the
 * bare prompt for the model to continue.
 *
 * @example A math prompt
 * ```ts
 * import { defaultTemplate } from "./templates.ts";
 * import assert from "node:assert";
 * const text = defaultTemplate({ id: "m", kind: "math", prompt: "What is 2+2?" });
 * assert.match(text, /\\boxed\{\}/);
 * ```
 */
export function defaultTemplate(problem: Problem): string {
  if (problem.kind === "math") {
    return `${problem.prompt.trim()}\n\nPlease reason step by step, and put your final answer within \\boxed{}.`;
  }
  return `${problem.prompt.trim()}\n\n${codeInstruction(problem)}`;
}

/** The instruction that ends a code prompt: one fenced program of the right style. */
export function codeInstruction(problem: CodeProblem): string {
  const language = LANGUAGE_NAMES[problem.language];
  const fence = "```" + FENCE_TAGS[problem.language];
  if (problem.style === "stdio") {
    return `Write a complete ${language} program that reads the input from standard input and ` +
      `writes the answer to standard output. Answer with exactly one code block (${fence}) ` +
      `containing the whole program.`;
  }
  return `Write the ${language} function \`${problem.entry_point}\` described above. Answer with ` +
    `exactly one code block (${fence}) containing the complete function definition and any ` +
    `imports it needs, without example usage or tests.`;
}

/**
 * Builds the request prompt for a problem: chat messages for a chat endpoint, a text
 * prompt for a completions endpoint.
 *
 * @example Chat messages with a system prompt
 * ```ts
 * import { buildPrompt } from "./templates.ts";
 * import assert from "node:assert";
 * const input = buildPrompt({ id: "m", kind: "math", prompt: "1+1?" }, { systemPrompt: "Be brief." });
 * assert.ok("messages" in input);
 * assert.deepEqual(input.messages.map((m) => m.role), ["system", "user"]);
 * ```
 */
export function buildPrompt(problem: Problem, options: BuildPromptOptions = {}): PromptInput {
  const api = options.api ?? "chat";
  const answerStart = options.continueWith?.(problem);
  if (api === "completions") {
    const prompt = !options.template && problem.kind === "code" && problem.style === "function"
      ? problem.prompt
      : (options.template ?? defaultTemplate)(problem);
    return { prompt: prompt + (answerStart ?? "") };
  }
  const messages: ChatMessage[] = [];
  if (options.systemPrompt) messages.push({ role: "system", content: options.systemPrompt });
  messages.push({ role: "user", content: (options.template ?? defaultTemplate)(problem) });
  if (answerStart !== undefined) messages.push({ role: "assistant", content: answerStart });
  return { messages };
}
