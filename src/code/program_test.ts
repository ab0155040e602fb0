import assert from "node:assert";
import { readJsonl } from "../io/jsonl.ts";
import { HAS_SHARED_DATA, sharedData } from "../../tests/support/shared_data.ts";
import { codeBlocks, cutAtStops, DEFAULT_CONTINUATION_STOPS, extractProgram } from "./program.ts";

Deno.test("extractProgram() takes the last block in the problem's language", () => {
  const text = [
    "First try:",
    "```python",
    "def f(): return 1",
    "```",
    "Shell to run it:",
    "```bash",
    "python main.py",
    "```",
    "Better:",
    "```py",
    "def f(): return 2",
    "```",
    "Done.",
  ].join("\n");
  assert.equal(extractProgram(text, { language: "python", mode: "chat" }), "def f(): return 2\n");
});

Deno.test("extractProgram() prefers a block that defines the entry point", () => {
  const text =
    "```python\ndef solve(x):\n    return x\n```\nUsage:\n```python\nprint(solve(3))\n```\n";
  assert.equal(
    extractProgram(text, { language: "python", mode: "chat", entryPoint: "solve" }),
    "def solve(x):\n    return x\n",
  );
  assert.equal(extractProgram(text, { language: "python", mode: "chat" }), "print(solve(3))\n");
});

Deno.test("extractProgram() recognises JavaScript and TypeScript definitions", () => {
  const text = "```js\nconst add = (a, b) => a + b;\n```\n```js\nconsole.log(add(1, 2));\n```";
  assert.equal(
    extractProgram(text, { language: "javascript", mode: "chat", entryPoint: "add" }),
    "const add = (a, b) => a + b;\n",
  );
  const ts = "```ts\nfunction add(a: number, b: number) { return a + b; }\n```";
  assert.match(
    extractProgram(ts, { language: "typescript", mode: "chat", entryPoint: "add" }) ?? "",
    /^function add/,
  );
});

Deno.test("extractProgram() falls back to untagged blocks but not to other languages", () => {
  assert.equal(
    extractProgram("```\nprint(1)\n```", { language: "python", mode: "chat" }),
    "print(1)\n",
  );
  assert.equal(
    extractProgram("```javascript\nconsole.log(1)\n```", { language: "python", mode: "chat" }),
    undefined,
  );
});

Deno.test("extractProgram() returns undefined without a block or with only empty blocks", () => {
  assert.equal(
    extractProgram("The answer is 42.", { language: "python", mode: "chat" }),
    undefined,
  );
  assert.equal(extractProgram("```python\n\n```", { language: "python", mode: "chat" }), undefined);
});

Deno.test("extractProgram() takes a cut-off block only when no closed one exists", () => {
  const cut = "```python\nx = 1\n```\n```python\nx = 2\nfor i in";
  assert.equal(extractProgram(cut, { language: "python", mode: "chat" }), "x = 1\n");
  const only = "Here it is:\n```python\nimport sys\nfor line in sys";
  assert.equal(
    extractProgram(only, { language: "python", mode: "chat" }),
    "import sys\nfor line in sys",
  );
});

Deno.test("codeBlocks() honours fence length, tildes and indented fences", () => {
  const text = "````md\n```python\ninner\n```\n````\n  ~~~ Python\nx\n  ~~~\n";
  assert.deepEqual(codeBlocks(text), [
    { tag: "md", code: "```python\ninner\n```\n", closed: true },
    { tag: "python", code: "x\n", closed: true },
  ]);
});

Deno.test("extractProgram() in continuation mode cuts at the first stop sequence", () => {
  const prompt = 'def f(x):\n    """Doc."""\n';
  const completion =
    "    if x:\n        return 1\n    # note\n    return 0\n\n# test\nassert f(1)\n";
  assert.equal(
    extractProgram(completion, { language: "python", mode: "continuation", prompt }),
    prompt + "    if x:\n        return 1\n    # note\n    return 0\n",
  );
  assert.equal(
    extractProgram(completion, {
      language: "python",
      mode: "continuation",
      prompt,
      stops: ["\n\n"],
    }),
    prompt + "    if x:\n        return 1\n    # note\n    return 0",
  );
});

Deno.test("cutAtStops() keeps the text whole when no stop occurs and ignores empty stops", () => {
  assert.equal(cutAtStops("abc", ["x", ""]), "abc");
  assert.equal(cutAtStops("\ndef g", DEFAULT_CONTINUATION_STOPS), "");
});

const solutions = sharedData("humaneval_samples", "solutions_dev.jsonl");

Deno.test({
  name: "extractProgram() cuts every CodeGen HumanEval sample into prompt plus one body",
  ignore: !HAS_SHARED_DATA, // needs ../shared/data/humaneval_samples
  fn: async () => {
    let programs = 0;
    let cut = 0;
    for await (const record of readJsonl<{ prompt: string; samples: string[] }>(solutions)) {
      for (const sample of record.samples) {
        const program = extractProgram(sample, {
          language: "python",
          mode: "continuation",
          prompt: record.prompt,
        });
        assert.ok(program !== undefined && program.startsWith(record.prompt));
        const body = program.slice(record.prompt.length);
        assert.ok(sample.startsWith(body));
        for (const stop of DEFAULT_CONTINUATION_STOPS) assert.ok(!body.includes(stop));
        if (body.length < sample.length) {
          cut++;
          assert.ok(
            DEFAULT_CONTINUATION_STOPS.some((stop) => sample.startsWith(stop, body.length)),
          );
        }
        if (programs === 0) {
          // HumanEval/0's first sample holds no stop: the program is prompt + sample.
          assert.equal(program, record.prompt + sample);
        }
        programs++;
      }
    }
    assert.equal(programs, 8200);
    assert.ok(cut > 0);
  },
});
