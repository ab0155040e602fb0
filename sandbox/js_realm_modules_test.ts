import assert from "node:assert/strict";
import nodeAssert from "node:assert";
import * as nodeUtil from "node:util";
import { type SandboxJob, SandboxPool } from "./mod.ts";

/**
 * Pairs of values, as source, on which Node's deep equalities are checked: each pair is
 * compared with `deepEqual` and `deepStrictEqual`, both ways round.
 */
const PAIRS = `[
  [1, 1], [1, "1"], [0, -0], [NaN, NaN], [null, undefined], [null, 0], ["", 0], [true, 1],
  [1n, 1n], [1n, 1], [Symbol.for("a"), Symbol.for("a")], ["abc", new String("abc")],
  [[1, 2], [1, 2]], [[1, 2], [2, 1]], [[1, [2]], [1, ["2"]]], [[1, 2, 3], [1, 2]], [[0], [-0]],
[[undefined], [null]], [[1], { 0: 1, length: 1 }],
  [Object.assign([1], { x: 1 }), [1]], [Object.assign([1], { x: 1 }), Object.assign([1], { x: 1 })],
  [{ a: 1, b: 2 }, { b: 2, a: 1 }], [{ a: 1 }, { a: 1, b: undefined }], [{}, { a: undefined }],
  [{ a: undefined }, { b: undefined }], [{}, []], [{ a: NaN }, { a: NaN }],
  [{ a: { b: { c: [1] } } }, { a: { b: { c: [1] } } }], [{ a: { b: { c: [1] } } }, { a: { b: { c: [2] } } }],
  [{ [Symbol.for("s")]: 1 }, {}], [{ [Symbol.for("s")]: 1 }, { [Symbol.for("s")]: 1 }],
  [Object.create(null), {}], [new (class P { constructor() { this.x = 1 } })(), { x: 1 }],
  [new Date(0), new Date(0)], [new Date(0), new Date(1)], [new Date(0), {}], [[new Date(5)], [new Date(5)]],
  [/a/g, /a/g], [/a/g, /a/i], [/a/, "/a/"],
  [new Error("x"), new Error("x")], [new Error("x"), new TypeError("x")], [new Error("x"), new Error("y")],
  [new Set([1, 2]), new Set([2, 1])], [new Set([1, { a: 1 }]), new Set([{ a: 1 }, 1])],
  [new Set([{ a: 1 }]), new Set([{ a: 2 }])], [new Set(["1"]), new Set([1])], [new Set([NaN]), new Set([NaN])],
  [new Set([1]), [1]], [new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])], [new Map([[1, 2]]), new Map([[1, 3]])],
  [new Map([[{ k: 1 }, 2]]), new Map([[{ k: 1 }, 2]])], [new Map([["1", 1]]), new Map([[1, 1]])],
  [new Map([[1, 2], [3, 4]]), new Map([[3, 4], [1, 2]])], [new Map(), {}],
  [new Uint8Array([1, 2]), new Uint8Array([1, 2])], [new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  [new Uint8Array([1, 2]), new Int8Array([1, 2])], [new Float64Array([0]), new Float64Array([-0])],
  [new Float64Array([NaN]), new Float64Array([NaN])], [new ArrayBuffer(2), new ArrayBuffer(2)],
  [new Number(1), new Number(1)], [new Number(1), 1], [new Number(1), new Number(2)],
  [new String("a"), new String("a")], [new Boolean(true), new Boolean(false)],
  [(() => { const o = {}; o.self = o; return o })(), (() => { const o = {}; o.self = o; return o })()],
  [(() => { const a = [1]; a.push(a); return a })(), (() => { const a = [1]; a.push(a); return a })()],
  [Math.max, Math.max], [Math.max, Math.min], [[[1, 2], [3]], [[1, 2], [3]]], [[1.5, "x"], [1.5, "x"]],
]`;

/**
 * A program that checks the served `assert` and `util` on many values, the same source
 * in the sandbox (its `require`) and here (Node's modules as Deno serves them).
 */
