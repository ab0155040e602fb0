import assert from "node:assert/strict";
import { openRunDatabase } from "../store/database.ts";
import { fromIterable } from "../stream/stage.ts";
import { type ServerRequest, startOpenAIServer } from "../../tests/fixtures/openai_server.ts";
import type { MathProblem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import {
  continuationFailure,
  ContinuationUnsupportedError,
  prefixId,
  prefixProblem,
  prefixSampler,
} from "./completions.ts";
import { cutPrefixes } from "./prefixes.ts";
import { defaultTemplate } from "../sampling/templates.ts";

const problem: MathProblem = { id: "m/1", kind: "math", prompt: "What is 6 × 3?" };
const solution = [
  "We multiply.",
  "Six groups of three.",
  "3 + 3 = 6.",
  "6 + 3 = 9.",
  "9 + 9 = 18.",
  "Check: 18 / 3 = 6.",
  "So the product is 18.",
  "\\boxed{18}",
].join("\n");
const prefixes = cutPrefixes([{ index: 0, text: solution }], { problemId: problem.id });

async function collect(stage: ReturnType<typeof prefixSampler>) {
  const groups = new Map<string, Sample[]>();
  for await (
    const group of stage.grouped(fromIterable(prefixes.map((p) => prefixProblem(problem, p))))
  ) {
    groups.set(group.problem.id, group.samples);
  }
  return groups;
}

Deno.test("prefixSampler() sends prompt + prefix to the completions API, k choices per prefix, cached", async () => {
  const seen: ServerRequest[] = [];
  const server = startOpenAIServer({
    respond: (request, choice) => {
      seen.push(request);
      return `\n… so \\boxed{${choice === 0 ? 18 : 17}}`;
    },
  });
  const db = openRunDatabase(":memory:");
  try {
    assert.equal(prefixes.length, 1);
    const options = {
      endpoint: { baseURL: server.baseURL, model: "policy", api: "completions" as const },
      params: { temperature: 1, top_p: 0.9, max_tokens: 256 },
      db,
    };
    const groups = await collect(prefixSampler(options));
    const samples = groups.get(prefixId(prefixes[0]))!;
    assert.equal(samples.length, 3);
    assert.equal(server.stats.requests, 1, "one request with n = 3");
    const request = seen[0];
    assert.equal(request.api, "completions");
    assert.equal(request.body.prompt, defaultTemplate(problem) + prefixes[0].text);
    assert.equal(request.body.n, 3);
    assert.equal(request.body.top_p, 0.9);
    assert.equal(request.body.continue_final_message, undefined);
    await collect(prefixSampler(options));
    assert.equal(server.stats.requests, 1, "a re-run takes the completions from the cache");
  } finally {
    db.close();
    await server.close();
  }
});

Deno.test("prefixSampler() continues a final assistant message through chat with vLLM's fields", async () => {
  const seen: ServerRequest[] = [];
  const server = startOpenAIServer({ respond: (request) => (seen.push(request), " \\boxed{18}") });
  try {
    const groups = await collect(prefixSampler({
      endpoint: { baseURL: server.baseURL, model: "policy", api: "chat" },
      completions: 2,
    }));
    assert.equal([...groups.values()][0].length, 2);
    const messages = seen[0].body.messages as { role: string; content: string }[];
    assert.deepEqual(messages.map((m) => m.role), ["user", "assistant"]);
    assert.equal(messages[1].content, prefixes[0].text);
    assert.equal(seen[0].body.continue_final_message, true);
    assert.equal(seen[0].body.add_generation_prompt, false);
  } finally {
    await server.close();
  }
});

Deno.test("prefixSampler() fails clearly where a server cannot continue a message", async () => {
  assert.throws(
    () => prefixSampler({ endpoint: { baseURL: "https://api.openai.com/v1", model: "gpt-4o" } }),
    (error) =>
      error instanceof ContinuationUnsupportedError && /completions API/.test(error.message),
  );
  const server = startOpenAIServer({
    plan: () => ({
      fault: {
        kind: "status",
        status: 400,
        message: "Unrecognized request argument supplied: continue_final_message",
      },
    }),
  });
  try {
    const groups = await collect(prefixSampler({
      endpoint: { baseURL: server.baseURL, model: "policy", api: "chat" },
    }));
    const sample = [...groups.values()][0][0];
    const error = continuationFailure(sample, server.baseURL);
    assert.ok(error instanceof ContinuationUnsupportedError);
    assert.match(error.message, /--step-api completions/);
    const timedOut = { ...sample, failure: "timeout" as const, request_error: { kind: "timeout" } };
    assert.equal(continuationFailure(timedOut, server.baseURL), undefined);
  } finally {
    await server.close();
  }
});

Deno.test("prefixSampler() stops a prefix's completions once decide says its class is known", async () => {
  const server = startOpenAIServer({ respond: () => " \\boxed{18}" });
  try {
    const decided: number[] = [];
    const groups = await collect(prefixSampler({
      endpoint: { baseURL: server.baseURL, model: "policy", api: "completions" },
      completions: 3,
      first: 2,
      decide: (_id, soFar) => (decided.push(soFar.length), soFar.length >= 2 ? "stop" : "more"),
    }));
    assert.equal([...groups.values()][0].length, 2, "the third completion is not drawn");
    assert.deepEqual(decided, [2]);
    assert.equal(server.stats.choices, 2);
  } finally {
    await server.close();
  }
});
