import assert from "node:assert/strict";
import type { ExecutionResult } from "../src/model/execution.ts";
import { type SandboxJob, SandboxPool } from "./mod.ts";

/** Programs whose every observable result must not depend on where they run. */
const PROGRAMS: SandboxJob[] = [
  {
    language: "javascript",
    code: `class Point { constructor() { this.x = 1; this.y = [2, "3"] } }
class Base {}
class Derived extends Base {}
const cycle = { name: "c" };
cycle.self = cycle;
const long = Array.from({ length: 30 }, (_, i) => i * 7);
console.log(new Point(), [1, "a", null, undefined, -0, 10n, true], { "a-b": 1, nested: { deep: { deeper: { deepest: { gone: { past: 1 } } } } } });
console.log(new Map([[1, { a: 1 }], ["k", [1]]]), new Set(["x", 2]), long, cycle);
console.log(Derived, Base, function named() {}, async () => {}, function* gen() {}, Symbol("s"), [, 1, , 2]);
console.log(Object.create(null), new Date(0), /a+/g, new Uint8Array([1, 2, 3]), "%d", 5, { get g() { return 1 } });
console.error("to stderr", { e: 1 });
process.stdout.write("no newline");`,
  },
  {
    language: "javascript",
    code: `setTimeout(() => console.log("t50"), 50);
setTimeout(() => console.log("t5"), 5);
const id = setTimeout(() => console.log("cleared"), 1);
clearTimeout(id);
let n = 0;
const every = setInterval(() => { console.log("tick", ++n); if (n === 3) clearInterval(every) }, 100);
Promise.resolve().then(() => console.log("micro"));
queueMicrotask(() => console.log("queued"));
process.nextTick(() => console.log("tick0"));
console.log("sync");`,
  },
  {
    language: "javascript",
    code: `const data = require("fs").readFileSync(0, "utf8").trim().split("\\n");
console.log(data.map(Number).reduce((a, b) => a + b, 0), readline === undefined);`,
    stdin: "1\n2\n3\n",
  },
  {
    language: "javascript",
    code: `process.stdin.resume(); let all = "";
process.stdin.on("data", (d) => all += d);
process.stdin.on("end", () => console.log(all.split(/\\s+/).filter(Boolean).length));`,
    stdin: "a b\nc\n",
  },
  {
    language: "javascript",
    code: `const rl = require("readline").createInterface({ input: process.stdin });
(async () => { for await (const line of rl) console.log(line.toUpperCase()); })();`,
    stdin: "x\ny\n",
  },
  {
    language: "javascript",
    code: `console.log(prompt(), readline()); print("printed", 1);`,
    stdin: "p\nq\n",
  },
  { language: "javascript", code: `console.log("before"); process.exit(2); console.log("after")` },
  { language: "javascript", code: `console.log("ok"); process.exit(0)` },
  {
    language: "javascript",
    code: `function f() { return g() }\nfunction g() { throw new RangeError("deep") }\nf()`,
  },
  { language: "javascript", code: `Promise.reject(new TypeError("unhandled"))` },
  { language: "javascript", code: `setTimeout(() => { throw new Error("in a timer") }, 1)` },
  { language: "javascript", code: `require("child_process")` },
  {
    language: "javascript",
    code: `console.log(typeof Deno, typeof WebAssembly, typeof Worker)`,
  },
  {
    language: "javascript",
    code: `(async () => console.log(typeof (await import("node:path")).join))()`,
  },
  {
    language: "javascript",
    code: `console.log(new TextEncoder().encode("é").length, structuredClone([1, { a: 2 }]))`,
  },
  {
    language: "javascript",
    code:
      `async function f(xs, d) { await new Promise((r) => setTimeout(r, 5)); return [xs.length, d, new Set(xs), 2n ** 70n] }`,
    call: { entry_point: "f", args: "[3, 1, 2], {'k': (1, 2)}" },
  },
  {
    language: "javascript",
    code: `const f = (s, b, n) => [s.toUpperCase(), b.length, n === Infinity, Number.isNaN(n)]`,
    call: { entry_point: "f", args: "'abc', b'xy', float('inf')" },
  },
  {
    language: "javascript",
    code:
      `function f(m) { console.log("printed", m); return m instanceof Map ? [...m.keys()] : m }`,
    call: { entry_point: "f", args: "{1: 'a', (2, 3): 'b'}" },
  },
  {
    language: "javascript",
    code: `module.exports.f = (x) => x + 1`,
    call: { entry_point: "f", args: "1" },
  },
  {
    language: "javascript",
    code: `function g(x) { return x }`,
    call: { entry_point: "f", args: "1" },
  },
  {
    language: "javascript",
    code: `function f() { return () => 1 }`,
    call: { entry_point: "f", args: "" },
  },
  { language: "javascript", code: `console.log("x".repeat(3000)); console.log("more")` },
];

/** The same program, made a module (it then runs in a worker's own realm). */
const asModule = (job: SandboxJob): SandboxJob => ({ ...job, code: `${job.code}\nexport {};` });

const essence = (r: ExecutionResult) => ({
  status: r.status,
  stdout: r.stdout,
  stderr: r.stderr,
  return_value: r.return_value,
});

Deno.test("a JavaScript program runs alike in a context of its own and as a module", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000, maxOutputBytes: 2000 });
  for (const job of PROGRAMS) {
    const script = await pool.run(job);
    const module = await pool.run(asModule(job));
    assert.deepEqual(essence(script), essence(module), job.code);
    assert.notEqual(script.status, "sandbox_error", job.code);
  }
});