const PROBE = `const assert = require("assert");
const util = require("util");
const outcome = (fn) => { try { fn(); return "pass" } catch (e) { return e instanceof assert.AssertionError ? "assertion" : e.name } };
const results = [];
for (const [a, b] of ${PAIRS}) {
  for (const [x, y] of [[a, b], [b, a]]) {
    results.push([
      outcome(() => assert.deepEqual(x, y)), outcome(() => assert.deepStrictEqual(x, y)),
      outcome(() => assert.notDeepEqual(x, y)), outcome(() => assert.notDeepStrictEqual(x, y)),
      outcome(() => assert.strict.deepEqual(x, y)), util.isDeepStrictEqual(x, y),
      outcome(() => assert.equal(x, y)), outcome(() => assert.strictEqual(x, y)),
    ].join(" "));
  }
}
class Custom extends Error {}
const error = new TypeError("bad input");
error.code = "E_BAD";
const thrower = () => { throw error };
results.push(
  outcome(() => assert(0)), outcome(() => assert.ok("x")), outcome(() => assert()),
  outcome(() => assert.throws(thrower)), outcome(() => assert.throws(() => {})),
  outcome(() => assert.throws(thrower, TypeError)), outcome(() => assert.throws(thrower, RangeError)),
  outcome(() => assert.throws(thrower, /bad/)), outcome(() => assert.throws(thrower, /good/)),
  outcome(() => assert.throws(thrower, { code: "E_BAD", message: /input/ })),
  outcome(() => assert.throws(thrower, { code: "E_GOOD" })),
  outcome(() => assert.throws(thrower, (e) => e === error)),
  outcome(() => assert.throws(() => { throw new Custom("c") }, Error)),
  outcome(() => assert.doesNotThrow(() => {})), outcome(() => assert.doesNotThrow(thrower)),
  outcome(() => assert.match("abc", /b/)), outcome(() => assert.match("abc", /d/)),
  outcome(() => assert.doesNotMatch("abc", /d/)), outcome(() => assert.doesNotMatch("abc", /b/)),
  outcome(() => assert.ifError(null)), outcome(() => assert.ifError(error)),
  outcome(() => assert.fail()), outcome(() => assert.fail("why")),
  outcome(() => assert.strictEqual(1, 2, new RangeError("mine"))),
  outcome(() => assert.notStrictEqual(1, 2)), outcome(() => assert.notEqual(1, "1")),
  outcome(() => assert.strict.equal(1, "1")), outcome(() => assert.strict.notEqual(1, "1")),
);
try { assert.strictEqual(1, 2) } catch (e) {
  results.push(e.code, e.name, e.actual, e.expected, e.operator, e.generatedMessage, e instanceof Error);
}
try { assert.deepEqual([1], [2], "said") } catch (e) {
  results.push(e.message, e.generatedMessage, e.operator);
}
for (const value of [
  1, -0, 1.5, 10n, "a'b", 'say "hi"', "line\\nbreak", true, null, undefined, Symbol("s"),
  [], {}, [1, 2, 3], ["a", "b"], [1, [2, [3, [4, [5]]]]], { a: { b: { c: { d: 1 } } } },
  { a: 1, "b-c": 2 }, Array.from({ length: 7 }, (_, i) => i),
  Array.from({ length: 30 }, (_, i) => i * 7), Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i)),
  Array.from({ length: 150 }, (_, i) => i), Array.from({ length: 12 }, (_, i) => "item number " + i),
  [1, , 3, , , 6], Object.assign([1, 2], { extra: true }),
  { alpha: "a fairly long string value", beta: "another fairly long string", gamma: [1, 2, 3] },
  new Map([[1, { a: 1 }], ["k", [1, 2]]]), new Set(["x", 2]), new Map(), new Set(),
  new (class Point { constructor() { this.x = 1; this.y = 2 } })(), Object.create(null),
  Object.assign(Object.create(null), { a: 1 }), function named() {}, () => {}, async function af() {},
  function* gen() {}, class Base {}, class Derived extends Map {}, Math.max,
  new Uint8Array([1, 2, 3]), new Float64Array(8), new Date(0), /a+b/gi, new Number(3), new String("s"),
  { get g() { return 1 }, set s(v) {}, get gs() { return 1 }, set gs(v) {} },
  (() => { const o = { name: "c" }; o.self = o; return o })(), [[1, 2], [3, 4]], { nested: [{ a: 1 }, { b: [2] }] },
  Array.from({ length: 8 }, (_, i) => ({ id: i })), [1.25, -3, 1e21, 0.1],
  Array.from({ length: 20 }, (_, i) => (i % 3 ? "x" : "longer")),
]) results.push(util.inspect(value));
results.push(util.inspect({ a: { b: { c: { d: { e: 1 } } } } }, { depth: null }));
results.push(util.inspect({ a: { b: { c: {} } } }, { depth: 0 }));
results.push(
  util.format("%s:%d:%i:%f:%j %%", "a", 4.5, 4.5, "2.5", { x: [1] }), util.format("%s", 2n),
  util.format("a", 1, "b", { c: 2 }), util.format("%d"), util.format(1, 2), util.format("%s", [1, "x"]),
);
`;

