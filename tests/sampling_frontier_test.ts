import assert from "node:assert";
import { readJsonl } from "../src/io/jsonl.ts";
import { Metrics } from "../src/metrics/metrics.ts";
import type { CodeProblem, MathProblem } from "../src/model/problem.ts";
import {
  frontierAnswers,
  frontierSolutions,
  frontierTestCases,
  frontierTestInputs,
} from "../src/sampling/frontier.ts";
import {
  findJson,
  parseAssertTests,
  parseGeneratedInputs,
  parseGeneratedTests,
} from "../src/sampling/test_cases.ts";
import { openRunDatabase } from "../src/store/database.ts";
import { pipe } from "../src/stream/stage.ts";
import {
  type OpenAIServerOptions,
  type ServerRequest,
  startOpenAIServer,
} from "./fixtures/openai_server.ts";
import { HAS_SHARED_DATA, sharedData } from "./support/shared_data.ts";

const stdio: CodeProblem = {
  id: "apps/1",
  kind: "code",
  language: "python",
  style: "stdio",
  prompt: "Read n and print n squared.",
};
const fn: CodeProblem = {
  id: "he/1",
  kind: "code",
  language: "python",
  style: "function",
  entry_point: "add",
  prompt: 'def add(a, b):\n    """Add two numbers."""\n',
};
const fence = "`".repeat(3);

async function withServer(
  options: OpenAIServerOptions,
  fn: (baseURL: string, requests: ServerRequest[]) => Promise<void>,
) {
  const requests: ServerRequest[] = [];
  const server = startOpenAIServer({
    ...options,
    plan: (request) => {
      requests.push(request);
      return undefined;
    },
  });
  try {
    await fn(server.baseURL, requests);
  } finally {
    await server.close();
  }
}

Deno.test("findJson() reads bare, fenced and embedded JSON", () => {
  assert.deepEqual(findJson('{"a": 1}'), { a: 1 });
  assert.deepEqual(findJson(`x\n${fence}\n[1]\n${fence}\n${fence}json\n{"b": "}"}\n${fence}`), {
    b: "}",
  });
  assert.deepEqual(findJson('Here you go: {"inputs": ["1\\n"]} Hope it helps.'), {
    inputs: ["1\n"],
  });
  assert.equal(findJson('{"broken": '), undefined);
});

Deno.test("parseGeneratedInputs() validates stdio inputs and accepts input objects", () => {
  const result = parseGeneratedInputs(
    '{"test_inputs": ["3\\n", {"input": "4\\n"}, ["3"], "3\\n"]}',
    stdio,
  );
  assert.deepEqual(result?.kept, ["3\n", "4\n"]);
  assert.deepEqual(result?.dropped, { not_a_string: 1, duplicate: 1 });
  assert.equal(parseGeneratedInputs("I cannot help with that.", stdio), undefined);
});

Deno.test("parseGeneratedTests() validates outputs and falls back to assert lines", () => {
  const json = parseGeneratedTests(
    '{"tests": [{"input": "1, 2", "output": "3"}, {"input": "1,", "output": "x y"}, {"input": "(", "output": "1"}]}',
    fn,
  );
  assert.deepEqual(
    json?.kept,
    [{ input: "1, 2", output: "3" }, { input: "1,", output: "x y" }].slice(0, 1),
  );
  assert.deepEqual(json?.dropped, { not_python_literal: 1, not_python_args: 1 });
  const asserts = parseGeneratedTests(
    `${fence}python\nassert add(1, 2) == 3\nassert add(-1, 1) is False\n${fence}`,
    fn,
  );
  assert.deepEqual(asserts?.kept, [{ input: "1, 2", output: "3" }, {
    input: "-1, 1",
    output: "False",
  }]);
  const stdioTests = parseGeneratedTests('[{"input": "2\\n", "expected_output": "4\\n"}]', stdio);
  assert.deepEqual(stdioTests?.kept, [{ input: "2\n", output: "4\n" }]);
  assert.equal(parseGeneratedTests("assert add(1, 2) == 3", stdio), undefined);
});

