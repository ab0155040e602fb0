import assert from "node:assert/strict";
import { readByteLines } from "../src/io/lines.ts";
import { packSnapshot, readHello, unpackSnapshot } from "./protocol.ts";

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

Deno.test("a packed snapshot leaves out its zero blocks and unpacks to the same bytes", () => {
  const block = 64 * 1024;
  // Blocks: zero, data, zero, zero, data (one byte set at its very end), then a short zero tail.
  const snapshot = new Uint8Array(5 * block + 100);
  snapshot.fill(7, block, 2 * block);
  snapshot[5 * block - 1] = 1;
  const pack = packSnapshot(snapshot);
  assert.deepEqual(pack.zeros, [[0, block], [2 * block, 2 * block]]);
  const payload = new Uint8Array(pack.parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of pack.parts) payload.set(part, (at += part.length) - part.length);
  assert.equal(payload.length, 2 * block + 100);
  assert.deepEqual(unpackSnapshot(payload, pack.size, pack.zeros), snapshot);
  // Without zero blocks it travels whole.
  const full = new Uint8Array(2 * block).fill(3);
  assert.deepEqual(packSnapshot(full).zeros, []);
  assert.deepEqual(unpackSnapshot(full, full.length, []), full);
});

Deno.test("unpackSnapshot refuses a header that does not fit its payload", () => {
  const payload = new Uint8Array(10).fill(1);
  assert.equal(unpackSnapshot(payload, 30, [[0, 10]]), undefined); // 10 bytes missing
  assert.equal(unpackSnapshot(payload, 20, [[15, 10]]), undefined); // past the end
  assert.equal(unpackSnapshot(payload, 30, [[10, 10], [5, 5]]), undefined); // out of order
  assert.equal(unpackSnapshot(payload, 20, "x"), undefined);
  assert.equal(unpackSnapshot(payload, 5, []), undefined);
  assert.deepEqual(
    unpackSnapshot(payload, 20, [[4, 10]])?.slice(3, 15),
    Uint8Array.from([1, ...new Array(10).fill(0), 1]),
  );
});
