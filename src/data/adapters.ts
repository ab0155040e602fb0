/**
 * Dataset adapters: read public datasets as {@link Problem} streams, from JSONL or
 * Parquet files, folders of shards or globs, in each dataset's hub schema. Formats:
 * the project's own problems, GSM8K, MATH-500, NuminaMath-CoT (and other
 * problem + solution math sets), HumanEval, MBPP (sanitized, CodeT layout), APPS
 * folders, CodeContests, LiveCodeBench code generation, Magicoder-OSS-Instruct and
 * xCodeEval program synthesis. The format is detected from the first record.
 *
 * @module
 */
import { join } from "node:path";
import { FieldError, PfpoError } from "../errors.ts";
import type { JsonlError } from "../io/jsonl.ts";
import { type RecordError, recordError } from "../io/record_error.ts";
import { dataFiles, readRecords, type SourceRecord } from "../io/records.ts";
import { extractAnswer } from "../math/extract.ts";
import { asRecord, requireString } from "../model/fields.ts";
import {
  type CodeProblem,
  entryPointName,
  type MathProblem,
  parseProblem,
  type Problem,
  type TestCase,
} from "../model/problem.ts";
import { codeContestsProblem, magicoderProblem, xCodeEvalProblem } from "./code_datasets.ts";
import { pickMeta } from "./hub_fields.ts";
import { liveCodeBenchProblem } from "./livecodebench.ts";
import { jsonToPython } from "./python_repr.ts";
import { select, type Selection } from "./select.ts";

/** The problem formats {@link readProblems} understands. */
export const PROBLEM_FORMATS = [
  "problems",
  "gsm8k",
  "math500",
  "numina",
  "humaneval",
  "mbpp",
  "apps",
  "code_contests",
  "livecodebench",
  "magicoder",
  "xcodeeval",
] as const;
/** A problem format. */
export type ProblemFormat = typeof PROBLEM_FORMATS[number];

/** The fields each format is recognised by (what the unknown-format error lists). */
export const FORMAT_FIELDS: Record<ProblemFormat, string> = {
  problems: "id, kind, prompt",
  gsm8k: "question, answer",
  math500: "problem, answer",
  numina: "problem (or question), solution",
  humaneval: "task_id HumanEval/…, prompt, entry_point, test",
  mbpp: "task_id, prompt, entry_point, test",
  apps: "a folder of question.txt + input_output.json",
  code_contests: "description, public_tests, private_tests",
  livecodebench: "question_content, public_test_cases",
  magicoder: "problem, solution, lang, seed",
  xcodeeval: "src_uid, description, sample_inputs",
};

/** The first record of a dataset fits no known format. */
export class UnknownFormatError extends PfpoError {}

/** Options for {@link readProblems}. */
export interface ReadProblemsOptions {
  /** The format; detected from the path and first record when absent. */
  format?: ProblemFormat;
  /** Which records to use, in which order (filters on the dataset's own fields). */
  selection?: Selection;
  /** Skip malformed records (calling `onSkip`) instead of stopping. Default `false`. */
  skipMalformed?: boolean;
  /** Called for each skipped record. */
  onSkip?: (error: RecordError) => void;
  /** Stops reading when aborted. */
  signal?: AbortSignal;
}

/**
 * Streams the problems of a dataset: a JSONL or Parquet file, a folder of shards,
 * a glob (`data/train-*.parquet`), or an APPS folder, in any supported format. A
 * record that breaks its format's schema stops the stream with an error naming the
 * file, line or row, and field (or is skipped with `skipMalformed`). Ids that
 * datasets do not carry come from the record's index across all the files, so they
 * do not depend on the selection.
 *
 * @example Read a problems file
 * ```ts
 * import { readProblems } from "./adapters.ts";
 * import assert from "node:assert";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"question": "1+1?", "answer": "1+1=2\\n#### 2"}\n');
 * const [problem] = await Array.fromAsync(readProblems(path));
 * assert.deepEqual(problem, { id: "gsm8k/0", kind: "math", prompt: "1+1?", answer: "2" });
 * ```
 */
