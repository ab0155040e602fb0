import assert from "node:assert/strict";
import { LineReader, testRun } from "./support/server_run.ts";

const SERVE = new URL("../pipelines/serve.ts", import.meta.url).pathname;

/** Starts `deno task serve`'s program as the task does, with read, net and env only. */
function serveCommand(...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-net", "--allow-env", SERVE, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", PFPO_TOKEN: "" },
  });
}

Deno.test("serve.ts serves a run another process is writing, read-only, until stopped", async () => {
  await using run = await testRun();
  run.write(3);
  const child = serveCommand("--run", run.dir, "--port", "0").spawn();
  const stdout = new LineReader(new Response(child.stdout));
  const stderr = new Response(child.stderr).text();
  try {
    const banner = await stdout.next();
    const url = banner?.match(/at (http:\/\/\S+)$/)?.[1];
    assert.ok(url, `unexpected output: ${banner}`);
    const stats = await (await fetch(`${url}/v1/stats`)).json();
    assert.equal(stats.progress.pairs_written, 3);
    assert.deepEqual(stats.config, { recipe: "test" });
    const lines = new LineReader(await fetch(`${url}/v1/pairs/stream?after=2`));
    assert.equal((await lines.message())?.seq, 3);
    run.write(2);
    assert.equal((await lines.message())?.seq, 4);
    assert.equal((await lines.message())?.seq, 5);
    run.log.markFinished();
    assert.deepEqual(await lines.message(), { event: "end", last_seq: 5 });
    const detail = await (await fetch(`${url}/v1/problems/t%2F4`)).json();
    assert.equal(detail.pairs[0].seq, 4);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  assert.equal(status.code, 0, await stderr);
});

Deno.test("serve.ts refuses a non-loopback address without a token", async () => {
  await using run = await testRun();
  const out = await serveCommand("--run", run.dir, "--host", "0.0.0.0", "--port", "0").output();
  assert.equal(out.code, 2);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /Refusing to listen on 0\.0\.0\.0 without a token/,
  );
});

Deno.test("serve.ts explains a missing run database and a bad flag", async () => {
  const missing = await serveCommand("--run", "/nonexistent/run").output();
  assert.equal(missing.code, 2);
  assert.match(
    new TextDecoder().decode(missing.stderr),
    /Cannot serve \/nonexistent\/run: there is no run\.db in it/,
  );
  const bad = await serveCommand("--port", "http").output();
  assert.equal(bad.code, 2);
  const help = await serveCommand("--help").output();
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /Usage: deno task serve --run DIR/);
});
