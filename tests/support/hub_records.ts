/**
 * Records in the hub schemas of the supported datasets (field names, nesting and
 * value types as the datasets publish them), and a Parquet writer for them with the
 * layout `datasets`/pyarrow write (structs of lists as `LIST` groups, class labels
 * as INT64), so tests can write fixture files in each schema.
 *
 * @module
 */
import { ByteWriter, parquetWrite } from "hyparquet-writer";

type SchemaElement = Parameters<typeof parquetWrite>[0]["schema"] extends (infer E)[] | undefined
  ? E
  : never;

/** A NuminaMath-CoT record (`AI-MO/NuminaMath-CoT`). */
export function numinaRecord(i: number, source = "synthetic_math"): Record<string, unknown> {
  const problem = `What is ${i} + ${i}?`;
  const solution = `Adding, ${i} + ${i} = ${2 * i}. The answer is $\\boxed{${2 * i}}$.`;
  return {
    source,
    problem,
    solution,
    messages: [{ content: problem, role: "user" }, { content: solution, role: "assistant" }],
  };
}

/** A CodeContests record (`deepmind/code_contests`): class labels are integers. */
export function codeContestsRecord(i: number): Record<string, unknown> {
  return {
    name: `${1500 + i}_A. Sum of Two`,
    description: `Problem ${i}: read two integers a and b and print a + b.`,
    public_tests: { input: [`1 2\n`], output: [`3\n`] },
    private_tests: { input: [`5 ${i}\n`], output: [`${5 + i}\n`] },
    generated_tests: { input: [`0 0\n`, `10 -3\n`], output: [`0\n`, `7\n`] },
    source: 2,
    difficulty: 7,
    solutions: { language: [3, 2], solution: ["print(sum(map(int, input().split())))", "…"] },
    incorrect_solutions: { language: [3], solution: ["print(0)"] },
    cf_contest_id: 1500 + i,
    cf_index: "A",
    cf_points: 500,
    cf_rating: 800,
    cf_tags: ["implementation"],
    is_description_translated: false,
    untranslated_description: "",
    time_limit: { seconds: 2, nanos: 500000000 },
    memory_limit_bytes: 256000000,
    input_file: "",
    output_file: "",
  };
}

// Made by Python: base64(zlib(pickle.dumps(json.dumps(tests)))), LiveCodeBench's form.
/** Private stdin tests of a sum problem: `3\n1 2 3\n` → `6\n`, `1\n5\n` → `5\n`. */
export const LCB_SUM_PRIVATE =
  "eJxrYJlaxwABPVXR1UqZeQWlJUpWCkrGMXmGCkYKQEpJR0Epv7QEKm4GEShJLS4pqSxIBQkVl6Rk5inV6iggaTeMyTNF12qKU2vsFD0AXywocA==";
/** Private stdin tests of a max problem: `3\n4 9 2\n` → `9\n`, `1\n-5\n` → `-5\n`. */
export const LCB_MAX_PRIVATE =
  "eJxrYJnawAABPTXR1UqZeQWlJUpWCkrGMXkmCpYKRjF5SjoKSvmlJVBxS4hASWpxSUllQSpIqLgkJTNPqVZHAUm7YUyerim6XpgIFs2xU/QArL8o2g==";
/** Private functional tests of `addAll(nums, k)` = sum(nums) + k: `[1, 2, 3], 2` → 8, `[4], 1` → 5. */
export const LCB_ADD_ALL_PRIVATE =
  "eJxrYJnaxgABPU3R1UqZeQWlJUpWCkrRhjoKRjoKxrExeUZKOgpK+aUlUBkLELcktbikpLIgFSSQVpqXXJKZn5eYo1Sro4BshglQtyGqblN8umOn6AEAoA8rQg==";

/** Options for {@link liveCodeBenchRecord}. */
export interface LiveCodeBenchRecordOptions {
  /** A LeetCode `Solution.addAll` problem (else an AtCoder stdin sum problem). */
  functional: boolean;
  difficulty?: string;
  contestDate?: string;
  /** Stdin only: the max problem instead of the sum problem. */
  max?: boolean;
}

