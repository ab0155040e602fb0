/**
 * The Python client used as a library does not wait silently forever: it logs each
 * reconnect by default, gives up after its tries or its deadline with an error that
 * says the server is unreachable, and returns normally when the run has ended.
 */
import assert from "node:assert/strict";
import { serve, testRun } from "./support/server_run.ts";

const CLIENT_DIR = new URL("../clients/python/", import.meta.url).pathname;
const python = await new Deno.Command("python3", { args: ["--version"], stdout: "null" })
  .output().then((out) => out.success, () => false);

/** Runs `code` with the client importable; resolves to its exit code and output. */
async function py(code: string) {
  const out = await new Deno.Command("python3", {
    args: ["-c", code],
    env: { PYTHONPATH: CLIENT_DIR, PYTHONUNBUFFERED: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

const LIBRARY_USE = (url: string, options: string) => `
import sys
from pfpo_client import iter_pairs, ServerUnreachableError
try:
    for pair in iter_pairs(${JSON.stringify(url)}, backoff=0.01, ${options}):
        print("pair", pair["seq"])
    print("ended")
except ServerUnreachableError as error:
    print("unreachable:", error)
`;

Deno.test({
  name: "iter_pairs() logs reconnects, gives up on an unreachable server, and ends with the run",
  ignore: !python,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const down = `http://127.0.0.1:${listener.addr.port}`;
    listener.close();

    const tries = await py(LIBRARY_USE(down, "max_retries=3"));
    assert.equal(tries.code, 0, tries.stderr);
    assert.match(
      tries.stdout,
      /^unreachable: Cannot reach the pfpo server at .*: gave up after 3 retries/m,
    );
    assert.doesNotMatch(tries.stdout, /ended/);
    const logged = tries.stderr.match(/reconnecting after seq 0/g) ?? [];
    assert.equal(logged.length, 3, tries.stderr);

    const started = performance.now();
    const deadline = await py(LIBRARY_USE(down, "max_retries=None, deadline=0.5"));
    assert.match(deadline.stdout, /gave up after the 0.5 s deadline/);
    assert.ok(performance.now() - started < 30_000);

    await using run = await testRun();
    run.write(3);
    run.log.markFinished();
    await using server = await serve(run);
    const ended = await py(LIBRARY_USE(server.url, "max_retries=3"));
    assert.equal(ended.stdout, "pair 1\npair 2\npair 3\nended\n", ended.stderr);
    assert.equal(ended.stderr, "", "no reconnect for a finished run");

    const script = await new Deno.Command("python3", {
      args: [`${CLIENT_DIR}pfpo_client.py`, server.url],
    }).output();
    assert.equal(script.code, 0);
    assert.match(new TextDecoder().decode(script.stderr), /The run has ended: 3 pairs, last seq 3/);
    const gone = await new Deno.Command("python3", {
      args: [`${CLIENT_DIR}pfpo_client.py`, down, "--max-retries", "1", "--backoff", "0.01"],
    }).output();
    assert.equal(gone.code, 3, "unreachable has its own exit code");
  },
});
