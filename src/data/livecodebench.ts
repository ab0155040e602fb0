/**
 * The LiveCodeBench code-generation adapter (`livecodebench/code_generation_lite`
 * and `code_generation`): `question_content`, `starter_code`, `public_test_cases`
 * and `private_test_cases` (JSON text, or LiveCodeBench's compressed form: base64 of
 * zlib of a pickled JSON string), `metadata` (`func_name`), `platform`,
 * `difficulty`, `contest_date`.
 *
 * @module
 */
import { FieldError } from "../errors.ts";
import { requireString } from "../model/fields.ts";
import { type CodeProblem, entryPointName, type TestCase } from "../model/problem.ts";
import { pickMeta } from "./hub_fields.ts";
import { decodeCompressedText } from "./pickled_text.ts";
import { jsonToPython } from "./python_repr.ts";

/** LiveCodeBench's own words before the starter code. */
const STARTER_INSTRUCTION =
  "You will use the following starter code to write the solution to the problem and enclose your code within delimiters.";

interface LcbTest {
  input: string;
  output: string;
  testtype: "stdin" | "functional";
}

/**
 * A LiveCodeBench record as a problem. Stdin problems keep every public and
 * private test as a stdio test. Functional (LeetCode) problems are graded as
 * LiveCodeBench grades them: each input line is a JSON argument, the method
 * `func_name` of `Solution()` is called, a tuple result counts as a list, and the
 * result must equal the JSON output; that becomes a `check(candidate)` test with
 * `Solution` as the entry point (the check calls the class's method itself, since
 * the sandbox's `candidate` returns plain values only, and holds the result to the
 * same rule: built-in values of exact types, so no object can pass by its own `==`). `meta` keeps `platform`, `difficulty`,
 * `contest_date`, `contest_id` and `question_title`. A problem with starter code
 * shows it as LiveCodeBench's prompt does, in a fenced block after its instruction.
 */
export function liveCodeBenchProblem(record: Record<string, unknown>): CodeProblem {
  const id = `livecodebench/${requireString(record, "question_id")}`;
  const content = requireString(record, "question_content");
  const starter = typeof record.starter_code === "string" ? record.starter_code : "";
  const tests = [
    ...lcbTests(record, "public_test_cases"),
    ...lcbTests(record, "private_test_cases"),
  ];
  const meta = pickMeta(record, [
    "platform",
    "difficulty",
    "contest_date",
    "contest_id",
    "question_title",
  ]);
  const common = {
    id,
    kind: "code" as const,
    language: "python" as const,
    ...(meta ? { meta } : {}),
  };
  if (tests.every((t) => t.testtype === "stdin")) {
    return {
      ...common,
      style: "stdio",
      prompt: content,
      tests: tests.map(({ input, output }) => ({ input, output })),
    };
  }
  const funcName = functionName(record.metadata);
  const prompt = starter
    ? `${content}\n\n${STARTER_INSTRUCTION}\n\`\`\`python\n${starter}\n\`\`\``
    : content;
  const cases = tests.map((t, i) => functionalCase(t, i));
  if (!/class\s+Solution\b/.test(starter)) {
    return { ...common, style: "function", entry_point: funcName, prompt, tests: cases };
  }
  const list = cases.map((c) => `        ((${c.input ? `${c.input},` : ""}), ${c.output}),`).join(
    "\n",
  );
  const testCode = `def check(candidate):
    def plain(value):
        kind = type(value)
        if value is None or kind is bool or kind is int or kind is float or kind is str:
            return value
        if kind is list or kind is tuple:
            return [plain(item) for item in value]
        if kind is dict:
            return {plain(k): plain(v) for k, v in value.items()}
        raise TypeError(f"the return value is not a plain value: {kind.__name__}")

    method = getattr(Solution(), ${jsonToPython(funcName)})
    for args, expected in [
${list}
    ]:
        assert plain(method(*args)) == expected
`;
  return { ...common, style: "function", entry_point: "Solution", prompt, test_code: testCode };
}

function lcbTests(record: Record<string, unknown>, field: string): LcbTest[] {
  const text = record[field];
  if (text === undefined || text === null || text === "") return [];
  if (typeof text !== "string") throw new FieldError(field, "must be a string");
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    try {
      list = JSON.parse(decodeCompressedText(text));
    } catch (cause) {
      throw new FieldError(
        field,
        `is neither JSON nor LiveCodeBench's compressed tests: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (!Array.isArray(list)) throw new FieldError(field, "must hold a list of tests");
  return list.map((item, i) => {
    const test = item as Partial<LcbTest>;
    if (typeof test.input !== "string" || typeof test.output !== "string") {
      throw new FieldError(`${field}[${i}]`, "must have a string input and output");
    }
    if (test.testtype !== "stdin" && test.testtype !== "functional") {
      throw new FieldError(`${field}[${i}].testtype`, 'must be "stdin" or "functional"');
    }
    return test as LcbTest;
  });
}

function functionName(metadata: unknown): string {
  let value = metadata;
  if (typeof metadata === "string") {
    try {
      value = JSON.parse(metadata);
    } catch (cause) {
      throw new FieldError("metadata", "is not JSON", { cause });
    }
  }
  const name = (value as { func_name?: unknown } | null)?.func_name;
  if (typeof name !== "string") {
    throw new FieldError("metadata.func_name", "is missing for a functional problem");
  }
  return entryPointName(name, "metadata.func_name");
}

/** A functional test as a call test: JSON argument lines as a Python argument list. */
function functionalCase(test: LcbTest, index: number): TestCase {
  try {
    const args = test.input.split("\n").filter((line) => line.trim() !== "").map((line) =>
      jsonToPython(JSON.parse(line))
    );
    return { input: args.join(", "), output: jsonToPython(JSON.parse(test.output)) };
  } catch (cause) {
    throw new FieldError(`tests[${index}]`, "has an input or output that is not JSON", { cause });
  }
}