Deno.test("what a JavaScript program prints and how it ends", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const [
    printed,
    timers,
    fs,
    stdin,
    lines,
    prompts,
    exit2,
    exit0,
    thrown,
    rejected,
    timer,
    missing,
    host,
  ] = await Promise.all(PROGRAMS.slice(0, 13).map((job) => pool.run(job)));
  assert.equal(printed.status, "ok");
  assert.equal(
    printed.stdout,
    `Point { x: 1, y: [ 2, "3" ] } [ 1, "a", null, undefined, -0, 10n, true ] {
  "a-b": 1,
  nested: {
    deep: { deeper: { deepest: { gone: [Object] } } }
  }
}
Map(2) { 1 => { a: 1 }, "k" => [ 1 ] } Set(2) { "x", 2 } [
    0,   7,  14,  21,  28,  35,  42,  49,
   56,  63,  70,  77,  84,  91,  98, 105,
  112, 119, 126, 133, 140, 147, 154, 161,
  168, 175, 182, 189, 196, 203
] <ref *1> { name: "c", self: [Circular *1] }
[class Derived extends Base] [class Base] [Function: named] [AsyncFunction (anonymous)] [GeneratorFunction: gen] Symbol(s) [ <1 empty item>, 1, <1 empty item>, 2 ]
[Object: null prototype] {} 1970-01-01T00:00:00.000Z /a+/g Uint8Array(3) [ 1, 2, 3 ] %d 5 { g: [Getter] }
no newline`,
  );
  assert.equal(printed.stderr, `to stderr { e: 1 }\n`);
  assert.equal(timers.stdout, "sync\nmicro\nqueued\ntick0\nt5\nt50\ntick 1\ntick 2\ntick 3\n");
  assert.equal(fs.stdout, "6 false\n");
  assert.equal(stdin.stdout, "3\n");
  assert.equal(lines.stdout, "X\nY\n");
  assert.equal(prompts.stdout, "p q\nprinted 1\n");
  assert.deepEqual([exit2.status, exit2.stdout, exit2.stderr], [
    "runtime_error",
    "before\n",
    "process.exit(2)",
  ]);
  assert.deepEqual([exit0.status, exit0.stdout], ["ok", "ok\n"]);
  assert.equal(thrown.status, "runtime_error");
  assert.equal(
    thrown.stderr,
    "RangeError: deep\n    at g (<program>:2:22)\n    at f (<program>:1:23)\n    at <program>:3:1",
  );
  assert.match(rejected.stderr, /^TypeError: unhandled/);
  assert.match(timer.stderr, /^Error: in a timer/);
  assert.match(missing.stderr, /Cannot find module 'child_process'/);
  assert.equal(host.stdout, "undefined undefined undefined\n");
});

Deno.test("a JavaScript program's timer that never stops and a promise that never settles time out", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 300 });
  const interval = await pool.run({ language: "javascript", code: "setInterval(() => {}, 5)" });
  const pending = await pool.run({
    language: "javascript",
    code: "function f() { return new Promise(() => {}) }",
    call: { entry_point: "f", args: "" },
  });
  assert.equal(interval.status, "timeout");
  assert.equal(pending.status, "timeout");
  const after = await pool.run({ language: "javascript", code: "console.log(1)" });
  assert.equal(after.stdout, "1\n");
});

Deno.test("a JavaScript program whose promise is rejected without a handler fails, either way", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const codes = [
    `async function main() { await null; console.log("started"); throw new Error("in main") }\nmain();`,
    `setTimeout(() => Promise.reject(new Error("late")), 5); console.log("started")`,
  ];
  for (const code of codes) {
    for (
      const job of [
        { language: "javascript" as const, code },
        asModule({ language: "javascript", code }),
      ]
    ) {
      const result = await pool.run(job);
      assert.equal(result.status, "runtime_error", job.code);
      assert.equal(result.stdout, "started\n");
      assert.match(result.stderr, /^Error: (in main|late)/);
    }
  }
});

/** Format strings in `console` calls, and what `deno run` prints for them. */
const FORMATS = `console.log("%d items", 5);
console.log("%s|%d|%i|%f|%o|%O|%c|%%|%x|%", "str", 42.7, 42.7, "3.5", {a: [1, {b: 2}]}, {a: 1}, "color: red", "extra");
console.log("%d %d", 1);
console.log("%s", {a: 1}, [1, 2]);
console.log("%s %s", 10n, Symbol("q"));
console.log("%d", 10n, "%d");
console.log("%i", -3.9);
console.log("%f", 1.50);
console.log("100%", 5);
console.log("%s", null, undefined);
console.log("a%%b", 1);
console.log("%o", "str");
console.log("%s", [1, [2, 3]]);
console.log(5, "%d", 6);
console.log("%d");
class A { toString() { return "A!" } }
console.log("%s", new A());
console.log("%s", function f() {});
console.log("%s", new Error("boom").message);
console.log("%s", -0, "%d", -0);
console.log("%d", "12");`;
const FORMATTED = `5 items
str|42|42|3.5|{ a: [ 1, { b: 2 } ] }|{ a: 1 }||%|%x|% extra
1 %d
[object Object] [ 1, 2 ]
10 Symbol(q)
10 %d
-3
1.5
100% 5
null undefined
a%b 1
"str"
1,2,3
5 %d 6
%d
A!
function f() {}
boom
0 %d -0
12
`;

Deno.test("console format strings print as Deno's console prints them, either way", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const job = { language: "javascript" as const, code: FORMATS };
  for (const run of [job, asModule(job)]) {
    const result = await pool.run(run);
    assert.equal(result.stdout, FORMATTED, run.code);
  }
});
