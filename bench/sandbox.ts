/**
 * Sandbox benchmark, side by side in one run, every harness on all cores:
 *
 * - Python calls: HumanEval canonical solutions called on each test input their
 *   `check()` asserts on, one job per (program, input), through the pool (`run` per
 *   call, and `execute` per program), the same with the interpreter reset turned off
 *   (the cost of the isolation), and a `python3` subprocess per call; return values
 *   compared one by one.
 * - JavaScript calls: generated programs × inputs, pool against a `deno` subprocess per
 *   call, and the same with each program's context kept for the next (the cost of the
 *   isolation).
 * - Trivial round trips one at a time (after as many untimed ones), pool starts (a second
 *   start reads the start-up snapshot from disk), and where a trivial job's time goes
 *   (for JavaScript also a module, which gets a fresh worker, with a worker's start timed
 *   directly against an empty worker's, TypeScript, which gets a context, and a gold
 *   test).
 *
 * The timed pools are warm, as a pool that has run for a while is: timing starts once
 * every process has its second Python worker, after 3000 warm-up calls of other programs
 * like the measured ones (V8 finishes optimizing Pyodide's hot code meanwhile). Each
 * sandbox harness runs five rounds (the measured programs, then other programs doing the
 * same work) and the median round counts.
 *
 * The Python baseline is `python3` on the `PATH`, or the interpreter `--python PATH`
 * names; its label gives the interpreter and its own start (`-c pass`), since a wrapper
 * (a version manager's shim, a `.pth` hook importing packages) can make a start several
 * times slower than the interpreter's, and every baseline call pays it.
 *
 * `--fidelity` adds the HumanEval samples, MBPP reference solutions and APPS agreement
 * run against `python3` (long); `--round-trip` measures only the pool starts and the
 * round trips (quick); `--js-only` leaves out the Python figures. Run:
 * `deno task bench sandbox [--python PATH] [--fidelity] [--round-trip] [--js-only]`
 * (needs `../shared/data`).
 *
 * @module
 */
import process from "node:process";
import type { ExecutionResult } from "../src/model/execution.ts";
import { parseAssertTests } from "../src/sampling/test_cases.ts";
import { type SandboxJob, SandboxPool, type SandboxPoolOptions } from "../sandbox/mod.ts";
import type { WireProgram } from "../sandbox/protocol.ts";
import { PYTHON_CANON } from "../sandbox/python_runner.ts";
import {
  APPS_PROBLEMS,
  appsProblem,
  hasData,
  HUMANEVAL_TIMEOUT_MS,
  humanEvalCanonical,
  humanEvalJob,
  type HumanEvalProgram,
  humanEvalSamples,
  judgeApps,
  mapConcurrent,
  mbppCanonical,
  runNative,
} from "../tests/sandbox_fidelity.ts";

if (!hasData()) {
  console.log("bench/sandbox.ts: ../shared/data is absent; nothing to measure");
  Deno.exit(0);
}

const cores = navigator.hardwareConcurrency;
const jsOnly = Deno.args.includes("--js-only");
const pythonFlag = Deno.args.indexOf("--python");
if (pythonFlag >= 0 && !Deno.args[pythonFlag + 1]) {
  console.error(
    "bench/sandbox.ts: --python needs the interpreter's path, e.g. --python /usr/bin/python3",
  );
  Deno.exit(2);
}
/** The interpreter of the Python baseline. */
const pythonCommand = pythonFlag >= 0 ? Deno.args[pythonFlag + 1] : "python3";
const fixed = (n: number, digits = 2) => n.toFixed(digits);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/** Runs `source` in a fresh subprocess; its trimmed stdout when it exits 0. */
async function subprocess(
  command: string,
  args: string[],
  source: string,
): Promise<string | undefined> {
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // it exited meanwhile
    }
  }, HUMANEVAL_TIMEOUT_MS);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source)).catch(() => {});
  await writer.close().catch(() => {});
  const output = await child.output().catch(() => undefined);
  clearTimeout(timer);
  return output?.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
}

interface Call {
  job: SandboxJob;
  native: () => Promise<string | undefined>;
}

function pythonCall(code: string, entry: string, args: string): Call {
  return {
    job: { language: "python", code, call: { entry_point: entry, args }, timeout_ms: 3000 },
    native: () =>
      subprocess(
        pythonCommand,
        ["-"],
        // The program in globals of its own, as in the sandbox: the harness's imports are not its.
        `${PYTHON_CANON}\nprogram = {"__name__": "__main__"}\nexec(compile(${
          JSON.stringify(code)
        }, "<program>", "exec"), program)\nprint(_text(_canon(program[${
          JSON.stringify(entry)
        }](${args}))))\n`,
      ),
  };
}

