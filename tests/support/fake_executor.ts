/**
 * An executor for tests of the stages that run programs: it answers without a
 * sandbox and records its jobs and aborts.
 *
 * @module
 */
import { AbortedError } from "../../src/errors.ts";
import type { ExecutionResult } from "../../src/model/execution.ts";
import type { ExecuteOptions, Executor, ProgramJob } from "../../sandbox/executor.ts";

const ok = (stdout: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
});

/**
 * An executor that answers `code:input`, or waits until aborted for code "hang",
 * fails for "fail", or answers `sandbox_error` (the sandbox could not run it) for
 * "unrunnable".
 */
export class FakeExecutor implements Executor {
  jobs: ProgramJob[] = [];
  aborted: string[] = [];
  execute(job: ProgramJob, options: ExecuteOptions = {}): Promise<ExecutionResult[]> {
    this.jobs.push(job);
    if (job.code === "fail") return Promise.reject(new Error("worker died"));
    if (job.code === "unrunnable") {
      return Promise.resolve(job.inputs.map(() => ({
        status: "sandbox_error" as const,
        stdout: "",
        stderr: "The interpreter failed outside the program",
        duration_ms: 1,
      })));
    }
    if (job.code === "hang") {
      return new Promise((_, reject) => {
        options.signal?.addEventListener("abort", () => {
          this.aborted.push(job.code);
          reject(new AbortedError(options.signal?.reason));
        });
      });
    }
    return Promise.resolve(
      job.inputs.map((input) => ok(`${job.code}:${"call" in input ? input.call.args : "?"}`)),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
