import assert from "node:assert/strict";
import { scriptForm, typesStripped } from "./js_script.ts";

const PARSER = import.meta.resolve("acorn");
const js = (code: string) => scriptForm(code, PARSER);
const ts = async (code: string) => {
  const stripped = await typesStripped(code);
  return stripped === undefined ? undefined : await js(stripped);
};

Deno.test("a script stays as it is, without loading the parser", async () => {
  const code = `const rl = require("readline");\nconsole.log("import x from 'y'");`;
  assert.equal(await scriptForm(code, "file:///missing.mjs"), code);
});

Deno.test("imports of the modules the realm serves become requires where the first import was", async () => {
  const lines = [
    "// solution",
    `import fs, { readFileSync as read, "existsSync" as exists } from "fs";`,
    `import * as readline from "node:readline";`,
    "import {",
    "  default as proc,",
    `} from "process";`,
    `import "fs";`,
    `console.log(read(0, "utf8"));`,
  ];
  const blank = (line: string) => " ".repeat(line.length);
  assert.equal(
    await js(lines.join("\n")),
    [
      lines[0],
      `const fs = require("fs"), { "readFileSync": read, "existsSync": exists } = require("fs"), readline = require("node:readline"), proc = require("process"), __import4 = require("fs");`,
      ...lines.slice(2, 7).map(blank),
      lines[7],
    ].join("\n"),
  );
});

Deno.test("exports become declarations and entries of module.exports after the program", async () => {
  assert.equal(
    await js(`export function f(x) { return x }\nexport const a = 1, b = 2;`),
    `       function f(x) { return x }\n       const a = 1, b = 2;`,
  );
  assert.equal(
    await js(`function g() {}\nexport { g as solve, g as "a-b" };\n// end`),
    `function g() {}\n${
      " ".repeat(34)
    }\n// end\nmodule.exports["solve"] = g;module.exports["a-b"] = g;`,
  );
  assert.equal(
    await js(`export default class Solver {}`),
    `               class Solver {}\nmodule.exports.default = Solver;`,
  );
  assert.equal(
    await js(`export default (x) =>\n  x * 2;\nconsole.log(1)`),
    `module.exports.default = ((x) =>\n  x * 2);\nconsole.log(1)`,
  );
});

Deno.test("TypeScript loses its types in place, or through the transform when stripping cannot", async () => {
  assert.equal(
    await ts(`const n: number = 1;\nfunction f(x: string): void {}`),
    `const n         = 1;\nfunction f(x        )       {}`,
  );
  const transformed = await ts(`enum Color { Red, Green }\nconsole.log(Color.Green);`);
  assert.match(transformed!, /Color\[Color\["Green"\] = 1\] = "Green"/);
  assert.equal(
    await ts(`import * as readline from "readline";\nconst lines: string[] = [];`),
    `const readline = require("readline");\nconst lines           = [];`,
  );
});

Deno.test("what needs a module keeps the program a module", async () => {
  for (
    const code of [
      `import { join } from "node:path";`,
      `import data from "./data.json" with { type: "json" };`,
      `export { readFileSync } from "fs";`,
      `export * from "fs";`,
      `const m = await import("fs");`,
      `function f() { return import("fs") }\nexport { f };`,
      `console.log(import.meta.url);\nexport {};`,
      `import fs from "fs";\nconst = 1;`,
    ]
  ) {
    assert.equal(await js(code), undefined, code);
  }
  assert.equal(await ts(`const x: number = ;`), undefined);
});
