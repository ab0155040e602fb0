/**
 * Problem and recorded-sample files for code self-consistency on real HumanEval
 * samples (../shared/data/humaneval_samples: 100 CodeGen programs per task, test
 * inputs taken from the model-written asserts), for tests and benchmarks.
 *
 * @module
 */
import { join } from "node:path";
import { parseAssertTests } from "../../src/sampling/test_cases.ts";
import { readJsonl, writeJsonl } from "../../src/io/jsonl.ts";
import { sharedData } from "./shared_data.ts";

/** Options for {@link humanEvalFiles}. */
export interface HumanEvalFilesOptions {
  /** Tasks at most (those with at least one usable input). */
  tasks: number;
  /** Test inputs per task at most. Default 10. */
  inputs?: number;
  /** Recorded completions per task at most. Default all (100). */
  completions?: number;
}

/**
 * Writes `code-N.jsonl` (problems) and `code-samples-N.jsonl` (recorded completions)
 * into `dir`; resolves to their paths and the number of tasks written.
 */
export async function humanEvalFiles(
  dir: string,
  options: HumanEvalFilesOptions,
): Promise<[string, string, number]> {
  const { tasks } = options;
  const human = new Map<string, { prompt: string; entry_point: string }>();
  for await (
    const row of readJsonl<{ task_id: string; prompt: string; entry_point: string }>(
      sharedData("humaneval", "HumanEval.jsonl"),
    )
  ) human.set(row.task_id, row);
  const problems = join(dir, `code-${tasks}.jsonl`);
  const samples = join(dir, `code-samples-${tasks}.jsonl`);
  const problemRows: unknown[] = [];
  const sampleRows: unknown[] = [];
  const tests = readJsonl<{ task_id: string; samples: string[] }>(
    sharedData("humaneval_samples", "test_cases_dev.jsonl"),
  );
  const solutions = readJsonl<{ task_id: string; samples: string[] }>(
    sharedData("humaneval_samples", "solutions_dev.jsonl"),
  );
  const inputs = new Map<string, string[]>();
  for await (const row of tests) {
    const task = human.get(row.task_id);
    if (!task) continue;
    const parsed = parseAssertTests(row.samples.join("\n"), { entryPoint: task.entry_point });
    inputs.set(
      row.task_id,
      [...new Set(parsed.kept.map((t) => t.input))].slice(0, options.inputs ?? 10),
    );
  }
  for await (const row of solutions) {
    if (problemRows.length >= tasks) break;
    const task = human.get(row.task_id);
    const testInputs = inputs.get(row.task_id) ?? [];
    if (!task || testInputs.length === 0) continue;
    const id = `humaneval/${row.task_id.split("/")[1]}`;
    problemRows.push({
      id,
      kind: "code",
      language: "python",
      style: "function",
      entry_point: task.entry_point,
      prompt: task.prompt,
      test_inputs: testInputs,
    });
    sampleRows.push({ problem_id: id, completions: row.samples.slice(0, options.completions) });
  }
  await writeJsonl(problems, problemRows);
  await writeJsonl(samples, sampleRows);
  return [problems, samples, problemRows.length];
}
