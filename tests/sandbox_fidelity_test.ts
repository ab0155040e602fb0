/**
 * Fidelity of the sandbox against native CPython on real model-written programs (a
 * subset; `bench/sandbox.ts` runs everything). Needs `../shared/data`; skipped
 * without it.
 */
import assert from "node:assert";
import { SandboxPool } from "../sandbox/mod.ts";
import {
  appsProblem,
  hasData,
  humanEvalCanonical,
  humanEvalJob,
  humanEvalSamples,
  judgeApps,
  mapConcurrent,
  runNative,
} from "./sandbox_fidelity.ts";

const ignore = !hasData();
/** A limit no correct program here comes near, so a busy machine cannot flip a verdict. */
const LOADED_MACHINE_TIMEOUT_MS = 15_000;

Deno.test({
  name: "SandboxPool reproduces upstream APPS verdicts and python3's HumanEval pass/fail",
  ignore,
  async fn(t) {
    await using pool = await SandboxPool.start({ size: 2 });
    for (const problem of ["0001", "0111", "2404"]) {
      await t.step(`APPS ${problem}: every model program gets its upstream verdict`, async () => {
        const { tests, programs } = await appsProblem(problem);
        const verdicts = await mapConcurrent(programs, 4, (p) => judgeApps(pool, tests, p));
        const misses = programs.filter((p, i) => verdicts[i].verdict !== p.upstream)
          .map((p) => `#${p.index}: ${verdicts[programs.indexOf(p)].detail}`);
        assert.deepEqual(misses, []);
      });
    }
    await t.step(
      "HumanEval: canonical solutions and samples pass or fail as under python3",
      async () => {
        const programs = [
          ...(await humanEvalCanonical()).slice(0, 10),
          ...await humanEvalSamples({ tasks: 10, perTask: 2 }),
        ];
        const [ours, native] = await Promise.all([
          mapConcurrent(programs, 4, (p) => pool.run(humanEvalJob(p, LOADED_MACHINE_TIMEOUT_MS))),
          mapConcurrent(programs, 2, (p) => runNative(p, LOADED_MACHINE_TIMEOUT_MS)),
        ]);
        const differing = programs.filter((_, i) => (ours[i].status === "ok") !== native[i].passed)
          .map((p) => `${p.task_id} sample ${p.sample}`);
        assert.deepEqual(differing, []);
        assert.ok(ours.some((r) => r.status !== "ok"), "the subset includes failing samples");
      },
    );
  },
});
