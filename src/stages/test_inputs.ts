/**
 * The test inputs stage: each code problem with the inputs its programs will run on
 * — its own `test_inputs`, else those a generator (a frontier model) writes for it,
 * else none, so that the problem is recorded `no_tests` further on.
 *
 * @module
 */
import type { CodeProblem } from "../model/problem.ts";
import { AbortedError } from "../errors.ts";
import { type Stage, stage } from "../stream/stage.ts";

/** Options for {@link testInputs}. */
export interface TestInputsOptions<P extends CodeProblem> {
  /**
   * Writes inputs for problems that have none: yields each problem of the batch it
   * is given, with `test_inputs` (a problem it cannot serve may be left out, e.g.
   * when its request failed and a re-run retries it). Without one, such problems go
   * on as they are.
   */
  generate?: (batch: P[]) => AsyncIterable<P>;
  /** Problems without inputs given to `generate` at once. Default 16. */
  batch?: number;
  /** Ends the stream with `AbortedError`. */
  signal?: AbortSignal;
}

/**
 * The test inputs stage. Problems with their own inputs pass at once; the others
 * are gathered into batches for `generate`.
 *
 * @example A problem without inputs gets the generator's
 * ```ts
 * import { testInputs } from "./test_inputs.ts";
 * import { pipe } from "../stream/stage.ts";
 * import assert from "node:assert";
 * const problem = { id: "p", kind: "code", language: "python", style: "stdio", prompt: "" } as const;
 * const stage = testInputs({
 *   generate: async function* (batch) { for (const p of batch) yield { ...p, test_inputs: ["1\n"] }; },
 * });
 * const [out] = await Array.fromAsync(pipe([problem], stage));
 * assert.deepEqual(out.test_inputs, ["1\n"]);
 * ```
 */
export function testInputs<P extends CodeProblem>(options: TestInputsOptions<P> = {}): Stage<P, P> {
  const size = options.batch ?? 16;
  const { generate, signal } = options;
  return stage("test inputs", async function* (problems: AsyncIterable<P>) {
    const missing: P[] = [];
    const serve = (batch: P[]): AsyncIterable<P> | P[] => generate ? generate(batch) : batch;
    for await (const problem of problems) {
      if (signal?.aborted) throw new AbortedError(signal.reason);
      if (problem.test_inputs?.length) {
        yield problem;
        continue;
      }
      missing.push(problem);
      if (missing.length >= size) yield* serve(missing.splice(0));
    }
    if (missing.length) yield* serve(missing);
  });
}
