/**
 * The first code run on real samples is one command: HumanEval's problems, the
 * CodeT generations (`task_id`, `samples`) as recorded completions and the
 * model-written asserts as test inputs, all read in place.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { RunSummary } from "../pipelines/summary.ts";
import { HAS_SHARED_DATA, sharedData } from "./support/shared_data.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;

Deno.test({
  name: "pipeline runs code self-consistency on the shared HumanEval samples in one command",
  ignore: !HAS_SHARED_DATA,
  fn: async () => {
    const dir = join(await Deno.makeTempDir(), "humaneval");
    // The README's command, on the first four tasks and five programs each.
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", MAIN, "--recipe", "code-self-consistency", "--api", "completions"],
        ...["--problems", sharedData("humaneval", "HumanEval.jsonl")],
        ...["--samples", sharedData("humaneval_samples", "solutions_dev.jsonl")],
        ...["--frontier-samples", sharedData("humaneval_samples", "test_cases_dev.jsonl")],
        ...["--limit", "4", "--n", "5", "--run", dir, "--no-serve", "--pool-size", "1"],
      ],
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const summary: RunSummary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
    // Only the even-numbered tasks have recorded samples: the others say so.
    assert.deepEqual(summary.recipes["code-self-consistency"].by_status, {
      done: 2,
      no_samples: 2,
    });
    const db = new DatabaseSync(join(dir, "run.db"), { readOnly: true });
    try {
      const rows = db.prepare("SELECT problem_id, detail FROM run_problems WHERE status = 'done'")
        .all().map((row) => [String(row.problem_id), JSON.parse(String(row.detail))]);
      assert.deepEqual(rows.map(([id]) => id).sort(), [
        "code-self-consistency:humaneval/0",
        "code-self-consistency:humaneval/2",
      ]);
      for (const [, detail] of rows) {
        assert.ok(detail.inputs >= 5, "the asserts' inputs are the test inputs");
        assert.equal(detail.programs, 5, "a continuation of the prompt is a program");
      }
    } finally {
      db.close();
    }
  },
});
