/**
 * The execute stage: every program of a problem on every one of its inputs, through
 * an {@link Executor} (the local sandbox pool, or workers elsewhere). One executor
 * job is one program with all of its inputs; the item's abort signal reaches every
 * job, and when one of an item's jobs fails the item's other jobs are stopped.
 *
 * @module
 */
import { AbortedError, PfpoError } from "../errors.ts";
import type { ExecutionResult } from "../model/execution.ts";
import type { CodeProblem } from "../model/problem.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import type { ErrorSink } from "../stream/errors.ts";
import { map } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";
import type { ExecuteOptions, Executor, ProgramInput } from "../../sandbox/executor.ts";

/** What the execute stage needs from an item: a problem, its programs and their inputs. */
export interface Executable {
  /** The problem whose programs run. */
  problem: CodeProblem;
  /** The program of each sample, by sample index (`undefined`: none could be extracted). */
  programs: readonly (string | undefined)[];
  /** How each execution of a program is driven; every program runs on every one. */
  runs: readonly ProgramInput[];
}

/**
 * Results by program and run: `results[program][run]`, a row of `undefined` for a
 * sample without a program.
 */
export type ExecutionMatrix = (ExecutionResult | undefined)[][];

/** An item after the execute stage. */
export type Executed<T extends Executable> = T & { results: ExecutionMatrix };

/**
 * The runs of test inputs, per the problem's style: stdin text, or the arguments of
 * a call to its entry point.
 *
 * @example A function-style problem's runs
 * ```ts
 * import { inputRuns } from "./execute.ts";
 * import assert from "node:assert";
 * const problem = {
 *   id: "p", kind: "code", language: "python", style: "function", entry_point: "f", prompt: "",
 * } as const;
 * assert.deepEqual(inputRuns(problem, ["1, 2"]), [{ call: { entry_point: "f", args: "1, 2" } }]);
 * ```
 */
export function inputRuns(problem: CodeProblem, inputs: readonly string[]): ProgramInput[] {
  return inputs.map((input) =>
    problem.style === "function"
      ? { call: { entry_point: problem.entry_point, args: input } }
      : { stdin: input }
  );
}

/** The run of a problem's gold `check(candidate)` code, when it has one. */
export function checkRuns(problem: CodeProblem): ProgramInput[] {
  if (problem.test_code === undefined) return [];
  return [{
    test_code: problem.test_code,
    ...(problem.style === "function" ? { entry_point: problem.entry_point } : {}),
  }];
}

/**
 * The sandbox could not run one of a problem's programs (a `sandbox_error` result:
 * the sandbox failed, not the program, and its retry failed too). Such a result is
 * not an outcome of the program: the problem's results are not used, and a re-run
 * runs them again.
 */
export class SandboxFailureError extends PfpoError {
  /** The problem whose program could not be run. */
  readonly problemId: string;

  /** Names the problem and the sandbox's reason. */
  constructor(problemId: string, reason: string) {
    super(
      `The sandbox could not run a program of ${problemId}: ${reason || "no reason given"}; ` +
        "the problem stays unfinished and a re-run runs it again",
    );
    this.problemId = problemId;
  }
}

/** Options for {@link executeAll} and {@link executeStage}. */
export interface ExecuteAllOptions {
  /** Cancels the item's executions. */
  signal?: AbortSignal;
  /** Programs of one item in flight at once. Default: all of them (the executor queues). */
  programs?: number;
}

/**
 * Runs every program of an item on every run through `executor`. When one
 * program's job fails (the executor could not run it, or answered a
 * `sandbox_error`: {@link SandboxFailureError}) or `signal` aborts, the item's other
 * jobs are aborted and the call rejects (with `AbortedError` on abort).
 */
