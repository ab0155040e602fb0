import assert from "node:assert/strict";
import {
  ConfigError,
  createApp,
  FeedbackStore,
  ProblemDetailRecorder,
  type ProblemDetailSource,
  Run,
  runDatabaseProblems,
  SampleCache,
  startServer,
} from "../mod.ts";
import { draft, ndjson, serve, testRun } from "./support/server_run.ts";

Deno.test("GET /healthz answers ok", async () => {
  await using run = await testRun();
  const res = await createApp({ db: run.db, pairLog: run.log }).request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
});

Deno.test("GET /metrics exposes the run's registry with pair and consumer metrics", async () => {
  await using run = await testRun();
  run.metrics.stage("sample").received();
  run.write(3);
  const app = createApp({ db: run.db, pairLog: run.log, metrics: run.metrics });
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  assert.match(text, /pfpo_stage_items_in_total\{stage="sample"\} 1/);
  assert.match(text, /pfpo_pair_log_last_seq 3/);
  assert.match(text, /pfpo_pair_consumers 0/);
  run.write(2);
  assert.match(await (await app.request("/metrics")).text(), /pfpo_pair_log_last_seq 5/);
});

Deno.test("GET /v1/stats gives metrics as JSON with configuration and progress", async () => {
  await using run = await testRun();
  run.write(4);
  const app = createApp({
    db: run.db,
    pairLog: run.log,
    metrics: run.metrics,
    config: { recipe: "math-sc", samples: 10 },
    progress: () => ({ problems_done: 2, problems_total: 5 }),
  });
  const stats = await (await app.request("/v1/stats")).json();
  assert.deepEqual(stats.config, { recipe: "math-sc", samples: 10 });
  assert.equal(stats.progress.pairs_written, 4);
  assert.equal(stats.progress.finished, false);
  assert.equal(stats.progress.problems_done, 2);
  const head = stats.metrics.find((m: { name: string }) => m.name === "pfpo_pair_log_last_seq");
  assert.equal(head.values[0].value, 4);
  assert.deepEqual(stats.consumers, []);
});

Deno.test("GET /v1/pairs pages through the log with a cursor", async () => {
  await using run = await testRun();
  run.write(5);
  const app = createApp({ db: run.db, pairLog: run.log });
  const first = await app.request("/v1/pairs?after=0&limit=2");
  assert.equal(first.headers.get("content-type"), "application/x-ndjson");
  assert.deepEqual((await ndjson(first)).map((p) => p.seq), [1, 2]);
  assert.equal(first.headers.get("x-pfpo-next-after"), "2");
  const rest = await app.request("/v1/pairs?after=2");
  const pairs = await ndjson(rest);
  assert.deepEqual(pairs.map((p) => p.seq), [3, 4, 5]);
  assert.equal(pairs[0].problem_id, "t/3");
  assert.equal(rest.headers.get("x-pfpo-next-after"), "5");
  assert.equal(rest.headers.get("x-pfpo-finished"), "false");
  run.log.markFinished();
  const end = await app.request("/v1/pairs?after=5");
  assert.deepEqual(await ndjson(end), []);
  assert.equal(end.headers.get("x-pfpo-finished"), "true");
});

Deno.test("GET /v1/pairs splits the log into disjoint shards", async () => {
  await using run = await testRun();
  run.write(10);
  const app = createApp({ db: run.db, pairLog: run.log });
  const seqs = [];
  for (let shard = 0; shard < 3; shard++) {
    const page = await ndjson(await app.request(`/v1/pairs?shard=${shard}&shards=3`));
    assert.ok(page.every((p) => (p.seq as number) % 3 === shard));
    seqs.push(...page.map((p) => p.seq));
  }
  assert.deepEqual(seqs.sort((a, b) => (a as number) - (b as number)), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
  ]);
  // A shard page shorter than the limit moves the cursor to the head of the log.
  const short = await app.request("/v1/pairs?shard=0&shards=3&limit=100");
  assert.equal(short.headers.get("x-pfpo-next-after"), "10");
});

