import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonlError } from "../io/jsonl.ts";
import { parquetInfo } from "../io/parquet.ts";
import { ParquetRowError } from "../io/record_error.ts";
import type { CodeProblem, FunctionCodeProblem, MathProblem, Problem } from "../model/problem.ts";
import {
  CODE_CONTESTS_SCHEMA,
  codeContestsRecord,
  liveCodeBenchRecord,
  numinaRecord,
  textSchema,
  writeHubParquet,
} from "../../tests/support/hub_records.ts";
import { readProblems, UnknownFormatError } from "./adapters.ts";

const NUMINA_COLUMNS = ["source", "problem", "solution"];

async function jsonl(records: unknown[], dir?: string, name = "data.jsonl"): Promise<string> {
  const path = dir ? join(dir, name) : await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(path, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

const read = (path: string, options = {}) => Array.fromAsync(readProblems(path, options));

Deno.test("readProblems() streams NuminaMath-CoT Parquet row groups with boxed answers", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  const records = Array.from(
    { length: 25 },
    (_, i) => numinaRecord(i, i % 5 === 0 ? "amc_aime" : "synthetic_math"),
  );
  await writeHubParquet(path, records, textSchema(NUMINA_COLUMNS), 10);
  assert.deepEqual((await parquetInfo(path)).rowGroups, [10, 10, 5]);
  const problems = await read(path) as MathProblem[];
  assert.equal(problems.length, 25);
  assert.deepEqual(problems[7], {
    id: "numina/7",
    kind: "math",
    prompt: "What is 7 + 7?",
    answer: "14",
    meta: { source: "synthetic_math" },
  });
  const amc = await read(path, {
    selection: { where: [{ field: "source", op: "=", values: ["amc_aime"] }] },
  });
  assert.deepEqual(amc.map((p) => p.id), [
    "numina/0",
    "numina/5",
    "numina/10",
    "numina/15",
    "numina/20",
  ]);
});

Deno.test("readProblems() reads CodeContests Parquet: nested tests, class labels, languages", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  await writeHubParquet(path, [0, 1, 2].map(codeContestsRecord), CODE_CONTESTS_SCHEMA, 2);
  const [first, second] = await read(path) as CodeProblem[];
  assert.equal(first.id, "code_contests/1500_A. Sum of Two");
  assert.equal(first.style, "stdio");
  assert.deepEqual(second.tests, [
    { input: "1 2\n", output: "3\n" },
    { input: "5 1\n", output: "6\n" },
    { input: "0 0\n", output: "0\n" },
    { input: "10 -3\n", output: "7\n" },
  ]);
  assert.deepEqual(second.meta, {
    name: "1501_A. Sum of Two",
    source: 2,
    difficulty: 7,
    cf_rating: 800,
    source_name: "codeforces",
    difficulty_name: "A",
    time_limit_s: 2.5,
    languages: "python3,cpp",
  });
  const fromJsonl = await read(await jsonl([0, 1, 2].map(codeContestsRecord)));
  assert.deepEqual(fromJsonl, [first, second, fromJsonl[2]]);
});

Deno.test("readProblems() names the file, row and field of a malformed Parquet row", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  const records = [0, 1, 2, 3, 4].map(codeContestsRecord);
  records[3].private_tests = { input: ["1\n", "2\n"], output: ["1\n"] };
  await writeHubParquet(path, records, CODE_CONTESTS_SCHEMA, 2);
  await assert.rejects(read(path), (e: unknown) => {
    assert.ok(e instanceof ParquetRowError);
    assert.equal(e.row, 3);
    assert.equal(e.field, "private_tests.output");
    assert.equal(
      e.message,
      `Cannot parse ${path} row 3: field "private_tests.output" must be a list as long as "private_tests.input"`,
    );
    return true;
  });
  const skipped: string[] = [];
  const kept = await read(path, {
    skipMalformed: true,
    onSkip: (e: Error) => skipped.push(e.message),
  });
  assert.equal(kept.length, 4);
  assert.equal(skipped.length, 1);
});

Deno.test("readProblems() reads a folder and a glob of shards in name order, ids across shards", async () => {
  const dir = await Deno.makeTempDir();
  const records = Array.from({ length: 12 }, (_, i) => numinaRecord(i));
  await writeHubParquet(
    join(dir, "train-00000-of-00003.parquet"),
    records.slice(0, 5),
    textSchema(NUMINA_COLUMNS),
    2,
  );
  await writeHubParquet(
    join(dir, "train-00001-of-00003.parquet"),
    records.slice(5, 9),
    textSchema(NUMINA_COLUMNS),
    3,
  );
  await jsonl(records.slice(9), dir, "train-00002-of-00003.jsonl");
  await Deno.writeTextFile(join(dir, "README.md"), "# not data\n");
  const all = await read(dir) as MathProblem[];
  assert.deepEqual(all.map((p) => p.answer), records.map((_, i) => String(2 * i)));
  assert.deepEqual(all.map((p) => p.id), records.map((_, i) => `numina/${i}`));
  const glob = await read(join(dir, "train-0000[01]-*.parquet"));
  assert.deepEqual(glob.map((p) => p.id), all.slice(0, 9).map((p) => p.id));
  const shards = await Promise.all(
    [0, 1, 2].map((index) => read(dir, { selection: { shard: { index, count: 3 } } })),
  );
  const ids = shards.flat().map((p: Problem) => p.id).sort();
  assert.deepEqual(ids, all.map((p) => p.id).sort());
  assert.deepEqual(shards.map((s) => s.length), [4, 4, 4]);
});

