import assert from "node:assert/strict";
import { Metrics } from "../metrics/metrics.ts";
import { startOpenAIServer } from "../../tests/fixtures/openai_server.ts";
import { BalancedEndpoint } from "./balanced.ts";
import { requestWithRetry } from "./client.ts";
import { RequestLimiter } from "./limiter.ts";

const ask = { input: { prompt: "1+1=" }, n: 1, params: { max_tokens: 4 } };

Deno.test("BalancedEndpoint sends each request to the replica with the fewest in flight", async () => {
  const slow = startOpenAIServer({ plan: () => ({ latencyMs: 1000 }) });
  const fast = startOpenAIServer({ plan: () => ({ latencyMs: 0 }) });
  try {
    const endpoint = new BalancedEndpoint([
      { baseURL: slow.baseURL, model: "m", api: "completions" },
      { baseURL: fast.baseURL, model: "m", api: "completions" },
    ]);
    // Four at a time for a while: the slow replica holds its requests longer, so the
    // fast one is less loaded and gets more.
    const limiter = new RequestLimiter({ maxInFlight: 4 });
    await Promise.all(
      Array.from({ length: 24 }, () => requestWithRetry(endpoint, ask, { limiter })),
    );
    assert.equal(slow.stats.requests + fast.stats.requests, 24);
    assert.ok(slow.stats.requests > 0, "the slow replica is used too");
    assert.ok(
      fast.stats.requests > slow.stats.requests,
      `fast ${fast.stats.requests}, slow ${slow.stats.requests}`,
    );
    assert.ok(slow.stats.maxInFlight <= 2);
  } finally {
    await Promise.all([slow.close(), fast.close()]);
  }
});

Deno.test("BalancedEndpoint rests a failing replica and retries land on another", async () => {
  const down = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const downURL = `http://127.0.0.1:${down.addr.port}/v1`;
  down.close();
  const up = startOpenAIServer({});
  const metrics = new Metrics();
  try {
    const endpoint = new BalancedEndpoint([
      { baseURL: downURL, model: "m", api: "completions" },
      { baseURL: up.baseURL, model: "m", api: "completions" },
    ], { metrics });
    const limiter = new RequestLimiter({ maxInFlight: 1 });
    for (let i = 0; i < 6; i++) {
      const response = await requestWithRetry(endpoint, ask, {
        limiter,
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 },
      });
      assert.equal(response.choices.length, 1);
    }
    assert.equal(up.stats.requests, 6);
    const [first, second] = endpoint.replicas();
    assert.equal(first.healthy, false);
    assert.equal(first.failures, 1, "the resting replica is not tried again at once");
    assert.equal(second.healthy, true);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /pfpo_sampling_endpoint_healthy\{endpoint="http:\/\/127\.0\.0\.1:\d+\/v1"\} 0/,
    );
    assert.match(text, /pfpo_sampling_endpoint_failures_total\{endpoint="[^"]+"\} 1/);
  } finally {
    await up.close();
  }
});