function javascriptCall(code: string, entry: string, args: string): Call {
  return {
    job: { language: "javascript", code, call: { entry_point: entry, args }, timeout_ms: 3000 },
    native: () =>
      subprocess(
        Deno.execPath(),
        ["run", "--no-config", "--no-lock", "-"],
        `${code}\nconsole.log(JSON.stringify(${entry}(${args})));\n`,
      ),
  };
}

/** Width of a table's harness column. */
const LABEL_WIDTH = 60;

/** A table row: executions, seconds, executions per second. */
function row(label: string, count: number, ms: number, baselineRate?: number): string {
  const rate = count / (ms / 1000);
  const ratio = baselineRate ? `${fixed(rate / baselineRate, 1)}×` : "1.0×";
  return `| ${label.padEnd(LABEL_WIDTH)} | ${String(count).padStart(5)} | ${
    fixed(ms / 1000).padStart(7)
  } | ${fixed(rate, 1).padStart(8)} | ${ratio.padStart(6)} |`;
}

const HEADER = [
  `| ${"harness".padEnd(LABEL_WIDTH)} | calls | seconds |  calls/s | speed-up |`,
  `|${"-".repeat(LABEL_WIDTH + 2)}|------:|--------:|---------:|---------:|`,
];

/** Compares return values; returns (identical, compared, first mismatches). */
function compare(
  calls: readonly Call[],
  ours: readonly ExecutionResult[],
  native: readonly (string | undefined)[],
): string {
  let identical = 0;
  let compared = 0;
  const misses: string[] = [];
  for (const [i, result] of ours.entries()) {
    if (native[i] === undefined && result.status !== "ok") continue;
    compared++;
    if (result.return_value === native[i]) identical++;
    else if (misses.length < 5) {
      misses.push(
        `  ${calls[i].job.call?.entry_point}(${
          calls[i].job.call?.args.slice(0, 60)
        }): sandbox ${result.status} ${result.return_value?.slice(0, 60)}, native ${
          native[i]?.slice(0, 60)
        }`,
      );
    }
  }
  return `return values identical: ${identical}/${compared}${
    misses.length ? `\n${misses.join("\n")}` : ""
  }`;
}

/**
 * Calls a pool runs before it is timed. V8 first runs Pyodide's WebAssembly through its
 * baseline compiler and compiles the functions that turn out hot with its optimizing one in
 * background threads; here that went on through about the first 2000 calls (a background
 * thread busy 0.6 s of every 1.3 s round, and 30% fewer calls a second than afterwards).
 */
const WARM_UP_CALLS = 3000;

/**
 * A started pool, warm, as a pool that runs for hours is: every sandbox process brings
 * up its second Python worker after it starts serving, so the timed runs wait for that,
 * and then run `warmUp` (the runners' own code and Pyodide's hot functions are optimized by
 * then).
 */
async function warmPool(
  options: SandboxPoolOptions,
  warmUp: SandboxJob[] = [],
): Promise<SandboxPool> {
  const pool = await SandboxPool.start(options);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await mapConcurrent(warmUp, cores * 32, (job) => pool.run(job));
  return pool;
}

/** The same work as `jobs` by other programs: each gets the comment `note`. */
function otherPrograms(jobs: SandboxJob[], note: string): SandboxJob[] {
  return jobs.map((job) => ({
    ...job,
    code: `${job.code}\n${job.language === "python" ? "#" : "//"} ${note}`,
  }));
}

/** {@link WARM_UP_CALLS} jobs like `jobs` but of other programs, to warm a pool up with. */
function warmUpJobs(jobs: SandboxJob[]): SandboxJob[] {
  const rounds = Math.ceil(WARM_UP_CALLS / jobs.length);
  return Array.from({ length: rounds }, (_, k) => otherPrograms(jobs, `warm-up ${k}`))
    .flat()
    .slice(0, WARM_UP_CALLS);
}

/** Timed rounds of each sandbox harness (a run of a few hundred calls is over in a fraction of a second). */
const ROUNDS = 5;

/**
 * Runs `run` on the jobs of {@link ROUNDS} rounds (the measured programs, then other
 * programs doing the same work); the first round's value and the median round's time.
 */
