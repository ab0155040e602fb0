/**
 * The code-execution sandbox: a pool of zero-permission Deno processes that run
 * untrusted Python (on Pyodide) and JavaScript/TypeScript programs with time,
 * memory and output limits and isolation between executions; the judge that
 * compares outputs in the parent; and the execution cache.
 *
 * @module
 */
export {
  SandboxPool,
  SandboxPoolError,
  type SandboxPoolOptions,
  type SandboxRunOptions,
} from "./pool.ts";
export {
  DEFAULT_LIMITS,
  parseSandboxJob,
  type SandboxCall,
  type SandboxJob,
  type SandboxLimits,
} from "./job.ts";
export {
  type ExecuteOptions,
  type Executor,
  type ProgramInput,
  type ProgramJob,
  sandboxJobs,
} from "./executor.ts";
export { ExecutionCache, type ExecutionCacheOptions } from "./cache.ts";
export { SandboxStartError } from "./process.ts";
export { canonicalJson } from "./canonical.ts";
export {
  canonicalFromPython,
  type CompareOptions,
  type Expected,
  judge,
  judgeTests,
  type OutputMatch,
  sameOutput,
  sameResult,
  sameValue,
  type TestReport,
  type Verdict,
} from "./judge.ts";
export { type ExecBatchOptions, type ExecBatchSummary, runExecBatch } from "./exec.ts";