async function inSandbox(pool: SandboxPool, job: SandboxJob): Promise<unknown> {
  const result = await pool.run(job);
  assert.equal(result.status, "ok", result.stderr);
  return JSON.parse(result.stdout);
}

Deno.test("assert and util in a program's realm behave as Node's, either way", async () => {
  const hostModules: Record<string, unknown> = {
    assert: nodeAssert,
    util: nodeUtil,
  };
  const host = new Function("require", `${PROBE}\nreturn results;`)(
    (name: string) => hostModules[name],
  );
  const expected = JSON.parse(JSON.stringify(host));
  const code = `${PROBE}\nconsole.log(JSON.stringify(results));`;
  const pool = await SandboxPool.start({ size: 1 });
  try {
    for (const job of [code, `${code}\nvoid import.meta;`]) {
      const got = await inSandbox(pool, { language: "javascript", code: job }) as unknown[];
      const differing = expected.flatMap((want: unknown, i: number) =>
        JSON.stringify(got[i]) === JSON.stringify(want) ? [] : [{ i, got: got[i], want }]
      );
      assert.deepEqual(differing, [], job === code ? "as a script" : "as a module");
      assert.equal(got.length, expected.length);
    }
  } finally {
    await pool.close();
  }
});

Deno.test("a gold test's assertions decide its verdict, and its frames say <test>", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const gold = (code: string, test_code: string, language: SandboxJob["language"] = "javascript") =>
    pool.run({ language, code, test_code, entry_point: "add" });
  const required = `const assert = require("node:assert");
function check(candidate) {
  assert.deepEqual(candidate([1], [2]), [1, 2]);
  assert.strictEqual(candidate([], []).length, 0);
}`;
  const imported = `import assert from "node:assert/strict";
function check(candidate: (a: number[], b: number[]) => number[]) {
  assert.deepEqual(candidate([1], [2]), [1, 2]);
}`;
  const right = "function add(a, b) { return [...a, ...b] }";
  const wrong = "function add(a, b) { return [...b, ...a] }";
  assert.equal((await gold(right, required)).status, "ok");
  const failed = await gold(wrong, required);
  assert.equal(failed.status, "runtime_error");
  assert.match(failed.stderr, /^AssertionError \[ERR_ASSERTION\]: Expected values to be loosely/);
  assert.match(
    failed.stderr,
    /\n\s+at check \(<test>:3:10\)|\n\s+at Module\.check \(<test>:3:10\)/,
  );
  assert.doesNotMatch(failed.stderr, /<program>|js_realm_modules|-\d+\)/);
  assert.equal((await gold(right, imported, "typescript")).status, "ok");
  assert.equal((await gold(wrong, imported, "typescript")).status, "runtime_error");
});

Deno.test("programs that import assert, util, events or perf_hooks run as scripts in a context", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  // A context has no `fetch` (a worker's own realm has): it tells where a program ran.
  const result = await pool.run({
    language: "typescript",
    code: `import assert from "node:assert";
import { inspect, format } from "node:util";
import { EventEmitter, once } from "node:events";
import { performance } from "perf_hooks";
const events = new EventEmitter();
const seen: unknown[] = [];
events.on("pair", (a: number, b: number) => seen.push(a + b));
events.once("pair", (a: number) => seen.push(-a));
console.log(events.emit("pair", 1, 2), events.emit("pair", 3, 4), events.emit("none"));
setTimeout(() => events.emit("later", "x", 1), 5);
console.log(await once(events, "later"), seen, events.listenerCount("pair"));
await assert.rejects(Promise.reject(new RangeError("r")), RangeError);
await assert.doesNotReject(async () => 1);
const rejected = await assert.rejects(Promise.resolve(1)).catch((e) => e.message);
console.log(rejected, typeof performance.now(), typeof fetch);
console.log(inspect({ [Symbol("k")]: 1, list: new Set([1]) }), format("%s=%d", "n", 4));`,
  });
  assert.equal(result.status, "ok", result.stderr);
  assert.equal(
    result.stdout,
    `true true false
[ "x", 1 ] [ 3, -1, 7 ] 1
Missing expected rejection. number undefined
{ list: Set(1) { 1 }, [Symbol(k)]: 1 } n=4
`,
  );
});