async function rounds<T>(
  jobs: SandboxJob[],
  run: (jobs: SandboxJob[]) => Promise<T>,
): Promise<[T, number]> {
  const times: number[] = [];
  let first: T | undefined;
  for (let k = 0; k < ROUNDS; k++) {
    const [value, ms] = await timed(() => run(k === 0 ? jobs : otherPrograms(jobs, `round ${k}`)));
    first ??= value;
    times.push(ms);
  }
  return [first!, times.sort((a, b) => a - b)[ROUNDS >> 1]];
}

async function throughput(
  title: string,
  calls: Call[],
  programs: number,
  baselineLabel: string,
): Promise<void> {
  const jobs = calls.map((call) => call.job);
  const pool = await warmPool({ size: cores }, warmUpJobs(jobs));
  const [ours, runMs] = await rounds(
    jobs,
    (round) => mapConcurrent(round, cores * 32, (job) => pool.run(job)),
  );
  // execute(): one program with all its inputs per call, grouped by program.
  const [, executeMs] = await rounds(
    jobs,
    (round) =>
      mapConcurrent(
        [...Map.groupBy(round, (job) => job.code).values()],
        cores * 2,
        (group) =>
          pool.execute({
            language: group[0].language,
            code: group[0].code,
            inputs: group.map((job) => ({ call: job.call! })),
            timeout_ms: 3000,
          }),
      ),
  );
  await pool.close();
  const unsafe = await warmPool({ size: cores, unsafeSkipReset: true }, warmUpJobs(jobs));
  const [, unsafeMs] = await rounds(
    jobs,
    (round) => mapConcurrent(round, cores * 32, (job) => unsafe.run(job)),
  );
  await unsafe.close();
  const [native, nativeMs] = await timed(() =>
    mapConcurrent(calls, cores, (call) => call.native())
  );
  const nativeRate = calls.length / (nativeMs / 1000);
  console.log(
    `\n${title}: ${programs} programs, ${calls.length} calls, ${cores} cores (sandbox: median of ${ROUNDS} rounds)\n`,
  );
  console.log(HEADER.join("\n"));
  console.log(row(baselineLabel, calls.length, nativeMs));
  console.log(row(`sandbox, one job per (program, input)`, calls.length, runMs, nativeRate));
  console.log(row(`sandbox, execute() per program`, calls.length, executeMs, nativeRate));
  console.log(
    row(`sandbox without the reset (benchmark only)`, calls.length, unsafeMs, nativeRate),
  );
  const share = 1 - unsafeMs / runMs;
  console.log(
    share >= 0
      ? `\nisolation cost: the reset takes ${fixed(100 * share, 0)}% of the time per call`
      : `\nisolation cost: none measured (the pool without the reset took ${
        fixed(-100 * share, 0)
      }% longer)`,
  );
  console.log(compare(calls, ours, native));
}

/**
 * A JavaScript worker's start, timed in this process: its constructor (which blocks the
 * thread), its load, and the CPU time of the whole start (all threads of the process).
 */
/** A worker with no runner: it answers the first message on its port, nothing more. */
const EMPTY_WORKER = `data:text/javascript,${
  encodeURIComponent(
    "self.onmessage = (e) => { const p = e.data.init.port; p.onmessage = () => p.postMessage({}) }",
  )
}`;

async function javascriptWorkerStart(
  n: number,
  script: string | URL = new URL("../sandbox/js_worker.ts", import.meta.url),
): Promise<{ construct: number; load: number; cpu: number }> {
  const program: WireProgram = {
    id: 1,
    language: "javascript",
    mode: "stdio",
    // A module, which runs in the worker's own realm (a script would load Node's `vm`).
    code: "export {};",
    test_code: "",
    entry_point: "",
    inputs: [{ stdin: "", args: "" }],
    timeout_ms: 1000,
    memory_mb: 256,
    max_output_bytes: 1024,
  };
  let construct = 0;
  let load = 0;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const worker = new Worker(script, { type: "module" });
    const made = performance.now();
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ init: { port: port2 } }, [port2]);
    port1.postMessage({ program });
    port1.postMessage({ index: 0 });
    // The first message is `started`: the worker has loaded.
    await new Promise((resolve) => (port1.onmessage = resolve));
    construct += made - start;
    load += performance.now() - made;
    worker.terminate();
    port1.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { construct: construct / n, load: load / n, cpu: (cpu.user + cpu.system) / 1000 / n };
}

/** The pause between the paced JavaScript round trips. */
const JS_PAUSE_MS = 100;

