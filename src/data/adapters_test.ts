import assert from "node:assert/strict";
import { JsonlError } from "../io/jsonl.ts";
import type { FunctionCodeProblem, Problem } from "../model/problem.ts";
import { HAS_SHARED_DATA, sharedData } from "../../tests/support/shared_data.ts";
import { detectFormat, readProblems } from "./adapters.ts";

const real = { ignore: !HAS_SHARED_DATA };

async function count(path: string): Promise<{ n: number; first: Problem; kinds: Set<string> }> {
  let n = 0;
  let first: Problem | undefined;
  const kinds = new Set<string>();
  for await (const problem of readProblems(path)) {
    first ??= problem;
    kinds.add(problem.kind === "code" ? `${problem.kind}/${problem.style}` : problem.kind);
    n++;
  }
  return { n, first: first as Problem, kinds };
}

Deno.test({
  name: "readProblems() reads all 1,319 GSM8K test problems with their #### answers",
  ...real,
  fn: async () => {
    const { n, first } = await count(sharedData("gsm8k", "test.jsonl"));
    assert.equal(n, 1319);
    assert.deepEqual([first.id, first.kind, (first as { answer: string }).answer], [
      "gsm8k/0",
      "math",
      "18",
    ]);
  },
});

Deno.test({
  name: "readProblems() reads all 500 MATH-500 problems",
  ...real,
  fn: async () => {
    const { n, first } = await count(sharedData("math500", "test.jsonl"));
    assert.equal(n, 500);
    assert.equal(first.id, "math500/test/precalculus/807");
  },
});

Deno.test({
  name: "readProblems() reads HumanEval (164) and MBPP sanitized (427) as function problems",
  ...real,
  fn: async () => {
    const humaneval = await count(sharedData("humaneval", "HumanEval.jsonl"));
    assert.equal(humaneval.n, 164);
    assert.equal(humaneval.first.id, "humaneval/0");
    assert.equal((humaneval.first as FunctionCodeProblem).entry_point, "has_close_elements");
    const mbpp = await count(sharedData("mbpp", "mbpp_sanitized.jsonl"));
    assert.equal(mbpp.n, 427);
    assert.deepEqual([...mbpp.kinds], ["code/function"]);
    assert.match((mbpp.first as FunctionCodeProblem).test_code ?? "", /def check\(candidate\)/);
    // Task 6's entry point has a trailing space; the function the test calls has none.
    const problems = await Array.fromAsync(
      readProblems(sharedData("mbpp", "mbpp_sanitized.jsonl")),
    );
    const six = problems.find((p) => p.id === "mbpp/6") as FunctionCodeProblem;
    assert.equal(six.entry_point, "is_Power_Of_Two");
  },
});

Deno.test("readProblems() trims a function name and names the line of one that is not a name", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  const record = (entry: string) =>
    JSON.stringify({ task_id: "MbppEval/1", prompt: "p", test: "t", entry_point: entry });
  await Deno.writeTextFile(path, `${record(" f ")}\n`);
  const [problem] = await Array.fromAsync(readProblems(path));
  assert.equal((problem as FunctionCodeProblem).entry_point, "f");
  await Deno.writeTextFile(path, `${record("f")}\n${record("f(x)")}\n`);
  await assert.rejects(
    Array.fromAsync(readProblems(path)),
    (e: unknown) =>
      e instanceof JsonlError && e.line === 2 && e.field === "entry_point" &&
      /must be a function name, got "f\(x\)"/.test(e.message),
  );
});

Deno.test({
  name: "readProblems() reads the APPS folders: three stdio and two function problems",
  ...real,
  fn: async () => {
    const problems = await Array.fromAsync(readProblems(sharedData("apps_samples")));
    assert.deepEqual(
      problems.map((p) => p.kind === "code" && `${p.id} ${p.style}`),
      [
        "apps/0001 stdio",
        "apps/0111 stdio",
        "apps/2287 stdio",
        "apps/2404 function",
        "apps/4184 function",
      ],
    );
    const isPrime = problems[4] as FunctionCodeProblem;
    assert.equal(isPrime.entry_point, "is_prime");
    assert.deepEqual(isPrime.tests?.[0], { input: "1", output: "False" });
    const kth = problems[3] as FunctionCodeProblem;
    assert.deepEqual(kth.tests?.[0], { input: "[2, 3, 4, 7, 11], 5", output: "9" });
  },
});

Deno.test("detectFormat() tells the formats apart by their fields", async () => {
  const cases: [string, string][] = [
    ['{"id":"a","kind":"math","prompt":"p"}', "problems"],
    ['{"question":"q","answer":"#### 1"}', "gsm8k"],
    ['{"problem":"q","answer":"1"}', "math500"],
    ['{"task_id":"HumanEval/1","entry_point":"f","test":"t","prompt":"p"}', "humaneval"],
    ['{"task_id":"MbppEval/2","entry_point":"f","test":"t","prompt":"p"}', "mbpp"],
  ];
  for (const [line, format] of cases) {
    const path = await Deno.makeTempFile({ suffix: ".jsonl" });
    await Deno.writeTextFile(path, `\n${line}\n`);
    assert.equal(await detectFormat(path), format);
  }
});

Deno.test("readProblems() names the file, line and field of a bad GSM8K record", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    path,
    '{"question":"q","answer":"#### 1"}\n{"question":"q","answer":"7"}\n',
  );
  await assert.rejects(
    Array.fromAsync(readProblems(path)),
    (e: unknown) =>
      e instanceof JsonlError && e.line === 2 && e.field === "answer" &&
      e.message === `Cannot parse ${path} line 2: field "answer" has no "####" final answer`,
  );
});
