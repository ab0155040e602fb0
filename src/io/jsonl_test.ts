import assert from "node:assert/strict";
import { parseProblem, type Problem } from "../model/problem.ts";
import { JsonlError, JsonlWriter, readJsonl, readLines, writeJsonl } from "./jsonl.ts";

async function tempWith(text: string, suffix = ".jsonl"): Promise<string> {
  const path = await Deno.makeTempFile({ suffix });
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("readJsonl() names file, line and field of a line that breaks the contract", async () => {
  const path = await tempWith(
    '{"id":"a","kind":"math","prompt":"p"}\n\n{"id":"b","prompt":"q"}\n',
  );
  try {
    await Array.fromAsync(readJsonl<Problem>(path, { parse: parseProblem }));
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof JsonlError);
    assert.equal(e.line, 3);
    assert.equal(e.field, "kind");
    assert.equal(e.message, `Cannot parse ${path} line 3: field "kind" is missing`);
  }
});

Deno.test("readJsonl() reports invalid JSON with its line number", async () => {
  const path = await tempWith('{"a":1}\n{"a":\n');
  await assert.rejects(
    Array.fromAsync(readJsonl(path)),
    (e: unknown) => e instanceof JsonlError && e.line === 2 && /invalid JSON/.test(e.message),
  );
});

Deno.test("readJsonl() skips and counts malformed lines when asked", async () => {
  const path = await tempWith('{"a":1}\nnot json\n{"a":3}\r\n{"a":4}');
  const skipped: number[] = [];
  const rows = await Array.fromAsync(
    readJsonl<{ a: number }>(path, { skipMalformed: true, onSkip: (e) => skipped.push(e.line) }),
  );
  assert.deepEqual(rows.map((r) => r.a), [1, 3, 4]);
  assert.deepEqual(skipped, [2]);
});

Deno.test("writeJsonl() and readJsonl() round-trip gzip files", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
  const items = Array.from({ length: 5000 }, (_, i) => ({ i, text: "x\ny".repeat(i % 7) }));
  assert.equal(await writeJsonl(path, items), 5000);
  const bytes = await Deno.readFile(path);
  assert.deepEqual([...bytes.slice(0, 2)], [0x1f, 0x8b]);
  assert.deepEqual(await Array.fromAsync(readJsonl(path)), items);
});

Deno.test("JsonlWriter appends when asked", async () => {
  const path = await tempWith('{"a":1}\n');
  const writer = await JsonlWriter.open(path, { append: true });
  await writer.write({ a: 2 });
  await writer.close();
  assert.deepEqual(await Array.fromAsync(readLines(path)), ['{"a":1}', '{"a":2}']);
});

Deno.test("readLines() splits lines across chunk boundaries and stops on abort", async () => {
  const lines = Array.from({ length: 20000 }, (_, i) => `line ${i} ${"z".repeat(i % 100)}`);
  const path = await tempWith(lines.join("\n") + "\n");
  assert.deepEqual(await Array.fromAsync(readLines(path)), lines);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(Array.fromAsync(readLines(path, controller.signal)));
});