async function roundTrips(): Promise<void> {
  const [first, firstMs] = await timed(() => SandboxPool.start({ size: cores }));
  await first.close();
  const [pool, secondMs] = await timed(() => SandboxPool.start({ size: cores }));
  const unsafe = await warmPool({ size: 1, unsafeSkipReset: true });
  /**
   * Jobs one at a time, `pauseMs` apart (the pauses are not counted), after as many
   * untimed ones back to back: a pool that has run for a while, its code compiled by V8.
   */
  const sequential = async (
    target: SandboxPool,
    job: (i: number) => SandboxJob,
    n: number,
    pauseMs = 0,
  ) => {
    let inWorker = 0;
    let total = 0;
    for (let i = 1; i <= n; i++) await target.run(job(-i));
    for (let i = 0; i < n; i++) {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const [result, ms] = await timed(() => target.run(job(i)));
      inWorker += result.duration_ms;
      total += ms;
    }
    return { total: total / n, inWorker: inWorker / n };
  };
  const py = (i: number): SandboxJob => ({ language: "python", code: `pass  # ${i}` });
  const js = (i: number): SandboxJob => ({ language: "javascript", code: `// ${i}` });
  const jsModule = (i: number): SandboxJob => ({
    language: "javascript",
    code: `// ${i}\nvoid import.meta;`,
  });
  const python = jsOnly ? undefined : await sequential(pool, py, 200);
  const pythonNoReset = jsOnly ? undefined : await sequential(unsafe, py, 200);
  const javascript = await sequential(pool, js, 200);
  const javascriptNoReset = await sequential(unsafe, js, 200);
  const javascriptPaced = await sequential(pool, (i) => js(1000 + i), 30, JS_PAUSE_MS);
  const javascriptModule = await sequential(pool, jsModule, 50);
  const ts = (i: number): SandboxJob => ({
    language: "typescript",
    code: `const n: number = ${i};`,
  });
  const typescript = await sequential(pool, ts, 50);
  const gold = (i: number): SandboxJob => ({
    language: "javascript",
    code: `function f(x) { return x + ${i} }`,
    test_code: `function check(c) { if (c(1) !== ${1 + i}) throw new Error("wrong") }`,
    entry_point: "f",
  });
  const javascriptGold = await sequential(pool, gold, 50);
  const workerStart = await javascriptWorkerStart(30);
  const emptyStart = await javascriptWorkerStart(30, EMPTY_WORKER);
  await pool.close();
  await unsafe.close();
  const nativeRuns = 20;
  const [, pythonNativeMs] = await timed(async () => {
    for (let i = 0; i < nativeRuns && !jsOnly; i++) await subprocess(pythonCommand, ["-"], "pass");
  });
  const [, denoNativeMs] = await timed(async () => {
    for (let i = 0; i < nativeRuns; i++) {
      await subprocess(Deno.execPath(), ["run", "--no-config", "--no-lock", "-"], "");
    }
  });
  console.log(
    `\nPool start (${cores} processes): ${fixed(firstMs / 1000)} s, second start ${
      fixed(secondMs / 1000)
    } s`,
  );
  console.log("Trivial round trip, one at a time (each kind after as many untimed jobs):");
  if (python && pythonNoReset) {
    // The IPC is what a round trip without the reset spends outside the worker; the
    // reset's share is the rest, so the three parts add up to the round trip.
    const pythonIpc = pythonNoReset.total - pythonNoReset.inWorker;
    console.log(
      `  Python: sandbox ${fixed(python.total)} ms (in the worker ${
        fixed(python.inWorker)
      } ms, reset ${fixed(python.total - python.inWorker - pythonIpc)} ms, IPC and report ${
        fixed(pythonIpc)
      } ms); ${pythonCommand} subprocess ${fixed(pythonNativeMs / nativeRuns)} ms`,
    );
  }
  console.log(
    `  JavaScript: sandbox ${fixed(javascript.total)} ms (in the worker ${
      fixed(javascript.inWorker)
    } ms; with the context kept, benchmark only, ${
      fixed(javascriptNoReset.total)
    } ms: a fresh context costs ${
      fixed(javascript.total - javascriptNoReset.total)
    } ms); deno subprocess ${fixed(denoNativeMs / nativeRuns)} ms`,
  );
  console.log(
    `  JavaScript, ${JS_PAUSE_MS} ms between jobs (time to make the next context ahead): sandbox ${
      fixed(javascriptPaced.total)
    } ms (in the worker ${fixed(javascriptPaced.inWorker)} ms)`,
  );
  console.log(
    `  JavaScript module (a fresh worker): sandbox ${
      fixed(javascriptModule.total)
    } ms (in the worker ${
      fixed(javascriptModule.inWorker)
    } ms; timed alone, a worker's constructor blocks the thread ${
      fixed(workerStart.construct)
    } ms and it loads in ${fixed(workerStart.load)} ms, ${
      fixed(workerStart.cpu)
    } ms of CPU; an empty worker: ${fixed(emptyStart.construct)} ms, ${
      fixed(emptyStart.load)
    } ms, ${fixed(emptyStart.cpu)} ms of CPU)`,
  );
  console.log(
    `  TypeScript (a context of its own): sandbox ${fixed(typescript.total)} ms (in the worker ${
      fixed(typescript.inWorker)
    } ms); JavaScript gold test (a program worker and a checker): sandbox ${
      fixed(javascriptGold.total)
    } ms (in the workers ${fixed(javascriptGold.inWorker)} ms)`,
  );
}