export async function* readProblems(
  path: string,
  options: ReadProblemsOptions = {},
): AsyncGenerator<Problem> {
  if (options.format === "apps" || (!options.format && await isAppsFolder(path))) {
    yield* select(readAppsDirectory(path), options.selection ?? {}, (p) => p);
    return;
  }
  const files = await dataFiles(path);
  const format = options.format ?? await detectFormat(files);
  const parse = PARSERS[format as Exclude<ProblemFormat, "apps">];
  const records = readRecords(files, {
    skipMalformed: options.skipMalformed,
    onSkip: options.onSkip,
    signal: options.signal,
  });
  for await (const record of select(records, options.selection ?? {}, (r) => r.value)) {
    let problem: Problem;
    try {
      problem = parse(asRecord(record.value), record.index);
    } catch (cause) {
      const error = recordError(record, cause);
      if (!options.skipMalformed) throw error;
      options.onSkip?.(error);
      continue;
    }
    yield problem;
  }
}

const PARSERS: Record<
  Exclude<ProblemFormat, "apps">,
  (r: Record<string, unknown>, i: number) => Problem
> = {
  problems: (record) => parseProblem(record),
  gsm8k: gsm8kProblem,
  math500: math500Problem,
  numina: numinaProblem,
  humaneval: (record) => checkProblem(record, "humaneval"),
  mbpp: (record) => checkProblem(record, "mbpp"),
  code_contests: codeContestsProblem,
  livecodebench: liveCodeBenchProblem,
  magicoder: magicoderProblem,
  xcodeeval: xCodeEvalProblem,
};

/**
 * Tells a record's format by its fields, or `undefined` when it fits none.
 *
 * @example A NuminaMath-CoT record
 * ```ts
 * import { formatOf } from "./adapters.ts";
 * import assert from "node:assert";
 * assert.equal(formatOf({ source: "amc_aime", problem: "…", solution: "… \\boxed{3}" }), "numina");
 * ```
 */
export function formatOf(record: Record<string, unknown>): ProblemFormat | undefined {
  const has = (...fields: string[]) => fields.every((f) => f in record);
  if (has("kind") || has("id", "prompt")) return "problems";
  if (has("question", "answer")) return "gsm8k";
  if (has("problem", "answer")) return "math500";
  if (has("entry_point", "test")) {
    return String(record.task_id ?? "").startsWith("HumanEval") ? "humaneval" : "mbpp";
  }
  if (has("question_content", "public_test_cases")) return "livecodebench";
  if (has("description", "public_tests")) return "code_contests";
  if (has("src_uid", "description")) return "xcodeeval";
  if (has("problem", "solution", "lang")) return "magicoder";
  if (has("problem", "solution") || has("question", "solution")) return "numina";
  return undefined;
}

/**
 * Detects the format of a dataset from its first record (the first file's). A
 * first line that is not JSON reads as `problems`, so that the reader reports it;
 * a record that fits no format is an {@link UnknownFormatError} listing its fields
 * and the formats known.
 */
export async function detectFormat(files: readonly string[] | string): Promise<ProblemFormat> {
  if (typeof files === "string" && await isAppsFolder(files)) return "apps";
  const list = typeof files === "string" ? await dataFiles(files) : files;
  let first: SourceRecord | undefined;
  try {
    for await (const record of readRecords(list.slice(0, 1))) {
      first = record;
      break;
    }
  } catch (error) {
    if ((error as JsonlError).line !== undefined) return "problems";
    throw error;
  }
  if (!first) return "problems";
  const record = first.value;
  const format = record !== null && typeof record === "object" && !Array.isArray(record)
    ? formatOf(record as Record<string, unknown>)
    : undefined;
  if (format) return format;
  const fields = record !== null && typeof record === "object" ? Object.keys(record) : [];
  const known = Object.entries(FORMAT_FIELDS).map(([name, f]) => `  ${name}: ${f}`).join("\n");
  throw new UnknownFormatError(
    `Cannot tell the format of ${first.file}: its first record has the fields ${
      fields.join(", ") || "(none)"
    }; known formats (--format NAME) and the fields they need:\n${known}`,
  );
}

/** A GSM8K record (`question`, `answer` ending in `#### N`). */
export function gsm8kProblem(record: Record<string, unknown>, index: number): MathProblem {
  const solution = requireString(record, "answer");
  const marker = solution.lastIndexOf("####");
  if (marker < 0) throw new FieldError("answer", 'has no "####" final answer');
  const answer = solution.slice(marker + 4).trim().replaceAll(",", "");
  return { id: `gsm8k/${index}`, kind: "math", prompt: requireString(record, "question"), answer };
}

/** A MATH-500 record (`problem`, `answer`, `unique_id`). */
export function math500Problem(record: Record<string, unknown>, index: number): MathProblem {
  const uniqueId = typeof record.unique_id === "string" ? record.unique_id : String(index);
  return {
    id: `math500/${uniqueId.replace(/\.json$/, "")}`,
    kind: "math",
    prompt: requireString(record, "problem"),
    answer: requireString(record, "answer"),
  };
}

