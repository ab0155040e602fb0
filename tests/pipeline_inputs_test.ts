/**
 * A code problem without test inputs, and no frontier model to ask for them, is
 * recorded `no_tests` and counted in the summary; the run goes on with the others.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunSummary } from "../pipelines/summary.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;

Deno.test("pipeline records a code problem without test inputs as no_tests and goes on", async () => {
  const parent = await Deno.makeTempDir();
  const problems = join(parent, "code.jsonl");
  const lines = (await Deno.readTextFile(`${EXAMPLES}problems.jsonl`)).split("\n")
    .filter((line) => line.includes("is-palindrome") || line.includes("running-max"))
    .map((line) => JSON.parse(line))
    .map((p) => (p.id === "demo-code/is-palindrome" ? { ...p, test_inputs: [] } : p));
  // The problem without inputs comes first: before, it stopped the run at once.
  lines.sort((a) => (a.id === "demo-code/is-palindrome" ? -1 : 1));
  await Deno.writeTextFile(problems, lines.map((p) => JSON.stringify(p)).join("\n"));
  const dir = join(parent, "run");
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", MAIN, "--run", dir, "--no-serve", "--recipe", "code-self-consistency"],
      ...["--problems", problems, "--samples", `${EXAMPLES}samples.jsonl`, "--pool-size", "1"],
    ],
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const summary: RunSummary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  assert.deepEqual(summary.recipes["code-self-consistency"].by_status, { done: 1, no_tests: 1 });
  assert.match(await Deno.readTextFile(join(dir, "summary.txt")), /1 no_tests/);
});