Deno.test("GET /v1/pairs and the stream filter by level and mix by replay ratio", async () => {
  await using run = await testRun();
  run.write(6);
  run.log.append([1, 2, 3].map((n) => ({ ...draft(n), chosen: `${n} +`, level: "step" as const })));
  run.log.markFinished();
  const app = createApp({ db: run.db, pairLog: run.log });
  const steps = await ndjson(await app.request("/v1/pairs?level=step"));
  assert.deepEqual(steps.map((p) => p.seq), [7, 8, 9]);
  assert.ok(steps.every((p) => p.level === "step"));
  const solutions = await ndjson(await app.request("/v1/pairs?level=solution"));
  assert.deepEqual(solutions.map((p) => p.level), Array(6).fill("solution"));
  const none = await ndjson(await app.request("/v1/pairs?replay_ratio=0"));
  assert.deepEqual(none.map((p) => p.seq), [7, 8, 9]);
  const stream = (await ndjson(await app.request("/v1/pairs/stream?level=step")))
    .filter((line) => line.seq !== undefined);
  assert.deepEqual(stream.map((p) => p.seq), [7, 8, 9]);
  const mixed = await ndjson(await app.request("/v1/pairs?replay_ratio=1"));
  assert.equal(mixed.length, 9);
});

Deno.test("GET /v1/pairs and /v1/pairs/stream keep only pairs at min_confidence or above", async () => {
  await using run = await testRun();
  run.log.append([0.95, 0.4, 0.7].map((confidence, i) => ({ ...draft(i + 1), confidence })));
  run.log.append([draft(4)]);
  run.log.markFinished();
  const app = createApp({ db: run.db, pairLog: run.log });
  const page = await ndjson(await app.request("/v1/pairs?min_confidence=0.7"));
  assert.deepEqual(page.map((p) => [p.seq, p.confidence]), [[1, 0.95], [3, 0.7]]);
  const stream = await ndjson(await app.request("/v1/pairs/stream?min_confidence=.9"));
  assert.deepEqual(stream.map((p) => p.seq ?? p.event), [1, "end"]);
  assert.equal((await ndjson(await app.request("/v1/pairs"))).length, 4);
});

Deno.test("GET /v1/quality reports pairs checked against gold, with the calibration plot", async () => {
  await using run = await testRun();
  const app = createApp({ db: run.db, pairLog: run.log });
  assert.deepEqual(await (await app.request("/v1/quality")).json(), { quality: null, svg: null });
  const store = new FeedbackStore(run.db);
  const [pair] = run.log.append([{ ...draft(1), confidence: 0.8 }]);
  store.savePairSamples([{
    pair_id: pair.id,
    problem_id: pair.problem_id,
    chosen_index: 0,
    rejected_index: 1,
  }]);
  store.saveScores([0, 1].map((index) => ({
    problem_id: pair.problem_id,
    index,
    completion: "",
    score: 1 - index,
    max_score: 1,
    feedback: "gold" as const,
  })));
  const body = await (await app.request("/v1/quality")).json();
  assert.equal(body.quality.checked, 1);
  assert.equal(body.quality.precision, 1);
  assert.match(body.svg, /^<svg /);
});

Deno.test("bad parameters get a 400 naming the parameter", async () => {
  await using run = await testRun();
  const app = createApp({ db: run.db, pairLog: run.log });
  const cases: [string, string][] = [
    ["/v1/pairs?after=-1", "after"],
    ["/v1/pairs?after=abc", "after"],
    ["/v1/pairs?limit=0", "limit"],
    ["/v1/pairs?limit=100001", "limit"],
    ["/v1/pairs?shard=1", "shards"],
    ["/v1/pairs?shard=2&shards=2", "shard"],
    ["/v1/pairs?shards=0", "shards"],
    ["/v1/pairs/stream?after=1.5", "after"],
    ["/v1/pairs/stream?shard=x&shards=2", "shard"],
    ["/v1/pairs?level=steps", "level"],
    ["/v1/pairs?replay_ratio=1.5", "replay_ratio"],
    ["/v1/pairs/stream?replay_ratio=half", "replay_ratio"],
    ["/v1/pairs/stream?level=step&replay_ratio=0.5", "replay_ratio"],
    ["/v1/problems?limit=zero", "limit"],
    ["/v1/pairs?min_confidence=1.5", "min_confidence"],
    ["/v1/pairs/stream?min_confidence=high", "min_confidence"],
  ];
  for (const [path, parameter] of cases) {
    const res = await app.request(path);
    assert.equal(res.status, 400, path);
    const body = await res.json();
    assert.equal(body.parameter, parameter, path);
    assert.match(body.error, new RegExp(`"${parameter}"`));
  }
});

