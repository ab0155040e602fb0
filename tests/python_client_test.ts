import assert from "node:assert/strict";
import { draft, serve, testRun } from "./support/server_run.ts";

const CLIENT = new URL("../clients/python/pfpo_client.py", import.meta.url).pathname;
const python = await (async () => {
  try {
    const { success } = await new Deno.Command("python3", { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
})();
const ignore = !python;
if (ignore) console.warn("python_client_test: skipped, python3 is not on PATH");

/** Runs the Python client as a script and reads its NDJSON output line by line. */
function client(url: string, ...args: string[]) {
  const child = new Deno.Command("python3", {
    args: [CLIENT, url, "--backoff", "0.05", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONUNBUFFERED: "1" },
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  let rest = "";
  return {
    async next(): Promise<{ seq: number; id: string } | undefined> {
      while (!rest.includes("\n")) {
        const { done, value } = await lines.read();
        if (done) return undefined;
        rest += value;
      }
      const line = rest.slice(0, rest.indexOf("\n"));
      rest = rest.slice(line.length + 1);
      return JSON.parse(line);
    },
    async all(): Promise<number[]> {
      const seqs = [];
      for (let pair = await this.next(); pair; pair = await this.next()) seqs.push(pair.seq);
      return seqs;
    },
    status: child.status,
    stderr,
  };
}

Deno.test({
  name: "pfpo_client.py resumes a dropped connection and yields every pair exactly once",
  ignore,
  async fn() {
    await using run = await testRun();
    const first = await serve(run);
    run.write(40);
    const py = client(first.url);
    const seqs: number[] = [];
    let second: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      for (let pair = await py.next(); pair; pair = await py.next()) {
        seqs.push(pair.seq);
        if (pair.seq === 10) {
          await first.shutdown();
          run.write(30);
          second = await serve(run, { port: first.port });
        }
        if (pair.seq === 60) run.log.markFinished();
      }
    } finally {
      await second?.shutdown();
    }
    assert.equal((await py.status).code, 0);
    assert.deepEqual(seqs, Array.from({ length: 70 }, (_, i) => i + 1));
    assert.match(await py.stderr, /reconnecting after seq \d+ \(attempt 1\)/);
  },
});

Deno.test({
  name: "pfpo_client.py resumes a restarted trainer from the seq it saved",
  ignore,
  async fn() {
    await using run = await testRun();
    await using server = await serve(run);
    run.write(25);
    const head = client(server.url, "--limit", "15");
    const firstPart = await head.all();
    assert.equal((await head.status).code, 0);
    run.log.markFinished();
    const tail = client(server.url, "--after", String(firstPart.at(-1)));
    const secondPart = await tail.all();
    assert.equal((await tail.status).code, 0);
    assert.deepEqual([...firstPart, ...secondPart], Array.from({ length: 25 }, (_, i) => i + 1));
  },
});

Deno.test({
  name: "pfpo_client.py shards partition a live log between ranks",
  ignore,
  async fn() {
    await using run = await testRun();
    await using server = await serve(run);
    run.write(10);
    const ranks = [0, 1, 2].map((shard) =>
      client(server.url, "--shard", `${shard}`, "--shards", "3")
    );
    const results = Promise.all(ranks.map((rank) => rank.all()));
    run.write(20);
    run.log.markFinished();
    const seqs = await results;
    seqs.forEach((list, shard) => assert.ok(list.every((seq) => seq % 3 === shard)));
    assert.deepEqual(
      seqs.flat().sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  },
});

Deno.test({
  name: "pfpo_client.py sends the token and stops on a refused one",
  ignore,
  async fn() {
    await using run = await testRun();
    await using server = await serve(run, { token: "s3cret" });
    run.write(3);
    run.log.markFinished();
    const allowed = client(server.url, "--token", "s3cret");
    assert.deepEqual(await allowed.all(), [1, 2, 3]);
    const refused = client(server.url, "--token", "wrong");
    assert.deepEqual(await refused.all(), []);
    assert.equal((await refused.status).code, 1);
    assert.match(await refused.stderr, /HTTP 401: A valid bearer token is required/);
  },
});

Deno.test({
  name: "pfpo_client.py retries a 503, resumes a cut-off body and drops repeated pairs",
  ignore,
  async fn() {
    const pair = (seq: number, id = seq) =>
      `${JSON.stringify({ seq, id: `id-${id}`, ...draft(seq) })}\n`;
    const bodies = [
      new Response('{"error":"busy"}', { status: 503, headers: { "Retry-After": "0" } }),
      new Response(pair(1) + pair(2) + '{"seq": 3, "id": "id-3", "pro'),
      new Response(
        pair(2) + pair(3) + '{"event":"heartbeat"}\n' + pair(4, 1) + pair(5) +
          '{"event":"end","last_seq":5}\n',
      ),
    ];
    const afters: (string | null)[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      afters.push(new URL(req.url).searchParams.get("after"));
      return bodies.shift() ?? new Response("gone", { status: 410 });
    });
    try {
      const py = client(`http://127.0.0.1:${server.addr.port}`);
      assert.deepEqual(await py.all(), [1, 2, 3, 5]);
      assert.equal((await py.status).code, 0);
      assert.deepEqual(afters, ["0", "0", "2"]);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "pfpo_client.py streams one level and drop_step_eos() strips only step pairs' end token",
  ignore,
  async fn() {
    await using run = await testRun();
    await using server = await serve(run);
    run.write(3);
    run.log.append([{ ...draft(9), chosen: "9 +", level: "step" }]);
    run.log.markFinished();
    assert.deepEqual(await client(server.url, "--level", "step").all(), [4]);
    assert.deepEqual(await client(server.url, "--level", "solution").all(), [1, 2, 3]);
    assert.deepEqual(await client(server.url, "--replay-ratio", "0").all(), [4]);
    const script = `
import sys; sys.path.insert(0, ${JSON.stringify(CLIENT.replace(/\/[^/]+$/, ""))})
from pfpo_client import drop_step_eos
eos = 2
step = drop_step_eos({"chosen_input_ids": [5, 6, eos], "rejected_input_ids": [7, eos]}, {"level": "step"}, eos)
solution = drop_step_eos({"chosen_input_ids": [5, eos], "rejected_input_ids": [7, eos]}, {"level": "solution"}, eos)
cut = drop_step_eos({"chosen_ids": [5, 6], "rejected_ids": [7, eos]}, {"level": "step"}, eos)
print(step["chosen_input_ids"], step["rejected_input_ids"], solution["chosen_input_ids"], cut["chosen_ids"], cut["rejected_ids"])
`;
    const out = await new Deno.Command("python3", { args: ["-c", script], stdout: "piped" })
      .output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "[5, 6] [7] [5, 2] [5, 6] [7]");
  },
});
