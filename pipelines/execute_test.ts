import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { executeStage, inputRuns, Metrics, pipe, SandboxFailureError } from "../mod.ts";
import { RecipeExecutor } from "./execute.ts";
import { FakeExecutor } from "../tests/support/fake_executor.ts";
import { functionProblem } from "../tests/support/problems.ts";

Deno.test("RecipeExecutor.unfinished leaves a problem the sandbox could not run unfinished, said and counted", async () => {
  const metrics = new Metrics();
  using db = new DatabaseSync(":memory:");
  const recipe = new RecipeExecutor({ db, metrics, timeoutMs: 1000, memoryMb: 64 });
  const items = ["a", "unrunnable", "b"].map((code, i) => ({
    problem: functionProblem({ id: `p${i}` }),
    programs: [code],
    runs: inputRuns(functionProblem({ id: `p${i}` }), ["1"]),
  }));
  const said: string[] = [];
  const error = console.error;
  console.error = (line: string) => said.push(line);
  try {
    const out = await Array.fromAsync(pipe(
      items,
      executeStage({ executor: new FakeExecutor(), onFailed: recipe.unfinished }),
    ));
    assert.deepEqual(out.map((item) => item.problem.id).sort(), ["p0", "p2"]);
  } finally {
    console.error = error;
  }
  assert.equal(recipe.unexecuted, 1);
  assert.equal(said.length, 1);
  assert.match(said[0], /Problem p1 left unfinished: The sandbox could not run a program of p1/);
  assert.match(await metrics.registry.metrics(), /^pfpo_problems_unexecuted_total 1$/m);
  assert.ok(new SandboxFailureError("p", "x").message.endsWith("a re-run runs it again"));
  await recipe.close();
});