Deno.test("unknown routes get a JSON 404 and internal errors leak no detail", async () => {
  await using run = await testRun();
  const failing: ProblemDetailSource = {
    parts() {
      throw new Error("SQLITE_CORRUPT: secret internals");
    },
  };
  const app = createApp({ db: run.db, pairLog: run.log, problems: failing });
  const missing = await app.request("/v1/nothing");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /Not found/);
  const originalError = console.error;
  console.error = () => {};
  try {
    const res = await app.request("/v1/problems/t%2F1");
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.doesNotMatch(text, /SQLITE|secret/);
    assert.deepEqual(JSON.parse(text), { error: "Internal server error" });
  } finally {
    console.error = originalError;
  }
});

Deno.test("GET /v1/problems/:id joins the source's parts with the problem's pairs", async () => {
  await using run = await testRun();
  run.write(3);
  const source: ProblemDetailSource = {
    parts: (id) =>
      id === "t/2"
        ? {
          problem: { id, kind: "math", prompt: "What is 2 + 2?" },
          samples: [{ problem_id: id, index: 0, completion: "2 + 2 = 4" }],
          votes: [{ problem_id: id, label: "4", votes: 1, total: 1, decided: true, kept: true }],
        }
        : {},
  };
  const app = createApp({ db: run.db, pairLog: run.log, problems: source });
  for (const path of ["/v1/problems/t%2F2", "/v1/problems/t/2"]) {
    const detail = await (await app.request(path)).json();
    assert.equal(detail.problem_id, "t/2");
    assert.equal(detail.problem.prompt, "What is 2 + 2?");
    assert.equal(detail.samples.length, 1);
    assert.equal(detail.votes[0].label, "4");
    assert.deepEqual(detail.executions, []);
    assert.deepEqual(detail.pairs.map((p: { seq: number }) => p.seq), [2]);
  }
  const pairsOnly = await (await app.request("/v1/problems/t%2F3")).json();
  assert.equal(pairsOnly.pairs.length, 1);
  assert.equal(pairsOnly.samples.length, 0);
  const unknown = await app.request("/v1/problems/nope");
  assert.equal(unknown.status, 404);
});

Deno.test("GET /v1/problems lists the problems of the newest pairs", async () => {
  await using run = await testRun();
  run.write(4);
  run.log.append([{ ...draft(2), chosen: "other" }]);
  const app = createApp({ db: run.db, pairLog: run.log });
  const { problems } = await (await app.request("/v1/problems?limit=3")).json();
  assert.deepEqual(problems, [
    { problem_id: "t/2", pairs: 2, last_seq: 5 },
    { problem_id: "t/4", pairs: 1, last_seq: 4 },
    { problem_id: "t/3", pairs: 1, last_seq: 3 },
  ]);
});

Deno.test("GET / serves the dashboard and its local assets", async () => {
  await using run = await testRun();
  const app = createApp({ db: run.db, pairLog: run.log });
  const page = await app.request("/");
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<script src="\/assets\/uplot\.js">/);
  assert.doesNotMatch(html, /https?:\/\//);
  const uplot = await app.request("/assets/uplot.js");
  assert.match(uplot.headers.get("content-type") ?? "", /javascript/);
  assert.match(await uplot.text(), /uPlot/);
  assert.equal((await app.request("/assets/missing.js")).status, 404);
});

