import assert from "node:assert/strict";
import { readByteLines } from "../src/io/lines.ts";
import { readHello } from "./protocol.ts";

/** A byte stream (as stdin is) that delivers `bytes` in chunks of `size`. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return controller.byobRequest?.respond(0);
      }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

Deno.test("readHello splits the first line, its raw payload and the lines after it", async () => {
  const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
  const head = new TextEncoder().encode(`${JSON.stringify({ secret: "s", bytes: 1000 })}\n`);
  const tail = new TextEncoder().encode('{"id":1}\n{"id":2}\n');
  const all = new Uint8Array([...head, ...payload, ...tail]);
  for (const size of [1, 3, 64, 999, all.length]) {
    const hello = await readHello(chunked(all, size), 4096);
    assert.ok(hello, `chunks of ${size}`);
    assert.deepEqual(hello.header, { secret: "s", bytes: 1000 });
    assert.deepEqual(hello.payload, payload);
    assert.deepEqual(await Array.fromAsync(readByteLines(hello.rest, { maxChars: 1000 })), [
      '{"id":1}',
      '{"id":2}',
    ]);
  }
});

Deno.test("readHello gives up on a cut payload, an overlong line or a bad length", async () => {
  const text = (s: string) => chunked(new TextEncoder().encode(s), 5);
  assert.equal(await readHello(text('{"bytes":10}\nabc'), 4096), undefined);
  assert.equal(await readHello(text("x".repeat(100)), 10), undefined);
  assert.equal(await readHello(text('{"bytes":-1}\n'), 4096), undefined);
  const empty = await readHello(text('{"secret":"s"}\n'), 4096);
  assert.equal(empty?.payload.length, 0);
});