/**
 * Runs `programs` with their gold tests in the pool and under `python3`; the programs
 * whose pass/fail differs, each with both outcomes, and how many pass under `python3`.
 */
async function passFailAgreement(
  pool: SandboxPool,
  programs: HumanEvalProgram[],
): Promise<{ differing: string[]; nativePasses: number }> {
  const ours = await mapConcurrent(programs, cores * 2, (p) => pool.run(humanEvalJob(p)));
  const native = await mapConcurrent(programs, cores, (p) => runNative(p));
  const differing = programs.flatMap((p, i) =>
    (ours[i].status === "ok") === native[i].passed ? [] : [
      `  ${p.task_id}${p.sample >= 0 ? ` sample ${p.sample}` : ""}: sandbox ${
        ours[i].status
      }, python3 ${native[i].timedOut ? "timeout" : native[i].passed ? "pass" : "fail"}`,
    ]
  );
  return { differing, nativePasses: native.filter((n) => n.passed).length };
}

async function fidelity(): Promise<void> {
  const pool = await SandboxPool.start({ size: cores });
  try {
    const programs = [...await humanEvalCanonical(), ...await humanEvalSamples({ perTask: 20 })];
    const humanEval = await passFailAgreement(pool, programs);
    const agreeing = programs.length - humanEval.differing.length;
    console.log(
      `\nHumanEval pass/fail agreement with python3: ${agreeing}/${programs.length} = ${
        fixed(100 * agreeing / programs.length)
      }%`,
    );
    for (const line of humanEval.differing) console.log(line);
    const mbppPrograms = await mbppCanonical();
    const mbpp = await passFailAgreement(pool, mbppPrograms);
    console.log(
      `MBPP reference solutions, pass/fail agreement with python3: ${
        mbppPrograms.length - mbpp.differing.length
      }/${mbppPrograms.length} (${mbpp.nativePasses} pass under python3)`,
    );
    for (const line of mbpp.differing) console.log(line);
    let agree = 0;
    let total = 0;
    for (const problem of APPS_PROBLEMS) {
      const { tests, programs: apps } = await appsProblem(problem);
      const verdicts = await mapConcurrent(apps, cores * 2, (p) => judgeApps(pool, tests, p));
      for (const [i, verdict] of verdicts.entries()) {
        total++;
        if (verdict.verdict === apps[i].upstream) agree++;
      }
    }
    console.log(`APPS upstream verdicts reproduced: ${agree}/${total}`);
  } finally {
    await pool.close();
  }
}

if (Deno.args.includes("--round-trip")) {
  await roundTrips();
  Deno.exit(0);
}

const canonical = await humanEvalCanonical();
const pythonCalls = canonical.flatMap((program) =>
  parseAssertTests(program.test_code, { entryPoint: program.entry_point }).kept.map((test) =>
    pythonCall(program.code, program.entry_point, test.input)
  )
);
if (!jsOnly) {
  const runs = 10;
  const [, startMs] = await timed(async () => {
    for (let i = 0; i < runs; i++) await subprocess(pythonCommand, ["-c", "pass"], "");
  });
  await throughput(
    "Python calls (HumanEval canonical solutions × their test inputs)",
    pythonCalls,
    canonical.length,
    `${pythonCommand} subprocess per call (starts in ${fixed(startMs / runs, 0)} ms)`,
  );
}

const javascriptCalls = Array.from({ length: 60 }, (_, k) => {
  const code =
    `function f(xs, n) {\n  return xs.map((x) => x * ${k} + n).reduce((a, b) => a + b, 0);\n}`;
  return Array.from(
    { length: 8 },
    (_, i) => javascriptCall(code, "f", `[${i}, ${i + 1}, ${k}], ${i}`),
  );
}).flat();
await throughput(
  "JavaScript calls (generated programs × inputs)",
  javascriptCalls,
  60,
  "deno subprocess per call",
);

await roundTrips();
if (Deno.args.includes("--fidelity")) await fidelity();