/** A LiveCodeBench `code_generation_lite` record (every field a string, as on the hub). */
export function liveCodeBenchRecord(
  id: string,
  options: LiveCodeBenchRecordOptions,
): Record<string, string> {
  const { functional, difficulty = "easy", contestDate = "2023-08-21T00:00:00" } = options;
  const stdin = options.max
    ? {
      text: "Read n and n integers; print the largest.",
      test: ["2\n4 5\n", "5\n"],
      private: LCB_MAX_PRIVATE,
    }
    : {
      text: "Read n and n integers; print their sum.",
      test: ["2\n4 5\n", "9\n"],
      private: LCB_SUM_PRIVATE,
    };
  return {
    question_title: `Problem ${id}`,
    question_content: functional ? "Return the sum of nums plus k." : stdin.text,
    platform: functional ? "leetcode" : "atcoder",
    question_id: id,
    contest_id: "weekly-contest-360",
    contest_date: contestDate,
    starter_code: functional
      ? "class Solution:\n    def addAll(self, nums: List[int], k: int) -> int:\n        "
      : "",
    difficulty,
    public_test_cases: JSON.stringify(
      functional
        ? [{ input: "[1, 1]\n0", output: "2", testtype: "functional" }]
        : [{ input: stdin.test[0], output: stdin.test[1], testtype: "stdin" }],
    ),
    private_test_cases: functional ? LCB_ADD_ALL_PRIVATE : stdin.private,
    metadata: functional ? JSON.stringify({ func_name: "addAll" }) : "{}",
  };
}

const text = { type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" } as const;
const int64 = { type: "INT64", repetition_type: "OPTIONAL" } as const;
const listOf = (name: string, element: Omit<SchemaElement, "name">): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { ...element, name: "element" },
];
const tests = (name: string): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", num_children: 2 },
  ...listOf("input", text),
  ...listOf("output", text),
];

/** The Parquet schema of CodeContests as the hub's Parquet files have it. */
export const CODE_CONTESTS_SCHEMA: SchemaElement[] = [
  { name: "schema", num_children: 20 },
  { ...text, name: "name" },
  { ...text, name: "description" },
  ...tests("public_tests"),
  ...tests("private_tests"),
  ...tests("generated_tests"),
  { ...int64, name: "source" },
  { ...int64, name: "difficulty" },
  { name: "solutions", repetition_type: "OPTIONAL", num_children: 2 },
  ...listOf("language", int64),
  ...listOf("solution", text),
  { name: "incorrect_solutions", repetition_type: "OPTIONAL", num_children: 2 },
  ...listOf("language", int64),
  ...listOf("solution", text),
  { ...int64, name: "cf_contest_id" },
  { ...text, name: "cf_index" },
  { type: "DOUBLE", repetition_type: "OPTIONAL", name: "cf_points" },
  { ...int64, name: "cf_rating" },
  ...listOf("cf_tags", text),
  { type: "BOOLEAN", repetition_type: "OPTIONAL", name: "is_description_translated" },
  { ...text, name: "untranslated_description" },
  { name: "time_limit", repetition_type: "OPTIONAL", num_children: 2 },
  { ...int64, name: "seconds" },
  { ...int64, name: "nanos" },
  { ...int64, name: "memory_limit_bytes" },
  { ...text, name: "input_file" },
  { ...text, name: "output_file" },
];

/** The Parquet schema of a table of string columns (NuminaMath without `messages`, LiveCodeBench). */
export function textSchema(columns: string[]): SchemaElement[] {
  return [
    { name: "schema", num_children: columns.length },
    ...columns.map((name) => ({ ...text, name })),
  ];
}

const BIGINT_FIELDS = new Set([
  "source",
  "difficulty",
  "cf_contest_id",
  "cf_rating",
  "seconds",
  "nanos",
  "memory_limit_bytes",
  "language",
]);

function toParquetValue(key: string, value: unknown): unknown {
  if (typeof value === "number" && BIGINT_FIELDS.has(key)) return BigInt(value);
  if (Array.isArray(value)) return value.map((v) => toParquetValue(key, v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, toParquetValue(k, v)]),
    );
  }
  return value;
}

/** Writes `records` to a Parquet file with `schema`, `rowGroupSize` rows per row group. */
export async function writeHubParquet(
  path: string,
  records: Record<string, unknown>[],
  schema: SchemaElement[],
  rowGroupSize: number,
): Promise<void> {
  const names = topLevelNames(schema);
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema,
    rowGroupSize,
    columnData: names.map((name) => ({
      name,
      data: records.map((r) => toParquetValue(name, r[name] ?? null)),
    })),
  });
  await Deno.writeFile(path, new Uint8Array(writer.getBuffer()));
}

function topLevelNames(schema: SchemaElement[]): string[] {
  const skip = (i: number): number => {
    let next = i + 1;
    for (let c = 0; c < (schema[i].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  const names: string[] = [];
  for (let at = 1; at < schema.length; at = skip(at)) names.push(schema[at].name);
  return names;
}
