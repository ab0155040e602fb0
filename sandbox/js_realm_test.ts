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
  {
    language: "javascript",
    code: `let answer = 0;
process.on("exit", (code) => console.log("exit", code, answer));
setTimeout(() => (answer = 42), 5);`,
  },
  {
    language: "javascript",
    code: `process.once("exit", (code) => console.log("exit", code));
process.exit(3);`,
  },
  {
    language: "javascript",
    code:
      `const rl = require("readline").createInterface({ input: process.stdin, output: process.stdout });
rl.question("n? ", (n) => console.log(n * 2));`,
    stdin: "21\n",
  },
  {
    language: "javascript",
    code:
      `require("readline").createInterface(process.stdin).question("unseen ", (n) => console.log(n));`,
    stdin: "21\n",
  },
  {
    language: "javascript",
    code: `const rl = require("readline").createInterface({ input: process.stdin });
let total = 0;
for await (const line of rl) total += Number(line);
await new Promise((resolve) => setTimeout(resolve, 5));
console.log(total);`,
    stdin: "4\n5\n",
  },
  {
    language: "javascript",
    code: `const f = await Promise.resolve((x) => x + 1);`,
    call: { entry_point: "f", args: "1" },
  },
  { language: "javascript", code: `console.log("before"); await Promise.reject(new Error("no"))` },
  {
    language: "javascript",
    code: `const fs = require("fs");
const bytes = fs.readFileSync(0);
console.log(bytes.length, bytes[0], bytes.toString().trim().split("\\n"), JSON.stringify(bytes + ""));
console.log(bytes.slice(0, 2).toString(), bytes.toString("utf8", 3), require("os").EOL === "\\n");`,
    stdin: "21\né\n",
  },
  {
    language: "javascript",
    code: `let input = "";
for await (const chunk of process.stdin) input += chunk;
console.log(JSON.stringify(input));`,
    stdin: "1 2\n3\n",
  },
  {
    language: "javascript",
    code: `let input = "";
const kinds = [];
process.stdin.on("readable", () => {
  for (let chunk; (chunk = process.stdin.read()) !== null;) (input += chunk), kinds.push(typeof chunk);
});
process.stdin.on("end", () => console.log(JSON.stringify(input), kinds));`,
    stdin: "a\nb\n",
  },
  {
    language: "javascript",
    code: `const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => console.log(JSON.stringify(Buffer.concat(chunks).toString())));
const rl = require("readline").createInterface({ input: process.stdin });
rl.once("line", (line) => console.log("first", line));`,
    stdin: "x\ny\n",
  },
  {
    language: "javascript",
    code: `process.stdin.setEncoding("utf8");
process.stdin.once("data", (chunk) => console.log(typeof chunk, chunk.length));`,
    stdin: "abc\n",
  },
  {
    language: "javascript",
    code: `const rl = require("node:readline/promises").createInterface({ input: process.stdin });
const first = await rl.question("");
console.log(Number(first) + Number(await rl.question("")));
rl.close();`,
    stdin: "20\n22\n",
  },
];

/**
 * The same program, made a module that cannot run as a script (`import.meta`): it then
 * runs in a worker's own realm.
 */
const asModule = (job: SandboxJob): SandboxJob => ({
  ...job,
  code: `${job.code}\nvoid import.meta;`,
});

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

/**
 * What `deno run` prints for `console` calls with format strings, and for values past
 * `Deno.inspect`'s limits (100 items, 10,000 characters): program, then its output.
 */