Deno.test("with a token every route but /healthz requires the bearer token", async () => {
  await using run = await testRun();
  const app = createApp({ db: run.db, pairLog: run.log, token: "s3cret" });
  assert.equal((await app.request("/healthz")).status, 200);
  for (const path of ["/", "/metrics", "/v1/stats", "/v1/pairs", "/v1/problems/t%2F1"]) {
    const res = await app.request(path);
    assert.equal(res.status, 401, path);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="pfpo"');
    await res.body?.cancel();
    const wrong = await app.request(path, { headers: { Authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401, path);
    await wrong.body?.cancel();
  }
  const ok = await app.request("/v1/pairs", { headers: { Authorization: "Bearer s3cret" } });
  assert.equal(ok.status, 200);
});

Deno.test("with a token the dashboard logs in once through ?token= and a cookie", async () => {
  await using run = await testRun();
  const app = createApp({ db: run.db, pairLog: run.log, token: "s3cret" });
  const login = await app.request("/?token=s3cret");
  assert.equal(login.status, 303);
  assert.equal(login.headers.get("location"), "/");
  const cookie = login.headers.get("set-cookie") ?? "";
  assert.match(cookie, /pfpo_token=s3cret; .*HttpOnly/);
  const stats = await app.request("/v1/stats", { headers: { Cookie: cookie.split(";")[0] } });
  assert.equal(stats.status, 200);
  assert.equal((await app.request("/?token=wrong")).status, 401);
});

Deno.test("startServer() refuses a non-loopback address without a token", async () => {
  await using run = await testRun();
  await assert.rejects(
    startServer({ db: run.db, pairLog: run.log, host: "0.0.0.0", port: 0, token: "" }),
    (error) =>
      error instanceof ConfigError &&
      /without a token: set --token or PFPO_TOKEN/.test(error.message),
  );
});

Deno.test("startServer() binds a non-loopback address with a token and checks it", async () => {
  await using run = await testRun();
  await using server = await serve(run, { host: "0.0.0.0", token: "s3cret" });
  const base = `http://127.0.0.1:${server.port}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const denied = await fetch(`${base}/v1/stats`);
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const allowed = await fetch(`${base}/v1/stats`, { headers: { Authorization: "Bearer s3cret" } });
  assert.equal(allowed.status, 200);
  await allowed.body?.cancel();
});

Deno.test("GET /v1/problems/:id reads samples, votes and scores from the run database by default", async () => {
  await using run = await testRun();
  run.write(2);
  const cache = new SampleCache(run.db);
  cache.put("key", { problem_id: "t/1", index: 0, completion: "1 + 1 = 2", finish_reason: "stop" });
  cache.put("key", { problem_id: "t/1", index: 1, completion: "", failure: "length" });
  const feedback = new FeedbackStore(run.db);
  feedback.saveVotes("self_consistency", [
    { problem_id: "t/1", label: "2", votes: 1, total: 1, decided: true, kept: true },
  ]);
  feedback.saveScores([
    {
      problem_id: "t/1",
      index: 0,
      completion: "1 + 1 = 2",
      extracted: "2",
      score: 1,
      max_score: 1,
      feedback: "self_consistency",
    },
  ]);
  const app = createApp({ db: run.db, pairLog: run.log });
  const detail = await (await app.request("/v1/problems/t%2F1")).json();
  assert.deepEqual(detail.samples.map((s: { index: number }) => s.index), [0, 1]);
  assert.equal(detail.samples[1].failure, "length");
  assert.equal(detail.votes[0].label, "2");
  assert.equal(detail.scores[0].extracted, "2");
  assert.equal(detail.scores[0].completion, "1 + 1 = 2");
  assert.equal(detail.pairs.length, 1);
});

Deno.test("GET /v1/problems/:id shows executions a pipeline recorded", async () => {
  await using run = await testRun();
  const details = new ProblemDetailRecorder({ fallback: runDatabaseProblems(run.db) });
  details.record("code/1", {
    executions: [{
      sample_index: 3,
      input: "5\n",
      result: { status: "timeout", stdout: "", stderr: "", duration_ms: 5000 },
    }],
  });
  const app = createApp({ db: run.db, pairLog: run.log, problems: details });
  const detail = await (await app.request("/v1/problems/code%2F1")).json();
  assert.equal(detail.executions[0].result.status, "timeout");
  assert.deepEqual(detail.pairs, []);
});

Deno.test("GET /v1/problems lists the run's finished problems with their outcome and pairs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pfpo-server-" });
  const run = await Run.open(dir, { config: { recipe: "test" } });
  try {
    run.pairs.append([draft(1)]);
    run.finishProblem("math-sc:t/1", { status: "done", detail: { recipe: "math-sc", samples: 4 } });
    run.finishProblem("t/9", { status: "no_label", detail: { samples: 4 } });
    const app = createApp({ db: run.db, pairLog: run.pairs });
    const { problems } = await (await app.request("/v1/problems")).json();
    assert.deepEqual(problems, [
      { problem_id: "t/9", status: "no_label", detail: { samples: 4 }, pairs: 0, last_seq: 0 },
      {
        problem_id: "t/1",
        status: "done",
        detail: { recipe: "math-sc", samples: 4 },
        pairs: 1,
        last_seq: 1,
      },
    ]);
  } finally {
    run.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startServer() stops when its signal aborts", async () => {
  await using run = await testRun();
  const controller = new AbortController();
  const server = await serve(run, { signal: controller.signal });
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  controller.abort();
  await server.finished;
  await assert.rejects(fetch(`${server.url}/healthz`), TypeError);
});
