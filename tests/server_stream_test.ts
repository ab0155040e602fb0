import assert from "node:assert/strict";
import { pairStream } from "../src/server/pair_stream.ts";
import { LineReader, serve, testRun, until } from "./support/server_run.ts";

Deno.test("GET /v1/pairs/stream sends the backlog, follows a writing run and ends when it finishes", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(3);
  const res = await fetch(`${server.url}/v1/pairs/stream?after=1`);
  assert.equal(res.headers.get("content-type"), "application/x-ndjson");
  const lines = new LineReader(res);
  assert.equal((await lines.message())?.seq, 2);
  assert.equal((await lines.message())?.seq, 3);
  run.write(2);
  const live = await lines.message();
  assert.equal(live?.seq, 4);
  assert.equal(live?.problem_id, "t/4");
  assert.equal((await lines.message())?.seq, 5);
  run.log.markFinished();
  assert.deepEqual(await lines.message(), { event: "end", last_seq: 5 });
  assert.equal(await lines.next(), undefined);
});

Deno.test("GET /v1/pairs/stream sends heartbeats while the run is idle", async () => {
  await using run = await testRun();
  await using server = await serve(run, { heartbeatMs: 30 });
  const lines = new LineReader(await fetch(`${server.url}/v1/pairs/stream`));
  assert.deepEqual(await lines.message({ heartbeats: true }), { event: "heartbeat" });
  run.write(1);
  assert.equal((await lines.message())?.seq, 1);
  await lines.cancel();
});

Deno.test("a client dropped mid-stream and resumed gets every pair exactly once", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(50);
  const received: number[] = [];
  const first = new LineReader(await fetch(`${server.url}/v1/pairs/stream?after=0`));
  for (let i = 0; i < 20; i++) received.push((await first.message())?.seq as number);
  await first.cancel();
  run.write(30);
  const resumeAt = received[received.length - 1];
  const second = new LineReader(await fetch(`${server.url}/v1/pairs/stream?after=${resumeAt}`));
  for (let i = 0; i < 40; i++) received.push((await second.message())?.seq as number);
  run.write(20);
  run.log.markFinished();
  while (true) {
    const message = await second.message();
    if (message?.event === "end") break;
    received.push(message?.seq as number);
  }
  assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i + 1));
});

Deno.test("shards of a live stream partition the log across concurrent clients", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(17);
  const shards = 3;
  const readers = Array.from({ length: shards }, async (_, shard) => {
    const url = `${server.url}/v1/pairs/stream?shard=${shard}&shards=${shards}`;
    const lines = new LineReader(await fetch(url));
    const seqs: number[] = [];
    for (let m = await lines.message(); m?.event !== "end"; m = await lines.message()) {
      seqs.push(m?.seq as number);
    }
    return seqs;
  });
  run.write(23);
  run.log.markFinished();
  const results = await Promise.all(readers);
  results.forEach((seqs, shard) => assert.ok(seqs.every((seq) => seq % shards === shard)));
  assert.deepEqual(
    results.flat().sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
});

Deno.test("several unsharded clients each get the whole log", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(10);
  run.log.markFinished();
  const bodies = await Promise.all(
    [0, 1, 2].map(async () => await (await fetch(`${server.url}/v1/pairs/stream`)).text()),
  );
  for (const body of bodies) {
    const seqs = body.trim().split("\n").map((line) => JSON.parse(line).seq);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, undefined]);
  }
});

Deno.test("GET /v1/pairs/stream speaks Server-Sent Events and resumes from Last-Event-ID", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(4);
  run.log.markFinished();
  const headers = { Accept: "text/event-stream" };
  const res = await fetch(`${server.url}/v1/pairs/stream`, { headers });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const events = (await res.text()).split("\n\n").filter((block) => block !== "");
  assert.equal(events[0], "retry: 1000");
  const [id, event, data] = events[1].split("\n");
  assert.equal(id, "id: 1");
  assert.equal(event, "event: pair");
  assert.equal(JSON.parse(data.slice("data: ".length)).problem_id, "t/1");
  assert.equal(events.at(-1), 'event: end\ndata: {"last_seq":4}');
  const resumed = await fetch(`${server.url}/v1/pairs/stream?after=0`, {
    headers: { ...headers, "Last-Event-ID": "2" },
  });
  const ids = (await resumed.text()).match(/^id: \d+$/gm);
  assert.deepEqual(ids, ["id: 3", "id: 4"]);
});

Deno.test("pairStream() reads the log only as fast as a slow reader takes it", async () => {
  await using run = await testRun();
  run.write(2000);
  let sent = 0;
  const stream = pairStream(run.log, {
    pageSize: 10,
    highWaterMark: 2,
    consumer: { delivered: (seq) => sent = seq, close() {} },
  });
  const reader = stream.getReader();
  await reader.read();
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  // One page taken by the reader, two waiting in the stream's queue.
  assert.equal(sent, 30);
  await reader.read();
  await until(() => sent === 40);
  await reader.cancel();
});

Deno.test("a stalled client holds back the server instead of filling a buffer", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  const big = "x".repeat(4096);
  for (let i = 0; i < 10; i++) {
    run.log.append(Array.from({ length: 500 }, (_, j) => ({
      problem_id: `big/${i * 500 + j}`,
      prompt: big,
      chosen: `${big}${i}/${j}`,
      rejected: big,
      chosen_score: 1,
      rejected_score: 0,
      feedback: "gold" as const,
      run: "test",
    })));
  }
  const stalled = new LineReader(await fetch(`${server.url}/v1/pairs/stream`));
  assert.equal((await stalled.message())?.seq, 1);
  // Let the server push what the socket takes, then check it stopped short of the end.
  let previous = -1;
  let lastSeq = 0;
  while (lastSeq !== previous) {
    previous = lastSeq;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = await (await fetch(`${server.url}/v1/stats`)).json();
    lastSeq = stats.consumers[0].last_seq;
  }
  assert.ok(lastSeq < 5000, `the server ran ahead to ${lastSeq}`);
  const stats = await (await fetch(`${server.url}/v1/stats`)).json();
  assert.equal(stats.consumers[0].lag, 5000 - lastSeq);
  await stalled.cancel();
});

Deno.test("a client disconnect stops the stream's producer and its consumer entry", async () => {
  await using run = await testRun();
  await using server = await serve(run);
  run.write(5);
  const lines = new LineReader(await fetch(`${server.url}/v1/pairs/stream`));
  await lines.message();
  const consumers = async () => (await (await fetch(`${server.url}/v1/stats`)).json()).consumers;
  assert.equal((await consumers()).length, 1);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /pfpo_pair_consumers 1/);
  assert.match(metrics, /pfpo_pair_consumer_lag\{consumer="\d+"\} \d/);
  await lines.cancel();
  await until(async () => (await consumers()).length === 0);
  assert.match(await (await fetch(`${server.url}/metrics`)).text(), /pfpo_pair_consumers 0/);
});

Deno.test("shutdown ends open streams without the end marker so clients resume", async () => {
  await using run = await testRun();
  const server = await serve(run);
  run.write(2);
  const lines = new LineReader(await fetch(`${server.url}/v1/pairs/stream`));
  assert.equal((await lines.message())?.seq, 1);
  assert.equal((await lines.message())?.seq, 2);
  await server.shutdown();
  const rest: unknown[] = [];
  try {
    for (let m = await lines.message(); m !== undefined; m = await lines.message()) rest.push(m);
  } catch {
    // The connection may also be cut rather than closed.
  }
  assert.deepEqual(rest, []);
  await server.finished;
});
