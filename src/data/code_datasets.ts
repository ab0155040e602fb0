/**
 * Adapters for code datasets in their hub schemas: CodeContests
 * (`deepmind/code_contests`), Magicoder-OSS-Instruct (`ise-uiuc/Magicoder-OSS-Instruct-75K`)
 * and xCodeEval program synthesis (`NTU-NLP-sg/xCodeEval`, validation and test
 * layout). Every problem is a Python stdio problem; its gold tests are those the
 * dataset carries.
 *
 * @module
 */
import { FieldError } from "../errors.ts";
import { optionalStringArray, requireString } from "../model/fields.ts";
import type { CodeLanguage, StdioCodeProblem, TestCase } from "../model/problem.ts";
import { parallelTests, pickMeta } from "./hub_fields.ts";

const CODE_CONTESTS_SOURCES = [
  "unknown",
  "codechef",
  "codeforces",
  "hackerearth",
  "codejam",
  "atcoder",
  "aizu",
];
const CODE_CONTESTS_DIFFICULTIES = [
  "unknown",
  "easy",
  "medium",
  "hard",
  "harder",
  "hardest",
  "external",
  ..."ABCDEFGHIJKLMNOPQRSTUV",
];
const CODE_CONTESTS_LANGUAGES = ["unknown", "python2", "cpp", "python3", "java"];

/**
 * A CodeContests record: `description`, and `public_tests`, `private_tests` and
 * `generated_tests` as `{input: [...], output: [...]}`, all kept as gold tests in
 * that order. `meta` keeps `name`, `source`, `difficulty` and `cf_rating` as the
 * dataset has them (class labels as numbers, so `--where` means the same on the
 * records and on the run's results), their names as `source_name` and
 * `difficulty_name`, `time_limit_s`, and `languages`, those of the correct solutions.
 */
export function codeContestsProblem(
  record: Record<string, unknown>,
  index: number,
): StdioCodeProblem {
  const name = typeof record.name === "string" ? record.name : String(index);
  const tests = [
    ...parallelTests(record, "public_tests"),
    ...parallelTests(record, "private_tests"),
    ...parallelTests(record, "generated_tests"),
  ];
  const meta = pickMeta(record, ["name", "source", "difficulty", "cf_rating"]) ?? {};
  if (typeof record.source === "number") {
    meta.source_name = CODE_CONTESTS_SOURCES[record.source] ?? String(record.source);
  }
  if (typeof record.difficulty === "number") {
    meta.difficulty_name = CODE_CONTESTS_DIFFICULTIES[record.difficulty] ??
      String(record.difficulty);
  }
  const limit = record.time_limit as { seconds?: number; nanos?: number } | null | undefined;
  if (limit && typeof limit.seconds === "number") {
    meta.time_limit_s = limit.seconds + (limit.nanos ?? 0) / 1e9;
  }
  const solutions = record.solutions as { language?: unknown } | null | undefined;
  if (solutions && Array.isArray(solutions.language)) {
    const names = new Set(
      solutions.language.map((l) => CODE_CONTESTS_LANGUAGES[Number(l)] ?? String(l)),
    );
    meta.languages = [...names].join(",");
  }
  return {
    id: `code_contests/${name}`,
    kind: "code",
    language: "python",
    style: "stdio",
    prompt: requireString(record, "description"),
    ...(tests.length ? { tests } : {}),
    meta,
  };
}

const MAGICODER_LANGUAGES: Record<string, CodeLanguage> = {
  python: "python",
  javascript: "javascript",
  typescript: "typescript",
};

/**
 * A Magicoder-OSS-Instruct record (`problem`, `solution`, `lang`, `seed`, `index`):
 * the problem only, in its language; test inputs must come from a frontier model.
 * Records in a language the sandbox does not run are errors that say how to select.
 */
export function magicoderProblem(
  record: Record<string, unknown>,
  index: number,
): StdioCodeProblem {
  const lang = requireString(record, "lang");
  const language = MAGICODER_LANGUAGES[lang.toLowerCase()];
  if (!language) {
    throw new FieldError(
      "lang",
      `is "${lang}"; the sandbox runs ${
        Object.keys(MAGICODER_LANGUAGES).join(", ")
      }: select them with --where lang=python`,
    );
  }
  const id = typeof record.index === "number" ? record.index : index;
  return {
    id: `magicoder/${id}`,
    kind: "code",
    language,
    style: "stdio",
    prompt: requireString(record, "problem"),
    ...withMeta(pickMeta(record, ["lang", "raw_index"])),
  };
}

/**
 * An xCodeEval program-synthesis record of the validation or test split
 * (`description`, `input_spec`, `output_spec`, `sample_inputs`, `sample_outputs`,
 * `notes`, `src_uid`, `difficulty`): the statement is assembled as on the contest
 * page; the samples are gold tests, followed by `hidden_unit_tests` when the record
 * carries them (a JSON list of `{input, output: [accepted, …]}`, first output kept).
 */
export function xCodeEvalProblem(
  record: Record<string, unknown>,
  index: number,
): StdioCodeProblem {
  const uid = typeof record.src_uid === "string" ? record.src_uid : String(index);
  const inputs = optionalStringArray(record, "sample_inputs") ?? [];
  const outputs = optionalStringArray(record, "sample_outputs") ?? [];
  if (outputs.length !== inputs.length) {
    throw new FieldError("sample_outputs", 'must be as long as "sample_inputs"');
  }
  const samples = inputs.map((input, i) => ({ input, output: outputs[i] }));
  const examples = samples.map((t, i) =>
    `Example ${i + 1}\nInput:\n${t.input.trimEnd()}\nOutput:\n${t.output.trimEnd()}`
  );
  const sections = [
    requireString(record, "description"),
    typeof record.input_spec === "string" ? `Input\n${record.input_spec}` : "",
    typeof record.output_spec === "string" ? `Output\n${record.output_spec}` : "",
    examples.join("\n\n"),
    typeof record.notes === "string" && record.notes.trim() ? record.notes : "",
  ];
  const tests = [...samples, ...hiddenTests(record.hidden_unit_tests)];
  return {
    id: `xcodeeval/${uid}`,
    kind: "code",
    language: "python",
    style: "stdio",
    prompt: sections.filter(Boolean).join("\n\n"),
    ...(tests.length ? { tests } : {}),
    ...withMeta(pickMeta(record, ["difficulty", "time_limit", "memory_limit"])),
  };
}

function hiddenTests(value: unknown): TestCase[] {
  if (value === undefined || value === null || value === "") return [];
  let list: unknown = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch (cause) {
      throw new FieldError("hidden_unit_tests", "is not JSON", { cause });
    }
  }
  if (!Array.isArray(list)) throw new FieldError("hidden_unit_tests", "must be a list");
  return list.map((item, i) => {
    const test = item as { input?: unknown; output?: unknown };
    const output = Array.isArray(test.output) ? test.output[0] : test.output;
    if (typeof test.input !== "string" || typeof output !== "string") {
      throw new FieldError(`hidden_unit_tests[${i}]`, "must have a string input and output");
    }
    return { input: test.input, output };
  });
}

function withMeta(meta: ReturnType<typeof pickMeta>): { meta?: NonNullable<typeof meta> } {
  return meta ? { meta } : {};
}
