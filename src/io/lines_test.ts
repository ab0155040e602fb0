import assert from "node:assert";
import { OVERSIZED, splitLines } from "./lines.ts";

Deno.test("splitLines() joins a line split over chunks and strips CRLF", async () => {
  const lines = await Array.fromAsync(splitLines(["ab", "c\r", "\nd\n\n", "e"]));
  assert.deepEqual(lines, ["abc", "d", ""]);
});

Deno.test("splitLines() keeps a last unterminated line only when asked", async () => {
  assert.deepEqual(await Array.fromAsync(splitLines(["a\nb"], { partialLast: true })), ["a", "b"]);
  assert.deepEqual(await Array.fromAsync(splitLines(["a\n"], { partialLast: true })), ["a"]);
});

Deno.test("splitLines() yields OVERSIZED for a line past the cap, spanning chunks", async () => {
  const chunks = ["ok\n12", "345", "6789\nok2\n"];
  assert.deepEqual(
    await Array.fromAsync(splitLines(chunks, { maxChars: 4 })),
    ["ok", OVERSIZED, "ok2"],
  );
  let cap = 1;
  const capped = splitLines(["aa\n", "bb\n"], { maxChars: () => cap++ });
  assert.deepEqual(await Array.fromAsync(capped), [OVERSIZED, "bb"]);
});
