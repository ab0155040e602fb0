/**
 * Sandbox benchmark and fidelity report: HumanEval canonical solutions with their
 * `check()` plus the first 20 HumanEval samples per task, run (a) through the
 * sandbox pool and (b) through one `python3` subprocess per program (the
 * human-eval / LiveCodeBench harness pattern), both using every core, in this one
 * process tree. Prints programs per second and the ratio, pool cold start and
 * per-execution overhead, the pass/fail agreement with `python3` with every
 * disagreement, and the APPS verdict reproduction.
 *
 * Run: `deno run -A bench/sandbox.ts` (needs `../shared/data`).
 *
 * @module
 */
import { SandboxPool } from "../sandbox/mod.ts";
import {
  APPS_PROBLEMS,
  appsProblem,
  hasData,
  humanEvalCanonical,
  humanEvalJob,
  type HumanEvalProgram,
  humanEvalSamples,
  judgeApps,
  mapConcurrent,
  runNative,
} from "../tests/sandbox_fidelity.ts";

if (!hasData()) {
  console.log("bench/sandbox.ts: ../shared/data is absent; nothing to measure");
  Deno.exit(0);
}

const cores = navigator.hardwareConcurrency;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

const [pool, coldMs] = await timed(() => SandboxPool.start({ size: cores }));
try {
  // Per-execution overhead of a trivial program, one at a time.
  const trivialRuns = 200;
  const [, sandboxTrivialMs] = await timed(async () => {
    for (let i = 0; i < trivialRuns; i++) {
      await pool.run({ language: "python", code: `pass  # ${i}` });
    }
  });
  const nativeTrivialRuns = 20;
  const trivial: HumanEvalProgram = {
    task_id: "trivial",
    sample: 0,
    code: "def f():\n    pass",
    test_code: "def check(c):\n    pass",
    entry_point: "f",
  };
  const [, nativeTrivialMs] = await timed(async () => {
    for (let i = 0; i < nativeTrivialRuns; i++) await runNative(trivial);
  });

  const canonical = await humanEvalCanonical();
  const samples = await humanEvalSamples({ perTask: 20 });
  const programs = [...canonical, ...samples];

  const [sandboxResults, sandboxMs] = await timed(() =>
    mapConcurrent(programs, cores * 2, (program) => pool.run(humanEvalJob(program)))
  );
  const [nativeResults, nativeMs] = await timed(() => mapConcurrent(programs, cores, runNative));

  const sandboxRate = programs.length / (sandboxMs / 1000);
  const nativeRate = programs.length / (nativeMs / 1000);
  console.log(
    `\nSandbox benchmark (${cores} cores; HumanEval: ${canonical.length} canonical solutions + ${samples.length} samples)\n`,
  );
  console.log("| harness                          | programs | seconds | programs/s | speed-up |");
  console.log("|----------------------------------|---------:|--------:|-----------:|---------:|");
  console.log(
    `| python3 subprocess per program   | ${programs.length} | ${seconds(nativeMs)} | ${
      nativeRate.toFixed(1)
    } | 1.0× |`,
  );
  console.log(
    `| sandbox pool (Pyodide, ${cores} procs)  | ${programs.length} | ${seconds(sandboxMs)} | ${
      sandboxRate.toFixed(1)
    } | ${(sandboxRate / nativeRate).toFixed(1)}× |`,
  );
  console.log("");
  console.log(`Pool cold start (${cores} processes, Pyodide loaded): ${seconds(coldMs)} s`);
  console.log(
    `Per-execution round trip, trivial program: sandbox ${
      (sandboxTrivialMs / trivialRuns).toFixed(2)
    } ms, python3 subprocess ${(nativeTrivialMs / nativeTrivialRuns).toFixed(2)} ms`,
  );

  // Fidelity: same pass/fail as python3.
  const disagreements: string[] = [];
  for (const [i, program] of programs.entries()) {
    const ours = sandboxResults[i];
    const native = nativeResults[i];
    if ((ours.status === "ok") !== native.passed) {
      disagreements.push(
        `  ${program.task_id} sample ${program.sample}: sandbox ${ours.status} (${
          ours.stderr.trim().split("\n").at(-1)?.slice(0, 120)
        }), python3 ${native.passed ? "pass" : native.timedOut ? "timeout" : "fail"} (${
          native.stderr.trim().split("\n").at(-1)?.slice(0, 120) ?? ""
        })`,
      );
    }
  }
  const agreement = 1 - disagreements.length / programs.length;
  const canonicalPass = sandboxResults.slice(0, canonical.length).filter((r) =>
    r.status === "ok"
  ).length;
  console.log(
    `\nHumanEval pass/fail agreement with python3: ${
      programs.length - disagreements.length
    }/${programs.length} = ${(agreement * 100).toFixed(2)}%`,
  );
  console.log(`Canonical solutions passing in the sandbox: ${canonicalPass}/${canonical.length}`);
  if (disagreements.length > 0) console.log(`Disagreements:\n${disagreements.join("\n")}`);

  // APPS: upstream verdicts reproduced.
  let appsAgree = 0;
  let appsTotal = 0;
  const appsMisses: string[] = [];
  for (const problem of APPS_PROBLEMS) {
    const { tests, programs: appsPrograms } = await appsProblem(problem);
    const verdicts = await mapConcurrent(appsPrograms, cores * 2, (p) => judgeApps(pool, tests, p));
    for (const [i, verdict] of verdicts.entries()) {
      appsTotal++;
      if (verdict.verdict === appsPrograms[i].upstream) appsAgree++;
      else {appsMisses.push(
          `  ${problem} #${i}: sandbox ${verdict.verdict}, upstream ${appsPrograms[i].upstream} (${
            appsPrograms[i].upstream_error
          }): ${verdict.detail.slice(0, 160)}`,
        );}
    }
  }
  console.log(`\nAPPS upstream verdicts reproduced: ${appsAgree}/${appsTotal}`);
  if (appsMisses.length > 0) console.log(appsMisses.join("\n"));
} finally {
  await pool.close();
}
