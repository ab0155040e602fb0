/**
 * A command that cannot start says what to change and leaves nothing behind: a
 * missing problems file names its flag, a busy port names the port and the way
 * out, an unknown flag suggests the closest one, and the corrected command (even
 * with other problems) starts a fresh run in the same directory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testRun } from "./support/server_run.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const SERVE = new URL("../pipelines/serve.ts", import.meta.url).pathname;
const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;

async function run(script: string, args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("pipeline names a missing problems file and a busy port, and leaves no run directory", async () => {
  const parent = await Deno.makeTempDir();
  const dir = join(parent, "run");
  const math = ["--recipe", "math-self-consistency"];

  const missing = await run(MAIN, [
    "--run",
    dir,
    ...math,
    "--problems",
    join(parent, "nope.jsonl"),
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read --problems .*nope\.jsonl: No such file/);
  assert.equal(await exists(dir), false);

  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(busy.addr.port);
  const inUse = await run(MAIN, ["--run", dir, ...math, "--port", port]);
  assert.equal(inUse.code, 2);
  assert.match(
    inUse.stderr,
    new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use; pass --port 0`),
  );
  assert.match(inUse.stderr, /or --no-serve/);
  assert.doesNotMatch(inUse.stderr, /\n\s+at /, "no stack trace");
  assert.equal(await exists(dir), false, "a failed start leaves no run directory");

  // The corrected command, with other problems, is a new run, not a different one refused.
  const problems = join(parent, "math.jsonl");
  const lines = (await Deno.readTextFile(`${EXAMPLES}problems.jsonl`)).split("\n");
  await Deno.writeTextFile(problems, lines.filter((l) => l.includes('"math"')).join("\n"));
  const samples = `${EXAMPLES}samples.jsonl`;
  const corrected = ["--run", dir, ...math, "--no-serve", "--problems", problems];
  const fixed = await run(MAIN, [...corrected, "--samples", samples, "--api-key", "sk-t0p"]);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /Starting run/);
  assert.match(fixed.stdout, new RegExp(`deno task serve --run ${dir}`));
  const config = await Deno.readTextFile(join(dir, "config.json"));
  assert.doesNotMatch(config, /sk-t0p/, "credentials stay out of config.json");
  assert.equal(JSON.parse(config)["api-key"], "(set)");

  // Another shard of the problems is another run.
  const shard = await run(MAIN, [...corrected, "--samples", samples, "--shard", "1/2"]);
  assert.equal(shard.code, 1);
  assert.match(shard.stderr, /Cannot resume the run in .*: its shard was undefined, now "1\/2"/);
});

Deno.test("serve.ts names a busy port without a stack trace and suggests the closest flag", async () => {
  await using served = await testRun();
  const dir = served.dir;
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await run(SERVE, ["--run", dir, "--port", String(busy.addr.port)]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /Cannot listen on 127\.0\.0\.1:\d+: the port is in use; pass --port 0/,
  );
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  const typo = await run(SERVE, ["--rn", dir]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /Unknown flag --rn: did you mean --run\?/);
});

Deno.test("pipeline resumed on a finished run reports every problem finished in /v1/stats", async () => {
  const dir = join(await Deno.makeTempDir(), "run");
  const command = [
    ...["--run", dir, "--recipe", "math-self-consistency"],
    ...["--problems", `${EXAMPLES}problems.jsonl`, "--samples", `${EXAMPLES}samples.jsonl`],
  ];
  const first = await run(MAIN, [...command, "--no-serve"]);
  assert.equal(first.code, 0, first.stderr);

  const resumed = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...command, "--port", "0", "--keep-serving"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = resumed.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let url: string | undefined;
    while (!url) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`The run ended before serving: ${text}`);
      text += value;
      url = text.match(/Dashboard: (http:\/\/\S+?)\//)?.[1];
    }
    let stats: { progress: Record<string, number>; status: { message: string } };
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stats = await (await fetch(`${url}/v1/stats`)).json();
    } while (!stats.status.message.startsWith("Run finished"));
    assert.ok(stats.progress.problems_expected > 0);
    assert.equal(stats.progress.problems_finished, stats.progress.problems_expected);
    reader.releaseLock();
  } finally {
    resumed.kill("SIGKILL");
    await resumed.status;
    await resumed.stdout.cancel().catch(() => {});
  }
});
