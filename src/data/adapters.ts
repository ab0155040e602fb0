/**
 * Dataset adapters: read public benchmark formats as {@link Problem} streams.
 * Formats: the project's own problems JSONL, GSM8K, MATH-500, HumanEval, MBPP
 * (sanitized, CodeT layout) and the APPS directory layout (both test styles).
 *
 * @module
 */
import { join } from "node:path";
import { FieldError } from "../errors.ts";
import { readJsonl, type ReadJsonlOptions, readLines } from "../io/jsonl.ts";
import { asRecord, requireString } from "../model/fields.ts";
import {
  type CodeProblem,
  type MathProblem,
  parseProblem,
  type Problem,
  type TestCase,
} from "../model/problem.ts";
import { jsonToPython } from "./python_repr.ts";

/** The problem formats {@link readProblems} understands. */
export const PROBLEM_FORMATS = [
  "problems",
  "gsm8k",
  "math500",
  "humaneval",
  "mbpp",
  "apps",
] as const;
/** A problem format. */
export type ProblemFormat = typeof PROBLEM_FORMATS[number];

/** Options for {@link readProblems}. */
export interface ReadProblemsOptions extends Omit<ReadJsonlOptions<Problem>, "parse"> {
  /** The format; detected from the path and first record when absent. */
  format?: ProblemFormat;
}

/**
 * Streams the problems of a file (or, for APPS, a directory), in any supported
 * format.
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
  const format = options.format ?? await detectFormat(path);
  if (format === "apps") {
    yield* readAppsDirectory(path);
    return;
  }
  let index = 0;
  const parse = (value: unknown): Problem => PARSERS[format](asRecord(value), index++);
  yield* readJsonl(path, { ...options, parse });
}

const PARSERS: Record<
  Exclude<ProblemFormat, "apps">,
  (r: Record<string, unknown>, i: number) => Problem
> = {
  problems: (record) => parseProblem(record),
  gsm8k: gsm8kProblem,
  math500: math500Problem,
  humaneval: (record) => checkProblem(record, "humaneval"),
  mbpp: (record) => checkProblem(record, "mbpp"),
};

/** Guesses a problem format from the path and the first record's fields. */
export async function detectFormat(path: string): Promise<ProblemFormat> {
  const stat = await Deno.stat(path);
  if (stat.isDirectory) return "apps";
  for await (const line of readLines(path)) {
    if (line.trim() === "") continue;
    let record: Record<string, unknown>;
    try {
      record = asRecord(JSON.parse(line));
    } catch {
      return "problems"; // let the reader report the bad line
    }
    if ("kind" in record) return "problems";
    if ("question" in record && "answer" in record) return "gsm8k";
    if ("problem" in record && "answer" in record) return "math500";
    if ("entry_point" in record && "test" in record) {
      return String(record.task_id ?? "").startsWith("HumanEval") ? "humaneval" : "mbpp";
    }
    return "problems";
  }
  return "problems";
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

/** A HumanEval or MBPP record (`task_id`, `prompt`, `entry_point`, `test`). */
export function checkProblem(record: Record<string, unknown>, dataset: string): CodeProblem {
  const taskId = requireString(record, "task_id");
  return {
    id: `${dataset}/${taskId.split("/").at(-1)}`,
    kind: "code",
    language: "python",
    style: "function",
    entry_point: requireString(record, "entry_point"),
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
    const tests: TestCase[] = inputs.map((args, i) => ({
      input: (Array.isArray(args) ? args : [args]).map(jsonToPython).join(", "),
      output: jsonToPython(unwrap(outputs[i])),
    }));
    return {
      id,
      kind: "code",
      language: "python",
      style: "function",
      entry_point: io.fn_name,
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

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
