/**
 * The step-level record of a run of the examples: its step pairs (without `seq` and
 * `run`, sorted by id) and every step recipe's problem outcomes. The default
 * pipeline test compares a run's record with `tests/fixtures/example_step_run.json`,
 * so a change to the step recipes that changes their pairs or outcomes shows.
 *
 * Regenerate the fixture (only when a change of results is intended):
 * `deno run -A tests/support/step_reference.ts RUN_DIR`.
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { readJsonl } from "../../src/io/jsonl.ts";
import type { Pair } from "../../src/model/pair.ts";

/** The fixture holding the step record of the default run of the examples. */
export const EXAMPLE_STEP_RUN = new URL("../fixtures/example_step_run.json", import.meta.url);

/** A run's step pairs and step recipes' outcomes. */
export interface StepRecord {
  pairs: Omit<Pair, "seq" | "run">[];
  outcomes: Record<string, { status: string; detail: unknown }>;
}

/** Reads the step record of the run in `dir`. */
export async function stepRecord(dir: string): Promise<StepRecord> {
  const pairs = (await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl"))))
    .filter((pair) => pair.level === "step")
    .map(({ seq: _seq, run: _run, ...pair }) => pair)
    .sort((a, b) => a.id.localeCompare(b.id));
  const db = new DatabaseSync(join(dir, "run.db"), { readOnly: true });
  try {
    const rows = db.prepare(
      "SELECT problem_id, status, detail FROM run_problems WHERE problem_id LIKE '%-step-%' ORDER BY problem_id",
    ).all() as { problem_id: string; status: string; detail: string }[];
    const outcomes = Object.fromEntries(
      rows.map((row) => [row.problem_id, { status: row.status, detail: JSON.parse(row.detail) }]),
    );
    return { pairs, outcomes };
  } finally {
    db.close();
  }
}

if (import.meta.main) {
  const [dir] = Deno.args;
  if (!dir) throw new Error("Missing run directory: give the directory of a run of the examples");
  const record = await stepRecord(dir);
  await Deno.writeTextFile(EXAMPLE_STEP_RUN, JSON.stringify(record, null, 2) + "\n");
  console.log(`Wrote ${record.pairs.length} step pairs to ${EXAMPLE_STEP_RUN.pathname}`);
}
