import assert from "node:assert/strict";
import { AbortedError, type Pair, type ReconnectInfo, streamPairs } from "../mod.ts";
import { PairClientError } from "../src/client/pair_client.ts";
import { draft, serve, testRun } from "./support/server_run.ts";

const FAST = { backoffMs: 5, maxBackoffMs: 20 };

Deno.test("streamPairs() follows a writing run to its end", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(5);
  const seqs: number[] = [];
  for await (const pair of streamPairs(server.url, { after: 2 })) {
    seqs.push(pair.seq);
    if (pair.seq === 5) run.write(3);
    if (pair.seq === 8) run.log.markFinished();
  }
  assert.deepEqual(seqs, [3, 4, 5, 6, 7, 8]);
});

Deno.test("streamPairs() asks the server for pairs at minConfidence or above", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.log.append([0.9, 0.2, 0.6].map((confidence, i) => ({ ...draft(i + 1), confidence })));
  run.log.markFinished();
  const pairs = await Array.fromAsync(streamPairs(server.url, { minConfidence: 0.5 }));
  assert.deepEqual(pairs.map((p) => [p.seq, p.confidence]), [[1, 0.9], [3, 0.6]]);
});

Deno.test("streamPairs() resumes on a restarted server and yields every pair exactly once", async () => {
  await using run = await testRun();
  const first = await serve(run);
  run.write(30);
  const reconnects: ReconnectInfo[] = [];
  let second: Awaited<ReturnType<typeof serve>> | undefined;
  const seqs: number[] = [];
  try {
    for await (
      const pair of streamPairs(first.url, { ...FAST, onReconnect: (i) => reconnects.push(i) })
    ) {
      seqs.push(pair.seq);
      if (pair.seq === 10) {
        await first.shutdown();
        run.write(20);
        second = await serve(run, { port: first.port });
      }
      if (pair.seq === 45) run.log.markFinished();
    }
  } finally {
    await second?.shutdown();
  }
  assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 1));
  assert.ok(reconnects.length >= 1);
  // The first server sent what it had before it stopped; the second sent the rest.
  assert.ok(reconnects[0].after >= 10 && reconnects[0].after <= 30);
});

Deno.test("streamPairs() shards split the run between ranks", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(25);
  run.log.markFinished();
  const ranks = await Promise.all(
    [0, 1, 2, 3].map((shard) =>
      Array.fromAsync(streamPairs(server.url, { shard, shards: 4 }), (p) => p.seq)
    ),
  );
  ranks.forEach((seqs, shard) => assert.ok(seqs.every((seq) => seq % 4 === shard)));
  assert.deepEqual(ranks.flat().sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 1));
});

/** A fetch that answers each call with the next scripted body (or status). */
function scripted(responses: (string | Response)[]) {
  const urls: string[] = [];
  const fetch = (input: string | URL | Request) => {
    urls.push(String(input));
    const next = responses.shift();
    if (next === undefined) throw new TypeError("connection refused");
    return Promise.resolve(typeof next === "string" ? new Response(next) : next);
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

function line(seq: number, n = seq): string {
  const pair: Pair = { seq, id: `id-${n}`, ...draft(n), level: "solution" };
  return `${JSON.stringify(pair)}\n`;
}

Deno.test("streamPairs() resumes after a cut-off body and drops pairs it already yielded", async () => {
  const end = '{"event":"end","last_seq":4}\n';
  const { fetch, urls } = scripted([
    line(1) + line(2) + '{"seq":3,"id":"id-3","proble', // cut mid-line
    line(2) + line(3) + '{"event":"heartbeat"}\n' + line(4, 1) + end, // seq 4 repeats pair 1's id
  ]);
  const pairs = await Array.fromAsync(streamPairs("http://run.test", { ...FAST, fetch }));
  assert.deepEqual(pairs.map((p) => p.seq), [1, 2, 3]);
  assert.match(urls[0], /\/v1\/pairs\/stream\?after=0$/);
  assert.match(urls[1], /\/v1\/pairs\/stream\?after=2$/);
});

Deno.test("streamPairs() retries 503 and throws at once on 401", async () => {
  const busy = new Response('{"error":"busy"}', { status: 503, headers: { "Retry-After": "0" } });
  const { fetch } = scripted([busy, line(1) + '{"event":"end","last_seq":1}\n']);
  assert.equal(
    (await Array.fromAsync(streamPairs("http://run.test", { ...FAST, fetch }))).length,
    1,
  );
  const denied = scripted([
    Response.json({ error: "A valid bearer token is required" }, { status: 401 }),
  ]);
  await assert.rejects(
    Array.fromAsync(streamPairs("http://run.test", { ...FAST, fetch: denied.fetch })),
    (error) =>
      error instanceof PairClientError && error.status === 401 &&
      /HTTP 401: A valid bearer token is required/.test(error.message),
  );
});

Deno.test("streamPairs() sends the token and gives up after maxRetries", async () => {
  await using run = await testRun();
  await using server = await serve(run, { token: "s3cret" });
  run.write(2);
  run.log.markFinished();
  const pairs = await Array.fromAsync(streamPairs(server.url, { token: "s3cret" }));
  assert.equal(pairs.length, 2);
  const { fetch } = scripted([]);
  await assert.rejects(
    Array.fromAsync(streamPairs("http://run.test", { ...FAST, fetch, maxRetries: 2 })),
    /gave up after 2 retries/,
  );
});

Deno.test("streamPairs() stops with an AbortedError when its signal aborts", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(3);
  const controller = new AbortController();
  const seqs: number[] = [];
  await assert.rejects(async () => {
    for await (const pair of streamPairs(server.url, { signal: controller.signal })) {
      seqs.push(pair.seq);
      if (pair.seq === 3) setTimeout(() => controller.abort(), 20);
    }
  }, AbortedError);
  assert.deepEqual(seqs, [1, 2, 3]);
});
