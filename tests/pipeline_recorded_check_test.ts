/**
 * Recorded samples checked against the problems before any work: ids that differ
 * only in case are warned about with the fix, and the summary counts the records
 * that matched no problem and the problems without samples; base-model
 * continuations with the default `--api chat` are warned about with `--api
 * completions` as the fix.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunSummary } from "../pipelines/summary.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;

async function exampleLines(keep: (line: string) => boolean): Promise<string[]> {
  return (await Deno.readTextFile(`${EXAMPLES}problems.jsonl`)).split("\n").filter(keep);
}

async function pipeline(args: string[]): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--no-serve", ...args],
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("pipeline warns when recorded ids differ from the problems' only in case and counts them", async () => {
  const parent = await Deno.makeTempDir();
  const problems = join(parent, "math.jsonl");
  const lines = await exampleLines((line) => line.includes('"kind": "math"'));
  assert.ok(lines.length >= 3);
  await Deno.writeTextFile(problems, lines.join("\n"));
  const ids = lines.map((line) => JSON.parse(line).id as string);
  // Every record but the first problem's has its id upper-cased; one more is for no problem.
  const samples = join(parent, "samples.jsonl");
  const records = (await Deno.readTextFile(`${EXAMPLES}samples.jsonl`)).split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))
    .filter((record) => ids.includes(record.problem_id))
    .map((record) =>
      record.problem_id === ids[0]
        ? record
        : { ...record, problem_id: record.problem_id.toUpperCase() }
    );
  records.push({ problem_id: "stray", completions: ["\\boxed{1}"] });
  await Deno.writeTextFile(samples, records.map((r) => JSON.stringify(r)).join("\n"));

  const dir = join(parent, "run");
  const { code, stderr } = await pipeline([
    ...["--run", dir, "--recipe", "math-self-consistency"],
    ...["--problems", problems, "--samples", samples],
  ]);
  assert.equal(code, 0, stderr);
  assert.match(
    stderr,
    new RegExp(
      `Warning: Recorded samples match 1 of the first ${ids.length} problems \\(e\\.g\\. problem "${
        ids[1]
      }", recorded "${ids[1].toUpperCase()}"\\).*the ids differ only in case`,
    ),
  );
  const summary: RunSummary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  assert.deepEqual(summary.recipes["math-self-consistency"].by_status, {
    done: 1,
    no_samples: ids.length - 1,
  });
  assert.deepEqual(summary.recorded_samples, {
    file: samples,
    records: ids.length + 1,
    unmatched_records: ids.length,
    unmatched_example: ids[1].toUpperCase(),
    problems_without_samples: ids.length - 1,
  });
  assert.match(
    await Deno.readTextFile(join(dir, "summary.txt")),
    new RegExp(
      `Recorded samples: ${ids.length} of ${ids.length + 1} lines match no problem of the run`,
    ),
  );
});

Deno.test("pipeline warns when recorded code completions continue the prompt under --api chat", async () => {
  const parent = await Deno.makeTempDir();
  const problems = join(parent, "code.jsonl");
  const lines = await exampleLines((line) => line.includes("running-max"));
  await Deno.writeTextFile(problems, lines.join("\n"));
  // What a base model sampled with the bare prompt gives: the body of the function.
  const body =
    "    out = []\n    for x in xs:\n        out.append(max(out[-1], x) if out else x)\n" +
    "    return out\n";
  const samples = join(parent, "samples.jsonl");
  await Deno.writeTextFile(
    samples,
    JSON.stringify({
      problem_id: "demo-code/running-max",
      completions: [body, body, "    return xs\n"],
    }),
  );
  const args = (dir: string) => [
    ...["--run", dir, "--recipe", "code-self-consistency", "--pool-size", "1"],
    ...["--problems", problems, "--samples", samples],
  ];
  const chat = await pipeline([...args(join(parent, "chat"))]);
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(
    chat.stderr,
    /Warning: Recorded code completions continue the prompt \(3 of 3 .*pass --api completions/,
  );
  const continued = await pipeline([...args(join(parent, "completions")), "--api", "completions"]);
  assert.equal(continued.code, 0, continued.stderr);
  assert.doesNotMatch(continued.stderr, /Warning/);
});