Deno.test("readProblems() reads LiveCodeBench with its compressed private tests decoded", async () => {
  const path = await jsonl([
    liveCodeBenchRecord("abc318_a", { functional: false }),
    liveCodeBenchRecord("2999", { functional: true, difficulty: "medium" }),
  ]);
  const [stdin, functional] = await read(path) as CodeProblem[];
  assert.deepEqual(stdin.tests, [
    { input: "2\n4 5\n", output: "9\n" },
    { input: "3\n1 2 3\n", output: "6\n" },
    { input: "1\n5\n", output: "5\n" },
  ]);
  assert.equal(stdin.style, "stdio");
  assert.deepEqual(stdin.meta, {
    platform: "atcoder",
    difficulty: "easy",
    contest_date: "2023-08-21T00:00:00",
    contest_id: "weekly-contest-360",
    question_title: "Problem abc318_a",
  });
  const fn = functional as FunctionCodeProblem;
  assert.equal(fn.entry_point, "Solution");
  assert.match(fn.prompt, /within delimiters\.\n```python\nclass Solution:\n {4}def addAll/);
  assert.match(fn.test_code ?? "", /getattr\(Solution\(\), 'addAll'\)/);
  assert.match(fn.test_code ?? "", /\(\(\[1, 2, 3\], 2,\), 8\),/);
  assert.equal(fn.meta?.difficulty, "medium");
});

Deno.test("readProblems() rejects LiveCodeBench tests that are neither JSON nor compressed", async () => {
  const record = {
    ...liveCodeBenchRecord("1", { functional: false }),
    private_test_cases: "bm90IHpsaWI=",
  };
  const path = await jsonl([record]);
  await assert.rejects(
    read(path),
    (e: unknown) =>
      e instanceof JsonlError && e.line === 1 && e.field === "private_test_cases" &&
      /not zlib-compressed/.test(e.message),
  );
});

Deno.test("readProblems() reads Magicoder-OSS-Instruct and says how to select a language", async () => {
  const record = (index: number, lang: string) => ({
    lang,
    raw_index: 1000 + index,
    index,
    seed: "def f(x):\n    return x",
    openai_fingerprint: "fp_44709d6fcb",
    problem: `Write a program that prints the square of an integer read from input (${index}).`,
    solution: "print(int(input()) ** 2)",
  });
  const path = await jsonl([record(0, "python"), record(1, "rust"), record(2, "python")]);
  await assert.rejects(
    read(path),
    (e: unknown) =>
      e instanceof JsonlError && e.line === 2 && e.field === "lang" &&
      /--where lang=python/.test(e.message),
  );
  const python = await read(path, {
    selection: { where: [{ field: "lang", op: "=", values: ["python"] }] },
  }) as CodeProblem[];
  assert.deepEqual(python.map((p) => [p.id, p.style, p.tests]), [
    ["magicoder/0", "stdio", undefined],
    ["magicoder/2", "stdio", undefined],
  ]);
});

Deno.test("readProblems() reads xCodeEval program synthesis with samples and hidden tests", async () => {
  const path = await jsonl([{
    description: "Given two integers, print their sum.",
    input_from: "standard input",
    output_to: "standard output",
    time_limit: "2 seconds",
    memory_limit: "256 megabytes",
    input_spec: "One line with a and b.",
    output_spec: "Print a + b.",
    notes: null,
    sample_inputs: ["1 2"],
    sample_outputs: ["3"],
    tags: ["implementation"],
    src_uid: "9ce37bc2d361f5bb8a0568fb479b8a38",
    difficulty: 800,
    hidden_unit_tests: JSON.stringify([{ input: "4 4", output: ["8"] }]),
  }]);
  const [problem] = await read(path) as CodeProblem[];
  assert.equal(problem.id, "xcodeeval/9ce37bc2d361f5bb8a0568fb479b8a38");
  assert.match(
    problem.prompt,
    /^Given two integers.*\n\nInput\nOne line.*Example 1\nInput:\n1 2\nOutput:\n3$/s,
  );
  assert.deepEqual(problem.tests, [{ input: "1 2", output: "3" }, { input: "4 4", output: "8" }]);
  assert.deepEqual(problem.meta, {
    difficulty: 800,
    time_limit: "2 seconds",
    memory_limit: "256 megabytes",
  });
});

Deno.test("readProblems() lists the fields found and the formats known for an unknown schema", async () => {
  const path = await jsonl([{ text: "hello", label: 1 }]);
  await assert.rejects(read(path), (e: unknown) => {
    assert.ok(e instanceof UnknownFormatError);
    assert.match(
      e.message,
      new RegExp(
        `^Cannot tell the format of ${path}: its first record has the fields text, label;`,
      ),
    );
    assert.match(e.message, /numina: problem \(or question\), solution/);
    assert.match(e.message, /livecodebench: question_content, public_test_cases/);
    return true;
  });
});