/**
 * A NuminaMath-CoT record (`problem`, `solution` ending in a `\\boxed{}` answer,
 * `source`), or any problem + solution math set (`question` for `problem` too, as
 * MathScale-style sets): the gold answer is the solution's final answer, absent
 * when it has none (a proof). `meta` keeps `source` (and MATH's `level`, `type`).
 */
export function numinaProblem(record: Record<string, unknown>, index: number): MathProblem {
  const prompt = typeof record.problem === "string"
    ? record.problem
    : requireString(record, "question");
  const answer = extractAnswer(requireString(record, "solution"));
  const meta = pickMeta(record, ["source", "level", "type"]);
  return {
    id: `numina/${index}`,
    kind: "math",
    prompt,
    ...(answer !== undefined ? { answer } : {}),
    ...(meta ? { meta } : {}),
  };
}

/** A HumanEval or MBPP record (`task_id`, `prompt`, `entry_point`, `test`). */
export function checkProblem(record: Record<string, unknown>, dataset: string): CodeProblem {
  const taskId = requireString(record, "task_id");
  return {
    id: `${dataset}/${taskId.split("/").at(-1)}`,
    kind: "code",
    language: "python",
    style: "function",
    entry_point: entryPointName(requireString(record, "entry_point"), "entry_point"),
    prompt: requireString(record, "prompt"),
    test_code: requireString(record, "test"),
  };
}

/**
 * Reads an APPS directory: either one problem folder (`question.txt`,
 * `input_output.json`, optional `starter_code.py`) or a folder of them, in name
 * order. Problems with `fn_name` are function style: arguments become a Python
 * argument list and a one-element output list is unwrapped, as the APPS harness
 * accepts.
 */
export async function* readAppsDirectory(path: string): AsyncGenerator<CodeProblem> {
  if (await isFile(join(path, "question.txt"))) {
    yield await appsProblem(path);
    return;
  }
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) if (entry.isDirectory) names.push(entry.name);
  for (const name of names.sort()) {
    if (await isFile(join(path, name, "question.txt"))) yield await appsProblem(join(path, name));
  }
}

async function appsProblem(folder: string): Promise<CodeProblem> {
  const name = folder.replace(/\/+$/, "").split("/").at(-1) as string;
  const question = await Deno.readTextFile(join(folder, "question.txt"));
  const starter = await Deno.readTextFile(join(folder, "starter_code.py")).catch(() => "");
  const ioPath = join(folder, "input_output.json");
  let io: Record<string, unknown>;
  try {
    io = asRecord(JSON.parse(await Deno.readTextFile(ioPath)));
  } catch (cause) {
    throw new FieldError("input_output", `of ${ioPath} is not a JSON object`, { cause });
  }
  const inputs = io.inputs;
  const outputs = io.outputs;
  if (!Array.isArray(inputs) || !Array.isArray(outputs) || inputs.length !== outputs.length) {
    throw new FieldError("inputs", `of ${ioPath} must be an array as long as "outputs"`);
  }
  const id = `apps/${name}`;
  const prompt = starter ? `${question}\n${starter}` : question;
  if (typeof io.fn_name === "string") {
    const entryPoint = entryPointName(io.fn_name, "fn_name");
    const tests: TestCase[] = inputs.map((args, i) => ({
      input: (Array.isArray(args) ? args : [args]).map(jsonToPython).join(", "),
      output: jsonToPython(unwrap(outputs[i])),
    }));
    return {
      id,
      kind: "code",
      language: "python",
      style: "function",
      entry_point: entryPoint,
      prompt,
      tests,
    };
  }
  const tests: TestCase[] = inputs.map((input, i) => ({
    input: String(input),
    output: Array.isArray(outputs[i]) ? outputs[i].join("\n") : String(outputs[i]),
  }));
  return { id, kind: "code", language: "python", style: "stdio", prompt, tests };
}

function unwrap(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

async function isAppsFolder(path: string): Promise<boolean> {
  const stat = await Deno.stat(path).catch(() => undefined);
  if (!stat?.isDirectory) return false;
  if (await isFile(join(path, "question.txt"))) return true;
  for await (const entry of Deno.readDir(path)) {
    if (entry.isDirectory && await isFile(join(path, entry.name, "question.txt"))) return true;
  }
  return false;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
