/**
 * A local OpenAI-compatible server that answers like a policy model and a frontier
 * model on the example problems, from their recorded completions: the live path of
 * the pipeline, end to end, without a real model.
 *
 * @module
 */
import { readJsonl } from "../../src/io/jsonl.ts";
import { parseProblem, type Problem } from "../../src/model/problem.ts";
import { parseRecordedSamples } from "../../src/model/sample.ts";
import {
  type OpenAIServer,
  type OpenAIServerOptions,
  startOpenAIServer,
} from "../fixtures/openai_server.ts";

const EXAMPLES = new URL("../../pipelines/examples/", import.meta.url).pathname;

/** The model name that answers as the policy model. */
export const POLICY_MODEL = "policy";
/** The model name that answers as the frontier model. */
export const FRONTIER_MODEL = "frontier";

async function completions(file: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const r of readJsonl(`${EXAMPLES}${file}`, { parse: parseRecordedSamples })) {
    out.set(r.problem_id, r.completions);
  }
  return out;
}

/**
 * Starts the server. Policy requests (any model but {@link FRONTIER_MODEL}) get the
 * recorded sample whose index is the request's `seed` plus the choice (the sampler
 * sends `seed + first index`), or, when the prompt ends with a recorded prefix, that
 * prefix's recorded completion; frontier requests get the recorded frontier answer,
 * the problem's test inputs as JSON, or (for solutions) the policy's first samples.
 */
export async function startExampleServer(
  options: Pick<OpenAIServerOptions, "plan" | "apiKey"> = {},
): Promise<OpenAIServer> {
  const problems: Problem[] = await Array.fromAsync(
    readJsonl(`${EXAMPLES}problems.jsonl`, { parse: parseProblem }),
  );
  const samples = await completions("samples.jsonl");
  const frontier = await completions("frontier.jsonl");
  const prefixes = new Map<string, string[]>();
  for await (
    const line of readJsonl<{ prefix: string; completions: string[] }>(
      `${EXAMPLES}prefix_completions.jsonl`,
    )
  ) {
    prefixes.set(line.prefix, line.completions);
  }
  const continued = (prompt: string) =>
    [...prefixes.keys()].filter((prefix) => prompt.endsWith(prefix))
      .sort((a, b) => b.length - a.length)[0];
  const find = (prompt: string) =>
    problems.find((p) => prompt.includes(p.prompt.trim())) ??
      (() => {
        throw new Error(`No example problem in prompt: ${prompt.slice(0, 80)}`);
      })();
  return startOpenAIServer({
    models: [POLICY_MODEL, FRONTIER_MODEL],
    ...options,
    respond: (request, choice) => {
      const problem = find(request.prompt);
      const index = Number(request.body.seed ?? 0) + choice;
      if (request.body.model !== FRONTIER_MODEL) {
        const prefix = continued(request.prompt);
        const list = prefix !== undefined ? prefixes.get(prefix)! : samples.get(problem.id) ?? [];
        return list[index % list.length];
      }
      if (request.prompt.includes("Do not solve this problem")) {
        return JSON.stringify({ inputs: problem.kind === "code" ? problem.test_inputs : [] });
      }
      if (problem.kind === "code" && !request.prompt.includes("test cases")) {
        return (samples.get(problem.id) ?? [])[index % 2]; // frontier solutions: the first two
      }
      return (frontier.get(problem.id) ?? [""])[0];
    },
  });
}
