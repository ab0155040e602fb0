/**
 * The execution seam: a program with all of its inputs in, one result per input out.
 * The local {@link SandboxPool} implements it; remote workers can implement it too, so
 * the pipeline's execute stage does not know where programs run.
 *
 * @module
 */
import type { ExecutionResult } from "../src/model/execution.ts";
import type { CodeLanguage } from "../src/model/problem.ts";
import type { SandboxCall, SandboxJob } from "./job.ts";

/** How one execution of a {@link ProgramJob} drives its program. */
export type ProgramInput =
  | { stdin: string }
  | { call: SandboxCall }
  | { test_code: string; entry_point?: string };

/** One program and every input it runs on: the unit an {@link Executor} takes. */
export interface ProgramJob {
  /** The program's language. */
  language: CodeLanguage;
  /** The program's source. */
  code: string;
  /** One execution per entry; results come back in the same order. */
  inputs: readonly ProgramInput[];
  /** Wall-clock limit per execution; the executor's default when absent. */
  timeout_ms?: number;
  /** Memory limit per execution; the executor's default when absent. */
  memory_mb?: number;
}

/** Options for {@link Executor.execute}. */
export interface ExecuteOptions {
  /** Cancels the program's executions that have not ended. */
  signal?: AbortSignal;
}

/** Runs programs somewhere: the local sandbox pool, or workers elsewhere. */
export interface Executor {
  /**
   * Runs the program on each of its inputs. Resolves with one result per input, in
   * input order; a program that fails, hangs or exhausts a limit gets a result with
   * that status. Rejects only when the executor cannot run it at all or the signal
   * aborts (with `AbortedError`).
   */
  execute(job: ProgramJob, options?: ExecuteOptions): Promise<ExecutionResult[]>;
  /** Releases the executor's resources. Idempotent. */
  close(): Promise<void>;
}

/** The single-execution jobs of a {@link ProgramJob}, in input order. */
export function sandboxJobs(job: ProgramJob): SandboxJob[] {
  const limits = {
    ...(job.timeout_ms !== undefined ? { timeout_ms: job.timeout_ms } : {}),
    ...(job.memory_mb !== undefined ? { memory_mb: job.memory_mb } : {}),
  };
  return job.inputs.map((input) => ({
    language: job.language,
    code: job.code,
    ...input,
    ...limits,
  }));
}
