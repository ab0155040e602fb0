/**
 * A hand-made code problem for stage tests: a Python function `f`.
 *
 * @module
 */
import type { CodeProblem } from "../../src/model/problem.ts";

/** A Python function problem with entry point `f`, plus `extra` fields. */
export function functionProblem(extra: Partial<CodeProblem> = {}): CodeProblem {
  return {
    id: "c",
    kind: "code",
    language: "python",
    style: "function",
    entry_point: "f",
    prompt: "",
    ...extra,
  };
}