Deno.test("parseAssertTests() reads multi-line asserts, reversed comparisons and messages", () => {
  const text = [
    "assert \n    add([1, 2], {'k': (1,)}) == [3],  'with a message'",
    "assert 5 == candidate(2, 3)",
    "assert add(1, 2) == add(2, 1)",
    "assert add(1, 1) == 2, f'{x}'",
    "assert add(1, 1) == 2",
    "assert add(0, 0) == 0 and add(1, 0) == 1",
    "assert add(9, 9) == [1, 2",
  ].join("\n");
  const result = parseAssertTests(text, { entryPoint: "add" });
  assert.deepEqual(result.kept, [
    { input: "[1, 2], {'k': (1,)}", output: "[3]" },
    { input: "2, 3", output: "5" },
    { input: "1, 1", output: "2" },
  ]);
  assert.deepEqual(result.dropped, { unparsable_assert: 3, duplicate: 1 });
});

Deno.test({
  name: "parseAssertTests() parses the CodeT HumanEval generated test cases",
  ignore: !HAS_SHARED_DATA, // needs ../shared/data/humaneval_samples
  fn: async () => {
    let problems = 0;
    let withTests = 0;
    let kept = 0;
    const path = sharedData("humaneval_samples", "test_cases_dev.jsonl");
    for await (
      const row of readJsonl<{ task_id: string; prompt: string; samples: string[] }>(path)
    ) {
      problems++;
      const entryPoint = /check the correctness of (\w+)/.exec(row.prompt)![1];
      let found = 0;
      for (const sample of row.samples) {
        // The prompt ends in "assert ": each sample continues it.
        const result = parseAssertTests(`assert ${sample}`, { entryPoint });
        found += result.kept.length;
        for (const test of result.kept) assert.ok(!test.input.includes("____"));
      }
      kept += found;
      if (found > 0) withTests++;
      if (row.task_id === "HumanEval/0") {
        const first = parseAssertTests(`assert ${row.samples[1]}`, { entryPoint }).kept[0];
        assert.deepEqual(first, { input: "[], 1", output: "False" });
      }
    }
    assert.equal(problems, 82);
    assert.ok(withTests >= 70, `only ${withTests} problems have parsable tests`);
    assert.ok(kept >= 5000, `only ${kept} tests parsed`);
  },
});

Deno.test("frontierAnswers() extracts the boxed answer, caches it and records answers without one", async () => {
  const respond = (request: ServerRequest) =>
    request.prompt.includes("2+2") ? "2 and 2 make \\boxed{4}." : "I am not sure.";
  await withServer({ respond }, async (baseURL, requests) => {
    const db = openRunDatabase(":memory:");
    try {
      const problems: MathProblem[] = [
        { id: "a", kind: "math", prompt: "What is 2+2?" },
        { id: "b", kind: "math", prompt: "Prove it." },
      ];
      const stage = () => frontierAnswers({ endpoint: { baseURL, model: "frontier" }, db });
      const labels = await Array.fromAsync(pipe(problems, stage()));
      const byId = new Map(labels.map((l) => [l.problem.id, l]));
      assert.equal(byId.get("a")?.answer, "4");
      assert.equal(byId.get("b")?.failure, "no_answer");
      assert.equal(requests[0].body.temperature, 0);
      assert.equal(requests[0].body.model, "frontier");
      const again = await Array.fromAsync(pipe(problems, stage()));
      assert.equal(requests.length, 2);
      assert.ok(again.every((l) => l.cached));
    } finally {
      db.close();
    }
  });
});

