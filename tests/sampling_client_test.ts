import assert from "node:assert";
import { Hono } from "hono";
import { AbortedError, ConfigError } from "../src/errors.ts";
import { Endpoint, SamplingRequestError } from "../src/sampling/client.ts";
import { buildPrompt, defaultTemplate } from "../src/sampling/templates.ts";
import { recordedSampler } from "../src/sampling/recorded.ts";
import { pipe } from "../src/stream/stage.ts";
import { faultSequence, startOpenAIServer } from "./fixtures/openai_server.ts";
import { mathProblems } from "./fixtures/sampling_problems.ts";

/** A server answering every chat request with `body`. */
async function withRawServer(body: unknown, fn: (baseURL: string) => Promise<void>) {
  const app = new Hono();
  app.post("/v1/chat/completions", () => Response.json(body));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/v1`);
  } finally {
    await server.shutdown();
  }
}

const ask = { input: { messages: [{ role: "user" as const, content: "hi" }] }, n: 2, params: {} };

Deno.test("Endpoint.request() orders choices by index and reads null content as empty", async () => {
  const body = {
    choices: [
      { index: 1, message: { content: "second" }, finish_reason: "stop" },
      { index: 0, message: { content: null }, finish_reason: "tool_calls" },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 5 },
  };
  await withRawServer(body, async (baseURL) => {
    const response = await new Endpoint({ baseURL, model: "m" }).request(ask);
    assert.deepEqual(response.choices, [
      { text: "", finish_reason: "tool_calls" },
      { text: "second", finish_reason: "stop" },
    ]);
    assert.deepEqual(response.usage, { prompt_tokens: 3, completion_tokens: 5 });
  });
});

Deno.test("Endpoint.request() calls a body without choices malformed", async () => {
  await withRawServer({ id: "x" }, async (baseURL) => {
    await assert.rejects(
      new Endpoint({ baseURL, model: "m" }).request(ask),
      (error: unknown) =>
        error instanceof SamplingRequestError && error.kind === "malformed" && !error.retryable,
    );
  });
});

Deno.test("Endpoint.request() classifies faults for the retry policy", async () => {
  const server = startOpenAIServer({
    plan: faultSequence([
      { kind: "status", status: 429, retryAfter: "2" },
      { kind: "status", status: 502 },
      { kind: "status", status: 404 },
      { kind: "drop" },
    ]),
  });
  try {
    const endpoint = new Endpoint({ baseURL: server.baseURL, model: "m" });
    const kinds: [string, boolean, number | undefined][] = [];
    for (let i = 0; i < 4; i++) {
      await endpoint.request(ask).catch((error: SamplingRequestError) => {
        kinds.push([error.kind, error.retryable, error.retryAfterMs]);
      });
    }
    assert.deepEqual(kinds, [
      ["rate_limited", true, 2000],
      ["server_error", true, undefined],
      ["rejected", false, undefined],
      ["connection", true, undefined],
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("Endpoint.request() rejects with AbortedError when its signal aborts", async () => {
  const server = startOpenAIServer({ plan: () => ({ fault: { kind: "hang" } }) });
  try {
    const controller = new AbortController();
    const pending = new Endpoint({ baseURL: server.baseURL, model: "m" }).request(ask, {
      signal: controller.signal,
    });
    controller.abort();
    await assert.rejects(pending, AbortedError);
  } finally {
    await server.close();
  }
});

Deno.test("Endpoint refuses an empty base URL or model", () => {
  assert.throws(() => new Endpoint({ baseURL: "", model: "m" }), ConfigError);
  assert.throws(() => new Endpoint({ baseURL: "http://x/v1", model: "" }), ConfigError);
});

Deno.test("buildPrompt() asks for one fenced program in the problem's style", () => {
  const stdio = defaultTemplate({
    id: "s",
    kind: "code",
    language: "python",
    style: "stdio",
    prompt: "Sum.",
  });
  assert.match(stdio, /reads the input from standard input/);
  assert.match(stdio, /```python/);
  const fn = buildPrompt(
    {
      id: "f",
      kind: "code",
      language: "typescript",
      style: "function",
      entry_point: "add",
      prompt: "Add.",
    },
    { template: (p) => `custom ${p.id}` },
  );
  assert.deepEqual(fn, { messages: [{ role: "user", content: "custom f" }] });
  const plain = buildPrompt({ id: "m", kind: "math", prompt: "1+1?" }, { api: "completions" });
  assert.ok("prompt" in plain && plain.prompt.endsWith("within \\boxed{}."));
});

Deno.test("windowed stages end with the error of a failing source or decision", async () => {
  async function* failing() {
    yield* mathProblems(1);
    throw new Error("source broke");
  }
  const records = mathProblems(2).map((p) => ({ problem_id: p.id, completions: ["a", "b"] }));
  await assert.rejects(Array.fromAsync(recordedSampler(records)(failing())), /source broke/);
  const stage = recordedSampler(records, {
    window: 1,
    decide: () => {
      throw new Error("decision broke");
    },
  });
  await assert.rejects(Array.fromAsync(pipe(mathProblems(2), stage)), /decision broke/);
});