export async function executeAll(
  executor: Executor,
  item: Executable,
  options: ExecuteAllOptions = {},
): Promise<ExecutionMatrix> {
  const { problem, programs, runs } = item;
  const results: ExecutionMatrix = programs.map(() => new Array(runs.length).fill(undefined));
  if (runs.length === 0) return results;
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  const execute: ExecuteOptions = { signal };
  const queue = programs.flatMap((code, p) => (code === undefined ? [] : [{ code, p }]));
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      if (signal.aborted) throw new AbortedError(signal.reason);
      const { code, p } = queue[next++];
      const row = await executor.execute(
        { language: problem.language, code, inputs: runs },
        execute,
      );
      const failed = row.find((result) => result.status === "sandbox_error");
      if (failed) throw new SandboxFailureError(problem.id, failed.stderr);
      results[p] = row;
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(options.programs ?? queue.length, queue.length)) },
    worker,
  );
  try {
    await Promise.all(workers.map((w) =>
      w.catch((error) => {
        own.abort(error);
        throw error;
      })
    ));
  } catch (error) {
    await Promise.allSettled(workers);
    if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
    throw error;
  }
  return results;
}

/** Options for {@link executeStage}. */
export interface ExecuteStageOptions<T = Executable> extends ExecuteAllOptions {
  /** Where programs run. */
  executor: Executor;
  /** Items executing at once (executions of different problems overlap). Default 4. */
  concurrency?: number;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
  /** Called with each item's results (e.g. for the dashboard's problem detail). */
  onExecuted?: (item: Executed<Executable>) => void;
  /**
   * Receives the items whose programs could not be run (e.g. a
   * {@link SandboxFailureError}), which then leave the stream. Default: the
   * stream fails with the error.
   */
  onFailed?: ErrorSink<T>;
}

/**
 * The execute stage: adds `results` (program × run) to each item, items in
 * completion order. The item's signal reaches its executor jobs.
 *
 * @example Run two programs through an executor
 * ```ts
 * import { executeStage, inputRuns } from "./execute.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const echo = {
 *   execute: (job: { inputs: readonly unknown[] }) =>
 *     Promise.resolve(job.inputs.map(() => ({ status: "ok" as const, stdout: "1", stderr: "", duration_ms: 1 }))),
 *   close: () => Promise.resolve(),
 * };
 * const problem = { id: "p", kind: "code", language: "python", style: "stdio", prompt: "" } as const;
 * const [out] = await Array.fromAsync(pipe(
 *   [{ problem, programs: ["print(1)", undefined], runs: inputRuns(problem, ["", ""]) }],
 *   executeStage({ executor: echo }),
 * ));
 * assert.equal(out.results[0].length, 2);
 * assert.deepEqual(out.results[1], [undefined, undefined]);
 * ```
 */
export function executeStage<T extends Executable>(
  options: ExecuteStageOptions<T>,
): Stage<T, Executed<T>> {
  const { executor, onExecuted } = options;
  return map(async (item: T, { signal }) => {
    const results = await executeAll(executor, item, { ...options, signal });
    const executed = { ...item, results };
    onExecuted?.(executed);
    return executed;
  }, {
    name: "execute",
    concurrency: options.concurrency ?? 4,
    ordered: false,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.onFailed ? { onError: options.onFailed } : {}),
  });
}

/** What a run was given, as text: its stdin, its call's arguments, or the check code. */
export function runLabel(run: ProgramInput): string {
  if ("stdin" in run) return run.stdin;
  if ("call" in run) return run.call.args;
  return "check(candidate)";
}

/**
 * An executed item's results as one list (sample, input, result), for the
 * dashboard's problem detail.
 */
export function problemExecutions(item: Executed<Executable>): {
  problem: CodeProblem;
  executions: { sample_index: number; input: string; result: ExecutionResult }[];
} {
  const executions = item.results.flatMap((row, sample_index) =>
    row.flatMap((result, i) =>
      result ? [{ sample_index, input: runLabel(item.runs[i]), result }] : []
    )
  );
  return { problem: item.problem, executions };
}
