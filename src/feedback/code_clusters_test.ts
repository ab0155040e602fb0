import assert from "node:assert/strict";
import type { ExecutionResult } from "../model/execution.ts";
import { ok, run } from "../../tests/support/results.ts";
import { clusterPrograms, differingInputs } from "./code_clusters.ts";

const value = (v: string): ExecutionResult => ({ ...ok(""), return_value: v });

Deno.test("clusterPrograms() groups programs with the same output on every input", () => {
  const { clusters, clusterOf, inputs } = clusterPrograms([
    run("1", "2"),
    run("1", "3"),
    undefined, // no program was extracted
    run("1", "2"),
    run("1", undefined),
    [undefined, undefined], // the execute stage's row for a sample without a program
  ]);
  assert.equal(inputs, 2);
  assert.deepEqual(clusters.map((c) => c.programs), [[0, 3], [1], [4]]);
  assert.deepEqual(clusterOf, [0, 1, undefined, 0, 2, undefined]);
  assert.equal(clusters[0].features.share, 2 / 4, "programs without results are not counted");
  assert.deepEqual(clusters[0].outputs, ["1", "2"]);
  assert.deepEqual(clusters[2].outputs, ["1", undefined]);
});

Deno.test("clusterPrograms() features: share, lead over the runner-up, support from the rest, runs", () => {
  const { clusters } = clusterPrograms([
    run("a", "b"),
    run("a", "b"),
    run("a", "c"),
    run("x", undefined),
  ]);
  assert.deepEqual(clusters[0].features, { share: 0.5, lead: 2 / 3, support: 0.25, ran: 1 });
  // [2]: 1 of 4; the biggest other has 2; of the other 3 programs, 2 agree on input 0, none on 1.
  assert.deepEqual(clusters[1].features, { share: 0.25, lead: 1 / 3, support: 1 / 3, ran: 1 });
  assert.deepEqual(clusters[2].features, { share: 0.25, lead: 1 / 3, support: 0, ran: 0.5 });
});

Deno.test("clusterPrograms() compares return values canonically and takes a custom comparison", () => {
  const canonical = clusterPrograms([[value("1")], [value("1.0")], [value("2")]]);
  assert.deepEqual(canonical.clusters.map((c) => c.programs), [[0, 1], [2]]);
  const exact = clusterPrograms([[value("1")], [value("1.0")]], { same: (a, b) => a === b });
  assert.equal(exact.clusters.length, 2);
});

Deno.test("differingInputs() counts inputs where outputs differ or only one ran", () => {
  const { clusters } = clusterPrograms([run("1", "2", "3"), run("1", "9", undefined)]);
  assert.equal(differingInputs(clusters[0], clusters[1]), 2);
  assert.equal(differingInputs(clusters[0], clusters[0]), 0);
});
