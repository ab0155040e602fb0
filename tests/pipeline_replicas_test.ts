/**
 * `--base-url` repeated: the policy's requests are spread over the replicas, and the
 * pairs are those of a run against one server (answers do not depend on the replica).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { POLICY_MODEL, startExampleServer } from "./support/example_server.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;

async function pairs(run: string, urls: string[]): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", MAIN, "--run", run, "--no-serve", "--recipe", "math-self-consistency"],
      ...["--model", POLICY_MODEL, "--max-in-flight", "4", "--seed", "5"],
      ...urls.flatMap((url) => ["--base-url", url]),
    ],
    env: { NO_COLOR: "1", OPENAI_API_KEY: "" },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const rows = await Array.fromAsync(readJsonl<Pair>(join(run, "pairs.jsonl")));
  return rows.map(({ seq: _s, run: _r, id: _i, ...rest }) => JSON.stringify(rest)).sort();
}

Deno.test("pipeline with --base-url repeated spreads requests and gives one server's pairs", async () => {
  const [a, b] = await Promise.all([startExampleServer(), startExampleServer()]);
  const dir = await Deno.makeTempDir();
  try {
    const single = await pairs(join(dir, "single"), [a.baseURL]);
    const before = a.stats.requests;
    const spread = await pairs(join(dir, "spread"), [a.baseURL, b.baseURL]);
    assert.deepEqual(spread, single);
    assert.ok(single.length > 0);
    assert.ok(a.stats.requests > before, "the first replica served requests");
    assert.ok(b.stats.requests > 0, "the second replica served requests");
  } finally {
    await Promise.all([a.close(), b.close()]);
    await Deno.remove(dir, { recursive: true });
  }
});