const AS_DENO_PRINTS: [string, string][] = [
  [
    `console.log("%d items", 5);
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
console.log("%d", "12");`,
    `5 items
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
`,
  ],
  [
    `console.log(Array.from({ length: 150 }, (_, i) => i));
console.log(new Map(Array.from({ length: 150 }, (_, i) => [i, i])));
console.log(new Set(Array.from({ length: 150 }, (_, i) => i)));
console.log(new Uint8Array(150));
console.log({ s: "x".repeat(20000).length, a: Array(3) });
const o = {}; for (let i = 0; i < 30; i++) o["k" + i] = i; console.log(o);`,
    `[
   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,
  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,
  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
  96, 97, 98, 99,
  ... 50 more items
]
Map(150) {
  0 => 0,
  1 => 1,
  2 => 2,
  3 => 3,
  4 => 4,
  5 => 5,
  6 => 6,
  7 => 7,
  8 => 8,
  9 => 9,
  10 => 10,
  11 => 11,
  12 => 12,
  13 => 13,
  14 => 14,
  15 => 15,
  16 => 16,
  17 => 17,
  18 => 18,
  19 => 19,
  20 => 20,
  21 => 21,
  22 => 22,
  23 => 23,
  24 => 24,
  25 => 25,
  26 => 26,
  27 => 27,
  28 => 28,
  29 => 29,
  30 => 30,
  31 => 31,
  32 => 32,
  33 => 33,
  34 => 34,
  35 => 35,
  36 => 36,
  37 => 37,
  38 => 38,
  39 => 39,
  40 => 40,
  41 => 41,
  42 => 42,
  43 => 43,
  44 => 44,
  45 => 45,
  46 => 46,
  47 => 47,
  48 => 48,
  49 => 49,
  50 => 50,
  51 => 51,
  52 => 52,
  53 => 53,
  54 => 54,
  55 => 55,
  56 => 56,
  57 => 57,
  58 => 58,
  59 => 59,
  60 => 60,
  61 => 61,
  62 => 62,
  63 => 63,
  64 => 64,
  65 => 65,
  66 => 66,
  67 => 67,
  68 => 68,
  69 => 69,
  70 => 70,
  71 => 71,
  72 => 72,
  73 => 73,
  74 => 74,
  75 => 75,
  76 => 76,
  77 => 77,
  78 => 78,
  79 => 79,
  80 => 80,
  81 => 81,
  82 => 82,
  83 => 83,
  84 => 84,
  85 => 85,
  86 => 86,
  87 => 87,
  88 => 88,
  89 => 89,
  90 => 90,
  91 => 91,
  92 => 92,
  93 => 93,
  94 => 94,
  95 => 95,
  96 => 96,
  97 => 97,
  98 => 98,
  99 => 99,
  ... 50 more items
}
Set(150) {
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19,
  20,
  21,
  22,
  23,
  24,
  25,
  26,
  27,
  28,
  29,
  30,
  31,
  32,
  33,
  34,
  35,
  36,
  37,
  38,
  39,
  40,
  41,
  42,
  43,
  44,
  45,
  46,
  47,
  48,
  49,
  50,
  51,
  52,
  53,
  54,
  55,
  56,
  57,
  58,
  59,
  60,
  61,
  62,
  63,
  64,
  65,
  66,
  67,
  68,
  69,
  70,
  71,
  72,
  73,
  74,
  75,
  76,
  77,
  78,
  79,
  80,
  81,
  82,
  83,
  84,
  85,
  86,
  87,
  88,
  89,
  90,
  91,
  92,
  93,
  94,
  95,
  96,
  97,
  98,
  99,
  ... 50 more items
}
Uint8Array(150) [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0,
  ... 50 more items
]
{ s: 20000, a: [ <3 empty items> ] }
{
  k0: 0,
  k1: 1,
  k2: 2,
  k3: 3,
  k4: 4,
  k5: 5,
  k6: 6,
  k7: 7,
  k8: 8,
  k9: 9,
  k10: 10,
  k11: 11,
  k12: 12,
  k13: 13,
  k14: 14,
  k15: 15,
  k16: 16,
  k17: 17,
  k18: 18,
  k19: 19,
  k20: 20,
  k21: 21,
  k22: 22,
  k23: 23,
  k24: 24,
  k25: 25,
  k26: 26,
  k27: 27,
  k28: 28,
  k29: 29
}
`,
  ],
];

Deno.test("console calls print as Deno's console prints them, either way", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  for (const [code, printed] of AS_DENO_PRINTS) {
    const job = { language: "javascript" as const, code };
    for (const run of [job, asModule(job)]) {
      const result = await pool.run(run);
      assert.equal(result.stdout, printed, run.code);
    }
  }
});

/** TypeScript and module programs whose imports the realm serves: they run as scripts in a context. */
const SCRIPT_FORMS: SandboxJob[] = [
  {
    language: "typescript",
    code: `import * as readline from "node:readline/promises";
import { stdin as input, stdout as output } from "node:process";
import { EOL } from "os";
const rl = readline.createInterface({ input, output });
const n: number = Number(await rl.question(""));
process.stdout.write(String(n * 2) + EOL);
rl.close();`,
    stdin: "21\n",
  },
  {
    language: "typescript",
    code: `import * as readline from "readline";
const rl = readline.createInterface({ input: process.stdin });
const lines: string[] = [];
rl.on("line", (line: string) => lines.push(line));
rl.on("close", () => console.log(lines.map(Number).reduce((a, b) => a + b, 0)));`,
    stdin: "1\n2\n3\n",
  },
  {
    language: "javascript",
    code: `import { readFileSync as read } from "node:fs";
import process from "process";
process.stdout.write(read(0, "utf8").toUpperCase());`,
    stdin: "a\nb\n",
  },
  {
    language: "javascript",
    code: `function helper(x) { return x * 2 }
export { helper as solve };`,
    call: { entry_point: "solve", args: "21" },
  },
  {
    language: "typescript",
    code: `enum Color { Red, Green }
export function f(c: Color): string { return Color[c] }`,
    call: { entry_point: "f", args: "1" },
  },
  {
    language: "typescript",
    code: `interface P { x: number }
const p: P = { x: 1 };
throw new Error("at " + (p.x + 1));`,
  },
  { language: "typescript", code: `const x: number = ;` },
];

