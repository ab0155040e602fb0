import assert from "node:assert/strict";
import { SandboxPool } from "./mod.ts";

/** A program over what a context lacks of a Node program's globals; its output is compared both ways. */
const PROBE = String.raw`const enc = new TextEncoder();
const dec = new TextDecoder();
for (const text of ["", "abc", "é", "€", "😀", "a\uD800b", "\uDC00", "\uD83D", "mixed é€😀 text"]) {
  console.log(JSON.stringify(text), Array.from(enc.encode(text)).join(","));
}
const sequences = [
  [0x61], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xc3], [0xe2, 0x82],
  [0xf0, 0x9f, 0x98], [0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xe0, 0x80, 0x80], [0xef, 0xbb, 0xbf, 0x61], [0xc3, 0x41], [0xf0, 0x9f, 0x41, 0x42],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0x61, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98, 0x80, 0x80],
];
for (const sequence of sequences) {
  const bytes = new Uint8Array(sequence);
  let fatal;
  try {
    fatal = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    fatal = error.name;
  }
  const kept = new TextDecoder("utf8", { ignoreBOM: true }).decode(bytes);
  console.log(sequence.join(","), JSON.stringify([dec.decode(bytes), kept, fatal]));
}
const streamed = new TextDecoder();
let text = "";
for (const byte of enc.encode("\uFEFFaé€😀b")) text += streamed.decode(new Uint8Array([byte]), { stream: true });
text += streamed.decode(new Uint8Array([0xe2]), { stream: true }) + streamed.decode();
console.log(JSON.stringify(text));
const into = new Uint8Array(5);
console.log(JSON.stringify(enc.encodeInto("a€😀", into)), Array.from(into).join(","));
const hi = new Uint8Array([104, 105]);
console.log(dec.decode(hi.buffer), dec.decode(new DataView(hi.buffer)), dec.decode(), dec.encoding, enc.encoding);
const long = "x".repeat(20000) + "é" + "y".repeat(9000);
console.log(dec.decode(enc.encode(long)) === long, enc.encode(long).length);

const cyclic = { name: "c", list: [1, , 3] };
cyclic.self = cyclic;
const source = {
  n: 1, s: "x", b: true, u: undefined, nul: null, big: 10n, neg: -0, date: new Date(5), re: /a+/gi,
  map: new Map([[1, { a: 1 }]]), set: new Set([1, "2"]), bytes: new Uint8Array([1, 2]),
  f64: new Float64Array([1.5]), view: new DataView(new ArrayBuffer(2)), nested: [[1], { deep: [2] }],
  boxed: new Number(3), text: new String("t"), cyclic, err: new RangeError("r", { cause: 1 }),
};
const copy = structuredClone(source);
console.log(copy.cyclic.self === copy.cyclic, copy.map.get(1) !== source.map.get(1), copy.bytes.buffer !== source.bytes.buffer);
console.log(copy.err instanceof RangeError, copy.err.message, copy.err.cause, copy.err.stack === source.err.stack);
delete copy.err;
console.log(copy);
for (const bad of [() => 1, Symbol("s"), { f() {} }, new WeakMap(), Promise.resolve()]) {
  try {
    structuredClone(bad);
    console.log("cloned");
  } catch (error) {
    console.log(error.name, error.message);
  }
}
console.log(structuredClone(new (class P { constructor() { this.x = 1 } })()), structuredClone([undefined, , 2]));

console.log(btoa("hello"), btoa(""), btoa("a"), btoa("ab"), btoa("\xff\xfe"), atob("aGVsbG8="), atob(" aGk "), atob("YQ"), atob(""));
for (const bad of [() => btoa("€"), () => atob("a"), () => atob("@@@@"), () => atob("YQ=a")]) {
  try {
    console.log(bad());
  } catch (error) {
    console.log(error.name);
  }
}
console.log(typeof global, global === globalThis);`;

Deno.test("what a context lacks of Node's globals behaves there as the host's does", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  // A context has no `fetch` (a worker's own realm has): it tells where a program ran.
  const script = await pool.run({
    language: "javascript",
    code: `${PROBE}\nconsole.log(typeof fetch);`,
  });
  const module = await pool.run({
    language: "javascript",
    code: `${PROBE}\nconsole.log(typeof fetch);\nvoid import.meta;`,
  });
  assert.equal(script.status, "ok", script.stderr);
  assert.equal(module.status, "ok", module.stderr);
  assert.ok(script.stdout.endsWith("\nundefined\n"), "the script ran in a context");
  assert.ok(module.stdout.endsWith("\nfunction\n"), "the module ran in the worker's realm");
  const lines = (text: string) => text.split("\n").slice(0, -2);
  assert.deepEqual(lines(script.stdout), lines(module.stdout));
});

Deno.test("stdin bytes of a large input turn into its text", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const stdin = Array.from({ length: 200000 }, (_, i) => `${i} é€😀`).join("\n") + "\n";
  const result = await pool.run({
    language: "javascript",
    code: `const bytes = require("fs").readFileSync(0);
const text = bytes.toString();
console.log(bytes.length, text.length, text.split("\\n")[199999], typeof fetch);`,
    stdin,
  });
  assert.equal(result.status, "ok", result.stderr);
  assert.equal(
    result.stdout,
    `${new TextEncoder().encode(stdin).length} ${stdin.length} 199999 é€😀 undefined\n`,
  );
});
