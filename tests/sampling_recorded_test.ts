import assert from "node:assert";
import { join } from "node:path";
import { readJsonl, writeJsonl } from "../src/io/jsonl.ts";
import { Metrics } from "../src/metrics/metrics.ts";
import type { Problem } from "../src/model/problem.ts";
import type { RecordedSamples, Sample } from "../src/model/sample.ts";
import { recordedSampler } from "../src/sampling/recorded.ts";
import { pipe } from "../src/stream/stage.ts";
import { mathProblems } from "./fixtures/sampling_problems.ts";
import { HAS_SHARED_DATA, sharedData } from "./support/shared_data.ts";
import { trackedSource } from "./support/tracked_source.ts";

function records(ids: string[], count = 3): RecordedSamples[] {
  return ids.map((id) => ({
    problem_id: id,
    completions: Array.from({ length: count }, (_, i) => `${id} says ${i}`),
  }));
}

const byKey = (samples: Sample[]) => samples.map((s) => `${s.problem_id}#${s.index}`).sort();

Deno.test("recordedSampler() replays a JSONL file with windows and early stop", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "samples.jsonl");
    await writeJsonl(path, records(["p0", "p1", "p2"], 5));
    const decisions: [string, number][] = [];
    const samples = await Array.fromAsync(
      pipe(
        mathProblems(3),
        recordedSampler(path, {
          samples: 4,
          window: 2,
          decide: (id, so_far) => {
            decisions.push([id, so_far.length]);
            return id === "p1" ? "stop" : "more";
          },
        }),
      ),
    );
    assert.deepEqual(byKey(samples), [
      "p0#0",
      "p0#1",
      "p0#2",
      "p0#3",
      "p1#0",
      "p1#1",
      "p2#0",
      "p2#1",
      "p2#2",
      "p2#3",
    ]);
    assert.deepEqual(decisions.sort(), [["p0", 2], ["p1", 2], ["p2", 2]]);
    assert.equal(
      samples.find((s) => s.problem_id === "p2" && s.index === 3)?.completion,
      "p2 says 3",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recordedSampler() finds records out of order within the look-ahead", async () => {
  const samples = await Array.fromAsync(
    pipe(mathProblems(4), recordedSampler(records(["p2", "p0", "p3", "p1"], 1), { lookAhead: 4 })),
  );
  assert.deepEqual(byKey(samples), ["p0#0", "p1#0", "p2#0", "p3#0"]);
  assert.ok(samples.every((s) => !s.failure));
});

Deno.test("recordedSampler() reports a problem missing beyond the look-ahead and goes on", async () => {
  const metrics = new Metrics();
  // p0's record is 4 lines away with a look-ahead of 2; p5 is not in the file at all.
  const file = records(["p1", "p2", "p3", "p4", "p0"], 1);
  const problems: Problem[] = mathProblems(6);
  const samples = await Array.fromAsync(
    pipe(problems, recordedSampler(file, { lookAhead: 2, metrics, maxActiveProblems: 1 })),
  );
  const missing = samples.filter((s) => s.failure === "missing").map((s) => s.problem_id).sort();
  assert.deepEqual(missing, ["p0", "p5"]);
  assert.deepEqual(
    samples.filter((s) => !s.failure).map((s) => s.problem_id).sort(),
    ["p1", "p2", "p3", "p4"],
  );
  const text = await metrics.registry.metrics();
  assert.match(text, /pfpo_samples_failed_total\{reason="missing"\} 2/);
  assert.match(text, /pfpo_samples_recorded_skipped_total 1/); // p0's line, never used
});

Deno.test("recordedSampler() marks blank completions and records without completions", async () => {
  const samples = await Array.fromAsync(
    pipe(
      mathProblems(2),
      recordedSampler([{ problem_id: "p0", completions: ["ok", "  "] }, {
        problem_id: "p1",
        completions: [],
      }]),
    ),
  );
  assert.deepEqual(
    samples.map((s) => [s.problem_id, s.index, s.failure ?? "none"]).sort(),
    [["p0", 0, "none"], ["p0", 1, "empty"], ["p1", 0, "missing"]],
  );
});

Deno.test("recordedSampler() reads only as far as the problems need", async () => {
  const source = trackedSource(records(Array.from({ length: 10_000 }, (_, i) => `p${i}`), 2));
  const samples = await Array.fromAsync(pipe(mathProblems(5), recordedSampler(source)));
  assert.equal(samples.length, 10);
  assert.equal(source.pulled, 5);
  assert.ok(source.closed);
});

Deno.test("recordedSampler().stop() ends a problem between windows", async () => {
  const stage = recordedSampler(records(["p0", "p1"], 6), {
    window: 1,
    decide: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return "more" as const;
    },
  });
  const samples: Sample[] = [];
  for await (const sample of pipe(mathProblems(2), stage)) {
    samples.push(sample);
    if (sample.problem_id === "p0" && sample.index === 1) stage.stop("p0");
  }
  assert.equal(samples.filter((s) => s.problem_id === "p0").length, 2);
  assert.equal(samples.filter((s) => s.problem_id === "p1").length, 6);
});

Deno.test({
  name: "recordedSampler() replays the CodeGen HumanEval samples with early stop",
  ignore: !HAS_SHARED_DATA, // needs ../shared/data/humaneval_samples
  fn: async () => {
    const path = sharedData("humaneval_samples", "solutions_dev.jsonl");
    async function* recorded() {
      for await (const row of readJsonl<{ task_id: string; samples: string[] }>(path)) {
        yield { problem_id: row.task_id, completions: row.samples };
      }
    }
    async function* problems() {
      for await (const row of readJsonl<{ task_id: string; prompt: string }>(path)) {
        yield {
          id: row.task_id,
          kind: "code",
          language: "python",
          style: "function",
          entry_point: "f",
          prompt: row.prompt,
        } as Problem;
      }
    }
    const samples = await Array.fromAsync(
      pipe(
        problems(),
        recordedSampler(recorded(), {
          samples: 100,
          window: 10,
          decide: (_id, so_far) => (so_far.length >= 20 ? "stop" : "more"),
        }),
      ),
    );
    assert.equal(samples.length, 82 * 20);
    assert.equal(new Set(byKey(samples)).size, 82 * 20);
    assert.ok(samples.every((s) => s.failure !== "missing"));
  },
});
