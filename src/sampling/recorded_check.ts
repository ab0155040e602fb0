/**
 * A look, before any work, at the start of a recorded samples file against the
 * start of the problems: do the ids match (and if not, do they match but for case),
 * and are the completions of code problems base-model continuations of the prompt
 * (a bare function body, no fenced block) rather than chat answers.
 *
 * @module
 */
import type { Problem } from "../model/problem.ts";
import type { RecordedSamples } from "../model/sample.ts";

/** What {@link checkRecordedSamples} found. */
export interface RecordedSamplesCheck {
  /** Problems looked at. */
  problems: number;
  /** Of those, problems a record has the same id as. */
  matched: number;
  /** Of the others, problems a record has the id of but for case and surrounding blanks. */
  matchedIgnoringCase: number;
  /** An unmatched problem's id and the record id nearest to it (the same but for case, else the first). */
  example?: { problem: string; record: string };
  /** Completions of matched function-style code problems looked at. */
  codeCompletions: number;
  /** Of those, continuations: no fenced block, the first line indented (a function body). */
  continuations: number;
}

const loose = (id: string) => id.trim().toLowerCase();

/** A completion that continues a prompt ending in a function signature: no fence, an indented first line. */
function isContinuation(completion: string): boolean {
  if (completion.includes("```")) return false;
  const first = completion.split("\n").find((line) => line.trim() !== "");
  return first !== undefined && /^[ \t]/.test(first);
}

/**
 * Compares `problems` with `records` (both the first few of their files: the caller
 * bounds them).
 *
 * @example Ids that differ only in case
 * ```ts
 * import { checkRecordedSamples } from "./recorded_check.ts";
 * import assert from "node:assert";
 * const check = checkRecordedSamples(
 *   [{ id: "HumanEval/0", kind: "math", prompt: "?" }],
 *   [{ problem_id: "humaneval/0", completions: ["x"] }],
 * );
 * assert.deepEqual([check.matched, check.matchedIgnoringCase], [0, 1]);
 * ```
 */
export function checkRecordedSamples(
  problems: Iterable<Problem>,
  records: Iterable<RecordedSamples>,
): RecordedSamplesCheck {
  const byId = new Map<string, RecordedSamples>();
  const byLooseId = new Map<string, string>();
  let first: string | undefined;
  for (const record of records) {
    first ??= record.problem_id;
    if (!byId.has(record.problem_id)) byId.set(record.problem_id, record);
    if (!byLooseId.has(loose(record.problem_id))) {
      byLooseId.set(loose(record.problem_id), record.problem_id);
    }
  }
  const check: RecordedSamplesCheck = {
    problems: 0,
    matched: 0,
    matchedIgnoringCase: 0,
    codeCompletions: 0,
    continuations: 0,
  };
  let nearExample: RecordedSamplesCheck["example"];
  let otherExample: RecordedSamplesCheck["example"];
  for (const problem of problems) {
    check.problems++;
    const record = byId.get(problem.id);
    if (!record) {
      const near = byLooseId.get(loose(problem.id));
      if (near !== undefined) {
        check.matchedIgnoringCase++;
        nearExample ??= { problem: problem.id, record: near };
      } else if (first !== undefined) otherExample ??= { problem: problem.id, record: first };
      continue;
    }
    check.matched++;
    if (problem.kind !== "code" || problem.style !== "function") continue;
    for (const completion of record.completions) {
      check.codeCompletions++;
      if (isContinuation(completion)) check.continuations++;
    }
  }
  const example = nearExample ?? otherExample;
  return example ? { ...check, example } : check;
}

/**
 * What a check should tell the user before the run starts, in sentence case: most
 * problem ids unmatched (with the likely fix), or continuations paired with chat
 * prompts (`api` is the policy API the pairs' prompts are built for).
 *
 * @example Continuations with chat prompts
 * ```ts
 * import { recordedSamplesWarnings } from "./recorded_check.ts";
 * import assert from "node:assert";
 * const check = { problems: 2, matched: 2, matchedIgnoringCase: 0, codeCompletions: 4, continuations: 4 };
 * assert.match(recordedSamplesWarnings(check, { api: "chat" })[0], /--api completions/);
 * assert.deepEqual(recordedSamplesWarnings(check, { api: "completions" }), []);
 * ```
 */
export function recordedSamplesWarnings(
  check: RecordedSamplesCheck,
  options: { api: "chat" | "completions"; samplesFlag?: string },
): string[] {
  const flag = options.samplesFlag ?? "--samples";
  const warnings: string[] = [];
  const unmatched = check.problems - check.matched;
  if (check.problems > 0 && unmatched > check.problems / 2) {
    const { example } = check;
    const shown = example
      ? ` (e.g. problem "${example.problem}", recorded "${example.record}")`
      : " (the file holds no records)";
    const fix = check.matchedIgnoringCase > unmatched / 2
      ? `the ids differ only in case: make the problem_id of the ${flag} file match the problems' ids`
      : `check that the ${flag} file belongs to these problems`;
    warnings.push(
      `Recorded samples match ${check.matched} of the first ${check.problems} problems${shown}; ` +
        `those without samples give no pairs (no_samples): ${fix}`,
    );
  }
  if (
    options.api === "chat" && check.codeCompletions > 0 &&
    check.continuations > check.codeCompletions / 2
  ) {
    warnings.push(
      `Recorded code completions continue the prompt (${check.continuations} of ` +
        `${check.codeCompletions} are a bare function body without a fenced block), but with ` +
        `--api chat the pairs' prompt asks for a fenced code block: pass --api completions ` +
        `so that the pairs' prompt is the one the completions continue`,
    );
  }
  return warnings;
}