Deno.test("frontierTestInputs() asks for JSON and keeps the valid inputs", async () => {
  const respond = (request: ServerRequest) =>
    request.prompt.includes("def add")
      ? JSON.stringify({ inputs: ["1, 2", "-1, 1", "oops(", "1, 2", 7] })
      : JSON.stringify({ inputs: ["1\n", "100000\n"] });
  await withServer({ respond }, async (baseURL, requests) => {
    const metrics = new Metrics();
    const results = await Array.fromAsync(
      pipe(
        [stdio, fn],
        frontierTestInputs({ endpoint: { baseURL, model: "frontier" }, metrics, count: 5 }),
      ),
    );
    const byId = new Map(results.map((r) => [r.problem.id, r]));
    assert.deepEqual(byId.get("apps/1")?.problem.test_inputs, ["1\n", "100000\n"]);
    assert.deepEqual(byId.get("he/1")?.problem.test_inputs, ["1, 2", "-1, 1"]);
    assert.deepEqual(byId.get("he/1")?.dropped, {
      not_python_args: 1,
      duplicate: 1,
      not_a_string: 1,
    });
    assert.deepEqual(requests[0].body.response_format, { type: "json_object" });
    assert.match(requests.map((r) => r.prompt).join("\n"), /Write 5 test inputs/);
    const text = await metrics.registry.metrics();
    assert.match(text, /pfpo_test_inputs_dropped_total\{reason="not_python_args"\} 1/);
  });
});

Deno.test("frontierTestInputs() falls back to plain text when the server has no JSON mode", async () => {
  const respond = () =>
    `Sure! Here are the inputs:\n${fence}json\n{"inputs": ["2\\n", "3\\n"]}\n${fence}`;
  await withServer({ respond, rejectResponseFormat: true }, async (baseURL, requests) => {
    const results = await Array.fromAsync(
      pipe(
        [stdio, { ...stdio, id: "apps/2" }],
        frontierTestInputs({ endpoint: { baseURL, model: "f" }, maxInFlight: 1 }),
      ),
    );
    assert.ok(results.every((r) => r.problem.test_inputs?.length === 2));
    // One rejected request, then plain requests for both problems.
    assert.deepEqual(requests.map((r) => r.body.response_format !== undefined), [
      true,
      false,
      false,
    ]);
  });
});

Deno.test("frontierTestInputs() records an answer without inputs and a JSON-mode rejection when forced", async () => {
  await withServer({ respond: () => "No." }, async (baseURL) => {
    const [result] = await Array.fromAsync(
      pipe([stdio], frontierTestInputs({ endpoint: { baseURL, model: "f" } })),
    );
    assert.equal(result.failure, "no_answer");
    assert.equal(result.problem.test_inputs, undefined);
  });
  await withServer({ respond: () => "{}", rejectResponseFormat: true }, async (baseURL) => {
    const [result] = await Array.fromAsync(
      pipe([stdio], frontierTestInputs({ endpoint: { baseURL, model: "f" }, jsonMode: "on" })),
    );
    assert.equal(result.failure, "http_error");
  });
});

Deno.test("frontierTestCases() reads JSON tests and assert lines", async () => {
  const respond = (request: ServerRequest) =>
    request.prompt.includes("def add")
      ? `${fence}python\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n${fence}`
      : JSON.stringify({ tests: [{ input: "2\n", output: "4\n" }] });
  await withServer({ respond }, async (baseURL) => {
    const results = await Array.fromAsync(
      pipe([stdio, fn], frontierTestCases({ endpoint: { baseURL, model: "f" }, jsonMode: "off" })),
    );
    const byId = new Map(results.map((r) => [r.problem.id, r]));
    assert.deepEqual(byId.get("apps/1")?.problem.tests, [{ input: "2\n", output: "4\n" }]);
    assert.deepEqual(byId.get("he/1")?.problem.tests, [{ input: "1, 2", output: "3" }, {
      input: "2, 2",
      output: "4",
    }]);
  });
});

Deno.test("frontierSolutions() samples the frontier model's programs", async () => {
  const respond = (_r: ServerRequest, choice: number) =>
    `${fence}python\ndef add(a, b):\n    return a + b  # ${choice}\n${fence}`;
  await withServer({ respond }, async (baseURL, requests) => {
    const samples = await Array.fromAsync(
      pipe([fn], frontierSolutions({ endpoint: { baseURL, model: "f" }, samples: 3 })),
    );
    assert.equal(samples.length, 3);
    assert.equal(requests[0].n, 3);
    assert.match(requests[0].prompt, /exactly one code block/);
  });
});