Deno.test("TypeScript and module programs run as scripts in a context, as their modules would", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  // As modules (in a worker's own realm) the first four fail: Deno's own
  // `node:readline/promises` does not read the realm's stdin, Deno resolves no bare
  // "readline", its Node modules need the `Deno` namespace the realm lacks, and an entry
  // point exported under another name is not found.
  for (const job of SCRIPT_FORMS.slice(4)) {
    assert.deepEqual(
      essence(await pool.run(job)),
      essence(await pool.run(asModule(job))),
      job.code,
    );
  }
  const [promised, read, upper, alias, call, thrown, broken] = await Promise.all(
    SCRIPT_FORMS.map((job) => pool.run(job)),
  );
  assert.equal(promised.stdout, "42\n");
  assert.equal(read.stdout, "6\n");
  assert.equal(upper.stdout, "A\nB\n");
  assert.equal(call.return_value, '"Green"');
  assert.equal(alias.return_value, "42");
  assert.equal(thrown.status, "runtime_error");
  assert.match(thrown.stderr, /^Error: at 2\n\s+at <program>:3:7/);
  assert.equal(broken.status, "compile_error");
  // The parse error's frame shows the program's own first line, marked where it fails.
  assert.match(broken.stderr, /\n1 \| const x: number = ;\n {2}\| {19}~\n/);
});

Deno.test("a program runs as a script in a context unless it imports what the realm lacks", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  // A context has no `fetch` (a worker's own realm has): it tells where a program ran.
  const where = async (job: SandboxJob) => (await pool.run(job)).stdout;
  const probe = "console.log(typeof fetch);";
  assert.equal(
    await where({ language: "typescript", code: `const n: number = 1;${probe}` }),
    "undefined\n",
  );
  assert.equal(
    await where({
      language: "javascript",
      code: `import fs from "node:fs";\n${probe}\nexport {};`,
    }),
    "undefined\n",
  );
  assert.equal(
    await where({ language: "javascript", code: `import { join } from "node:path";\n${probe}` }),
    "function\n",
  );
  // A top level that awaits runs as an async function in a context; a module that also
  // imports what the realm lacks runs in the worker's own realm, its timers served alike.
  assert.equal(
    await where({
      language: "typescript",
      code: `const n: number = await new Promise((resolve) => setTimeout(() => resolve(1), 20));
console.log(n, typeof fetch);`,
    }),
    "1 undefined\n",
  );
  assert.equal(
    await where({
      language: "javascript",
      code: `import { join } from "node:path";
await new Promise((resolve) => setTimeout(resolve, 20));
console.log(join("a", "b"), typeof fetch);`,
    }),
    "a/b function\n",
  );
});

Deno.test("a module program that awaits the host and then its own timer finishes", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  // The digest runs on another thread: the program schedules its timer only after the
  // runner found none scheduled.
  const result = await pool.run({
    language: "javascript",
    code: `await crypto.subtle.digest("SHA-256", new Uint8Array(1 << 22));
await new Promise((resolve) => setTimeout(resolve, 10));
console.log("done");
void import.meta;`,
  });
  assert.equal(result.status, "ok", result.stderr);
  assert.equal(result.stdout, "done\n");
});

Deno.test("stdin read as a Node judge serves it: bytes that turn into text, chunks, events, promised answers", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const [bytes, chunks, readable, concat, encoded, promised] = await Promise.all(
    PROGRAMS.slice(-6).map((job) => pool.run(job)),
  );
  assert.equal(bytes.stdout, `6 50 [ "21", "é" ] "21\\né\\n"\n21 é\n true\n`);
  assert.equal(chunks.stdout, `"1 2\\n3\\n"\n`);
  assert.equal(readable.stdout, `"a\\nb\\n" [ "object" ]\n`);
  // The shim's stdin serves one reader: the "data" listener here, not the readline interface.
  assert.equal(concat.stdout, `"x\\ny\\n"\n`);
  assert.equal(encoded.stdout, "string 4\n");
  assert.equal(promised.stdout, "42\n");
});

Deno.test("a program's exit listeners run when its input is over, whatever ended it", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const [drained, exited] = await Promise.all(
    PROGRAMS.filter((job) => job.code.includes(`"exit"`)).map((job) => pool.run(job)),
  );
  assert.equal(drained.stdout, "exit 0 42\n");
  assert.equal(exited.status, "runtime_error");
  assert.equal(exited.stdout, "exit 3\n");
});

Deno.test("a readline question is printed when the interface has an output stream, as in Node", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const [asked, unseen] = await Promise.all(
    PROGRAMS.filter((job) => job.code.includes(".question(")).map((job) => pool.run(job)),
  );
  assert.equal(asked.stdout, "n? 42\n");
  assert.equal(unseen.stdout, "21\n");
});
