import assert from "node:assert";
import { Metrics } from "../src/metrics/metrics.ts";
import type { Problem } from "../src/model/problem.ts";
import type { Sample } from "../src/model/sample.ts";
import { SampleCache } from "../src/sampling/cache.ts";
import { Endpoint } from "../src/sampling/client.ts";
import { RequestLimiter } from "../src/sampling/limiter.ts";
import { policySampler, type PolicySamplerOptions } from "../src/sampling/sampler.ts";
import { openRunDatabase } from "../src/store/database.ts";
import { pipe } from "../src/stream/stage.ts";
import {
  type Fault,
  faultSequence,
  type OpenAIServer,
  randomFaults,
  startOpenAIServer,
} from "./fixtures/openai_server.ts";
import { mathProblems } from "./fixtures/sampling_problems.ts";

const FAST_RETRY = { maxRetries: 8, baseDelayMs: 1, maxDelayMs: 5 };

async function withServer(
  options: Parameters<typeof startOpenAIServer>[0],
  fn: (server: OpenAIServer) => Promise<void>,
): Promise<void> {
  const server = startOpenAIServer(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function sampler(server: OpenAIServer, options: Partial<PolicySamplerOptions> = {}) {
  return policySampler({
    endpoint: { baseURL: server.baseURL, model: "test-model", apiKey: "test", timeoutMs: 5_000 },
    retry: FAST_RETRY,
    ...options,
  });
}

/** Asserts every problem has indices 0..count-1 exactly once. */
function assertComplete(samples: Sample[], problems: Problem[], count: number): void {
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = `${sample.problem_id}#${sample.index}`;
    assert.ok(!seen.has(key), `duplicate sample ${key}`);
    seen.add(key);
  }
  for (const problem of problems) {
    for (let i = 0; i < count; i++) {
      assert.ok(seen.has(`${problem.id}#${i}`), `missing sample ${problem.id}#${i}`);
    }
  }
  assert.equal(samples.length, problems.length * count);
}

Deno.test("policySampler() yields every sample once under every injected fault", async () => {
  const faults: Fault[] = [
    { kind: "status", status: 429 },
    { kind: "status", status: 429, retryAfter: "0" },
    { kind: "status", status: 500 },
    { kind: "status", status: 503 },
    { kind: "drop" },
    { kind: "malformed" },
    { kind: "empty_choices" },
    { kind: "length" },
  ];
  await withServer({ plan: randomFaults({ rate: 0.3, faults, seed: 7 }) }, async (server) => {
    const problems = mathProblems(30);
    const metrics = new Metrics();
    const samples = await Array.fromAsync(
      pipe(problems, sampler(server, { samples: 4, window: 2, maxInFlight: 6, metrics })),
    );
    assertComplete(samples, problems, 4);
    const failures = new Set(samples.map((s) => s.failure).filter(Boolean));
    // Retried faults (429, 5xx, drops) heal; the others are recorded on the sample.
    assert.deepEqual([...failures].sort(), ["empty", "length", "malformed"]);
    for (const sample of samples) {
      if (sample.failure === "length") assert.equal(sample.finish_reason, "length");
      if (!sample.failure) assert.match(sample.completion, /^Answer \d+\.\d to: /);
    }
    const text = await metrics.registry.metrics();
    assert.match(text, /pfpo_samples_failed_total\{reason="malformed"\} [1-9]/);
    assert.match(text, /pfpo_sampling_retries_total\{kind="rate_limited"\} [1-9]/);
    assert.match(text, /pfpo_tokens_total\{kind="completion"\} [1-9]/);
    assert.match(text, /pfpo_sampling_requests_in_flight 0/);
  });
});

Deno.test("policySampler() records an http_error after retries run out", async () => {
  const always503 = () => ({ fault: { kind: "status", status: 503 } as Fault });
  await withServer({ plan: always503 }, async (server) => {
    const samples = await Array.fromAsync(
      pipe(
        mathProblems(1),
        sampler(server, { samples: 2, retry: { ...FAST_RETRY, maxRetries: 2 } }),
      ),
    );
    assert.deepEqual(samples.map((s) => [s.index, s.failure]).sort(), [[0, "http_error"], [
      1,
      "http_error",
    ]]);
    assert.match(samples[0].failure_detail ?? "", /503/);
    assert.equal(server.stats.requests, 3); // one n=2 request, tried three times
  });
});

Deno.test("policySampler() does not retry a 400 and records it", async () => {
  const badRequest = () => ({
    fault: { kind: "status", status: 400, message: "bad model" } as Fault,
  });
  await withServer({ plan: badRequest }, async (server) => {
    const samples = await Array.fromAsync(pipe(mathProblems(1), sampler(server, { samples: 1 })));
    assert.equal(samples[0].failure, "http_error");
    assert.equal(server.stats.requests, 1);
  });
});

Deno.test("policySampler() records a timeout when the server does not answer", async () => {
  await withServer({ plan: faultSequence([{ kind: "hang" }]) }, async (server) => {
    const samples = await Array.fromAsync(
      pipe(
        mathProblems(1),
        policySampler({
          endpoint: { baseURL: server.baseURL, model: "m", timeoutMs: 100 },
          samples: 1,
          retry: { maxRetries: 0 },
        }),
      ),
    );
    assert.equal(samples[0].failure, "timeout");
  });
});

Deno.test("policySampler() falls back to single requests when n > 1 is rejected (llama.cpp)", async () => {
  await withServer({ rejectN: "llama.cpp" }, async (server) => {
    const problems = mathProblems(3);
    const samples = await Array.fromAsync(
      pipe(problems, sampler(server, { samples: 4, maxInFlight: 1, maxActiveProblems: 1 })),
    );
    assertComplete(samples, problems, 4);
    assert.ok(samples.every((s) => !s.failure));
    // One rejected n=4 request, then 12 singles: the fallback sticks for later problems.
    assert.equal(server.stats.faults, 1);
    assert.equal(server.stats.ok, 12);
  });
});

Deno.test("policySampler() fills in the choices a server drops for n > 1 (Ollama)", async () => {
  await withServer({ rejectN: "ollama" }, async (server) => {
    const problems = mathProblems(2);
    const samples = await Array.fromAsync(
      pipe(problems, sampler(server, { samples: 3, maxInFlight: 1 })),
    );
    assertComplete(samples, problems, 3);
    assert.ok(samples.every((s) => !s.failure));
    assert.equal(server.stats.choices, 6);
  });
});

Deno.test("policySampler() in multi mode records an n > 1 rejection as a failure", async () => {
  await withServer({ rejectN: "llama.cpp" }, async (server) => {
    const samples = await Array.fromAsync(
      pipe(mathProblems(1), sampler(server, { samples: 2, nMode: "multi" })),
    );
    assert.deepEqual(samples.map((s) => s.failure), ["http_error", "http_error"]);
  });
});

Deno.test("policySampler() in single mode never asks for n > 1 and varies the seed", async () => {
  const seen: unknown[] = [];
  await withServer({
    plan: (request) => {
      seen.push([request.n, request.body.seed]);
      return undefined;
    },
  }, async (server) => {
    await Array.fromAsync(
      pipe(mathProblems(1), sampler(server, { samples: 3, nMode: "single", params: { seed: 10 } })),
    );
  });
  assert.deepEqual(seen.sort(), [[1, 10], [1, 11], [1, 12]]);
});

Deno.test("policySampler() sends the sampling parameters and the template", async () => {
  let body: Record<string, unknown> = {};
  await withServer({
    plan: (request) => {
      body = request.body;
      return undefined;
    },
  }, async (server) => {
    await Array.fromAsync(
      pipe(
        mathProblems(1),
        sampler(server, {
          samples: 2,
          params: {
            temperature: 1,
            top_p: 0.9,
            max_tokens: 64,
            stop: ["\n\n"],
            extra: { top_k: 20 },
          },
          prompt: { systemPrompt: "Be brief." },
        }),
      ),
    );
  });
  assert.equal(body.model, "test-model");
  assert.equal(body.n, 2);
  assert.equal(body.temperature, 1);
  assert.equal(body.top_p, 0.9);
  assert.equal(body.max_tokens, 64);
  assert.deepEqual(body.stop, ["\n\n"]);
  assert.equal(body.top_k, 20);
  const messages = body.messages as { role: string; content: string }[];
  assert.deepEqual(messages.map((m) => m.role), ["system", "user"]);
  assert.match(messages[1].content, /\\boxed\{\}/);
});

Deno.test("policySampler() uses the completions API with a base-model prompt", async () => {
  await withServer({}, async (server) => {
    const problem: Problem = {
      id: "he/0",
      kind: "code",
      language: "python",
      style: "function",
      entry_point: "f",
      prompt: "def f(x):\n",
    };
    const samples = await Array.fromAsync(
      pipe(
        [problem],
        policySampler({
          endpoint: { baseURL: server.baseURL, model: "m", api: "completions" },
          samples: 1,
        }),
      ),
    );
    assert.equal(samples[0].completion, "Answer 0.0 to: def f(x):");
    assert.deepEqual([...server.stats.byPrompt.keys()], ["def f(x):\n"]);
  });
});

Deno.test("policySampler() asks decide before each window after the first and stops", async () => {
  await withServer({}, async (server) => {
    const calls: [string, number][] = [];
    const problems = mathProblems(2);
    const samples = await Array.fromAsync(
      pipe(
        problems,
        sampler(server, {
          samples: 6,
          window: 2,
          decide: async (id, so_far) => {
            calls.push([id, so_far.length]);
            await Promise.resolve();
            return id === "p0" || so_far.length >= 4 ? "stop" : "more";
          },
        }),
      ),
    );
    assert.deepEqual(calls.sort(), [["p0", 2], ["p1", 2], ["p1", 4]]);
    assert.equal(samples.filter((s) => s.problem_id === "p0").length, 2);
    assert.equal(samples.filter((s) => s.problem_id === "p1").length, 4);
    assert.equal(server.stats.requests, 3);
  });
});

Deno.test("policySampler().stop() aborts a problem's requests in flight", async () => {
  await withServer({
    plan: (request) => ({
      fault: request.prompt.includes("0 + 0") && request.seq > 0 ? { kind: "hang" } : undefined,
    }),
  }, async (server) => {
    const stage = sampler(server, { samples: 3, nMode: "single", maxInFlight: 1 });
    const samples: Sample[] = [];
    for await (const sample of pipe(mathProblems(2), stage)) {
      samples.push(sample);
      if (sample.problem_id === "p0") stage.stop("p0"); // p0's later requests hang until aborted
    }
    assert.equal(samples.filter((s) => s.problem_id === "p0").length, 1);
    assert.equal(samples.filter((s) => s.problem_id === "p1").length, 3);
  });
});

Deno.test("policySampler() keeps the in-flight bound and fills it", async () => {
  await withServer({ plan: () => ({ latencyMs: 30 }) }, async (server) => {
    const problems = mathProblems(24);
    const samples = await Array.fromAsync(
      pipe(problems, sampler(server, { samples: 2, maxInFlight: 5, nMode: "single" })),
    );
    assertComplete(samples, problems, 2);
    assert.equal(server.stats.maxInFlight, 5);
  });
});

Deno.test("policySampler() shares a limiter between samplers", async () => {
  await withServer({ plan: () => ({ latencyMs: 20 }) }, async (server) => {
    const limiter = new RequestLimiter({ maxInFlight: 3 });
    const endpoint = new Endpoint({ baseURL: server.baseURL, model: "m" });
    const run = (offset: number) =>
      Array.fromAsync(
        pipe(
          mathProblems(6).map((p) => ({
            ...p,
            id: `${p.id}-${offset}`,
            prompt: `${p.prompt} ${offset}`,
          })),
          policySampler({ endpoint, limiter, samples: 2, nMode: "single" }),
        ),
      );
    const [a, b] = await Promise.all([run(1), run(2)]);
    assert.equal(a.length + b.length, 24);
    assert.ok(server.stats.maxInFlight <= 3);
  });
});

Deno.test("policySampler() takes cached samples and requests only the missing ones", async () => {
  await withServer({}, async (server) => {
    const db = openRunDatabase(":memory:");
    try {
      const problems = mathProblems(3);
      const first = await Array.fromAsync(pipe(problems, sampler(server, { samples: 2, db })));
      assert.ok(first.every((s) => !s.cached));
      assert.equal(new SampleCache(db).size(), 6);
      const requestsBefore = server.stats.requests;
      const metrics = new Metrics();
      const second = await Array.fromAsync(
        pipe(problems, sampler(server, { samples: 4, db, metrics })),
      );
      assertComplete(second, problems, 4);
      assert.equal(second.filter((s) => s.cached).length, 6);
      const text = (s: Sample) => `${s.problem_id}#${s.index}:${s.completion}`;
      const again = new Set(second.filter((s) => s.cached).map(text));
      for (const sample of first) assert.ok(again.has(text(sample)));
      assert.equal(server.stats.requests - requestsBefore, 3); // one n=2 request per problem
      assert.match(await metrics.registry.metrics(), /pfpo_samples_cached_total 6/);
      // Other parameters are other samples.
      const other = await Array.fromAsync(
        pipe(problems, sampler(server, { samples: 2, db, params: { temperature: 0.5 } })),
      );
      assert.ok(other.every((s) => !s.cached));
    } finally {
      db.close();
    }
  });
});

Deno.test("policySampler() does not cache failed requests", async () => {
  await withServer({ plan: faultSequence([{ kind: "malformed" }]) }, async (server) => {
    const db = openRunDatabase(":memory:");
    try {
      const first = await Array.fromAsync(
        pipe(mathProblems(1), sampler(server, { samples: 1, db })),
      );
      assert.equal(first[0].failure, "malformed");
      const second = await Array.fromAsync(
        pipe(mathProblems(1), sampler(server, { samples: 1, db })),
      );
      assert.equal(second[0].failure, undefined);
      assert.equal(second[0].cached, undefined);
    } finally {
      db.close();
    }
  });
});

Deno.test("policySampler() stops reading problems and aborts requests when the consumer leaves", async () => {
  await withServer({ plan: () => ({ latencyMs: 20 }) }, async (server) => {
    let pulled = 0;
    async function* problems() {
      for (const problem of mathProblems(1000)) {
        pulled++;
        yield problem;
      }
    }
    const stage = sampler(server, { samples: 1, maxInFlight: 2 });
    let taken = 0;
    for await (const _ of stage(problems())) {
      if (++taken === 3) break;
    }
    assert.ok(pulled < 50, `pulled ${pulled} problems`);
  });
});

Deno.test("policySampler() ends with AbortedError when its signal aborts", async () => {
  await withServer({ plan: () => ({ fault: { kind: "hang" } }) }, async (server) => {
    const controller = new AbortController();
    const stage = sampler(server, { samples: 1, signal: controller.signal });
    const consuming = Array.fromAsync(pipe(mathProblems(2), stage));
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(consuming, { name: "AbortedError" });
  });
});
