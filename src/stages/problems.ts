/**
 * The problem source stage: of the problems read, those a recipe handles and that
 * no earlier invocation of the run finished.
 *
 * @module
 */
import type { Problem } from "../model/problem.ts";
import type { StageMetrics } from "../metrics/metrics.ts";
import { filter } from "../stream/map.ts";
import type { Stage } from "../stream/stage.ts";

/** Options for {@link problemSource}. */
export interface ProblemSourceOptions<P extends Problem> {
  /** The kinds of problem the recipe handles. */
  accept: (problem: Problem) => problem is P;
  /** True when the run finished the problem already (a resumed run skips it). */
  isFinished?: (problem: P) => boolean;
  /** Called for each problem skipped because it was finished. */
  onResumed?: (problem: P) => void;
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
  /** Hooks of the stage's metrics. */
  metrics?: StageMetrics;
}

/**
 * The problem source: keeps the problems `accept` takes and the run has not
 * finished, in order.
 *
 * @example Keep unfinished math problems
 * ```ts
 * import { problemSource } from "./problems.ts";
 * import { pipe } from "../stream/stage.ts";
 * import type { MathProblem, Problem } from "../model/problem.ts";
 * import assert from "node:assert";
 * const problems: Problem[] = [
 *   { id: "a", kind: "math", prompt: "1+1" },
 *   { id: "b", kind: "math", prompt: "2+2" },
 *   { id: "c", kind: "code", language: "python", style: "stdio", prompt: "" },
 * ];
 * const source = problemSource({
 *   accept: (p): p is MathProblem => p.kind === "math",
 *   isFinished: (p) => p.id === "a",
 * });
 * const ids = (await Array.fromAsync(pipe(problems, source))).map((p) => p.id);
 * assert.deepEqual(ids, ["b"]);
 * ```
 */
export function problemSource<P extends Problem>(
  options: ProblemSourceOptions<P>,
): Stage<Problem, P> {
  const { accept, isFinished, onResumed } = options;
  return filter((problem: Problem): problem is P => {
    if (!accept(problem)) return false;
    if (isFinished?.(problem)) {
      onResumed?.(problem);
      return false;
    }
    return true;
  }, {
    name: "problems",
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  }) as Stage<Problem, P>;
}
