import assert from "node:assert";
import { join } from "node:path";
import type { Sample } from "../src/model/sample.ts";
import { policySampler } from "../src/sampling/sampler.ts";
import { openRunDatabase } from "../src/store/database.ts";
import { pipe } from "../src/stream/stage.ts";
import { startOpenAIServer } from "./fixtures/openai_server.ts";
import { mathProblems } from "./fixtures/sampling_problems.ts";

const PROBLEMS = 40;
const SAMPLES = 3;
const IN_FLIGHT = 4; // the child's bound

Deno.test("policySampler() resumes a run killed with SIGKILL without re-requesting cached samples", async () => {
  const server = startOpenAIServer({ plan: () => ({ latencyMs: 25 }) });
  const dir = await Deno.makeTempDir({ prefix: "pfpo-kill-" });
  const dbPath = join(dir, "run.db");
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./fixtures/sampling_child.ts", import.meta.url).pathname,
        server.baseURL,
        dbPath,
        String(PROBLEMS),
        String(SAMPLES),
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // Kill the child once a third of the samples have been answered.
    while (server.stats.ok < (PROBLEMS * SAMPLES) / 3) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stderr.cancel();
    assert.equal(status.signal, "SIGKILL");
    const answeredBeforeKill = server.stats.ok;
    assert.ok(answeredBeforeKill < PROBLEMS * SAMPLES, "the child finished before it was killed");

    const db = openRunDatabase(dbPath);
    try {
      const stored = Number(db.prepare("SELECT COUNT(*) AS n FROM sample_cache").get()?.n);
      // At most the requests in flight at the kill are lost.
      assert.ok(
        stored >= answeredBeforeKill - IN_FLIGHT,
        `stored ${stored} of ${answeredBeforeKill}`,
      );
      const requestsBefore = server.stats.requests;
      const samples: Sample[] = await Array.fromAsync(
        pipe(
          mathProblems(PROBLEMS),
          policySampler({
            endpoint: { baseURL: server.baseURL, model: "test-model", apiKey: "test" },
            samples: SAMPLES,
            nMode: "single",
            maxInFlight: 8,
            db,
          }),
        ),
      );
      const keys = samples.map((s) => `${s.problem_id}#${s.index}`);
      assert.equal(new Set(keys).size, PROBLEMS * SAMPLES); // every sample exactly once
      assert.equal(samples.length, PROBLEMS * SAMPLES);
      assert.equal(samples.filter((s) => s.cached).length, stored);
      assert.equal(server.stats.requests - requestsBefore, PROBLEMS * SAMPLES - stored);
      assert.equal(
        Number(db.prepare("SELECT COUNT(*) AS n FROM sample_cache").get()?.n),
        PROBLEMS * SAMPLES,
      );
    } finally {
      db.close();
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
