/**
 * The script form of a JavaScript or TypeScript program, for a fresh context of its own
 * (`js_realm.ts`), or none when it must run as a module:
 *
 * - TypeScript loses its types in place ({@link typesStripped}: `node:module`'s
 *   `stripTypeScriptTypes`, so that positions in error texts stay), or through its
 *   transform for what stripping cannot remove (`enum`, `namespace`, parameter
 *   properties). The supervisor does this, not a program's worker: once `node:module` has
 *   loaded in a worker, a module program there that awaits a timer at its top level never
 *   wakes.
 * - Module syntax becomes the script a Node-style judge would run ({@link scriptForm}):
 *   each import of a module the realm's `require` serves (`fs`, `readline`,
 *   `readline/promises`, `os`, `process`, `assert`, `assert/strict`, `util`, `events`,
 *   `perf_hooks`, with or without `node:`) a `require` of it (default, namespace and named imports
 *   alike, hoisted to where the first import was), each exported declaration the
 *   declaration itself, and each other export an entry of `module.exports`, added after
 *   the program.
 *
 * Anything else keeps the program a module: another module, `export … from`, a dynamic
 * `import()`, `import.meta`, import attributes, or source that does not parse (the
 * module's own load then reports it as Deno would). The parser is acorn, loaded from the
 * URL the worker is given (the sandbox process has no package resolution).
 *
 * @module
 */
import type * as Acorn from "acorn";

/**
 * Text that may be module syntax: an `import`/`export` at the start of a line, or
 * `import(`/`import.meta` anywhere (parsed to be sure).
 */
const MODULE_SYNTAX = /^\s*(import|export)[\s{*]|\bimport\s*[(.]/m;

/** Modules the realm's `require` serves (`js_realm_runtime.ts`), by name without `node:`. */
const SERVED = new Set([
  "fs",
  "readline",
  "readline/promises",
  "os",
  "process",
  "assert",
  "assert/strict",
  "util",
  "events",
  "perf_hooks",
]);

type Strip = (code: string, options?: { mode?: "strip" | "transform" }) => string;
let strip: Promise<Strip> | undefined;
let parse: Promise<typeof Acorn.parse> | undefined;

/**
 * TypeScript `code` without its types: stripped in place, else transformed; undefined
 * when neither works (it then runs as a module, whose load reports the error as Deno
 * would).
 */
export async function typesStripped(code: string): Promise<string | undefined> {
  const stripTypes =
    await (strip ??= import("node:module").then((module) => module.stripTypeScriptTypes as Strip));
  for (const mode of ["strip", "transform"] as const) {
    try {
      return stripTypes(code, { mode });
    } catch {
      // not strippable in place (or not TypeScript at all): try the next mode
    }
  }
  return undefined;
}

/**
 * The script form of JavaScript `code`, or `undefined` when it must run as a module.
 * `parserUrl` is where acorn's ES module is (loaded only for module syntax).
 */
export async function scriptForm(code: string, parserUrl: string): Promise<string | undefined> {
  if (!MODULE_SYNTAX.test(code)) return code;
  const acornParse = await (parse ??= (import(parserUrl) as Promise<typeof Acorn>).then((
    acorn,
  ) => acorn.parse));
  return moduleAsScript(code, acornParse);
}

/** A replacement of `code.slice(start, end)`. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Text to stand in for `original` with as many line breaks, so that later lines keep their numbers. */
function sameLines(text: string, original: string): string {
  const breaks = original.split("\n").length - text.split("\n").length;
  return text + "\n".repeat(Math.max(0, breaks));
}

/** Spaces for a removed stretch, its line breaks kept. */
function blank(original: string): string {
  return original.replace(/[^\n]/g, " ");
}

/** An import's or export's name as a property key (`"a-b"` names are strings). */
function nameOf(node: Acorn.Identifier | Acorn.Literal): string {
  return node.type === "Identifier" ? node.name : String(node.value);
}

/** Whether anything under `node` needs a module: a dynamic `import()` or `import.meta`. */
function needsModule(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(needsModule);
  if (node === null || typeof node !== "object") return false;
  const type = (node as { type?: unknown }).type;
  if (type === "ImportExpression") return true;
  if (type === "MetaProperty" && (node as Acorn.MetaProperty).meta.name === "import") return true;
  return Object.values(node).some((child) => typeof child === "object" && needsModule(child));
}

/** `code` (a module) as a script, or undefined when it needs a module. */
function moduleAsScript(code: string, parse: typeof Acorn.parse): string | undefined {
  let tree: Acorn.Program;
  try {
    tree = parse(code, { ecmaVersion: "latest", sourceType: "module" });
  } catch {
    return undefined;
  }
  if (needsModule(tree.body)) return undefined;
  const edits: Edit[] = [];
  const requires: string[] = [];
  const exported: string[] = [];
  let firstImport: Acorn.ImportDeclaration | undefined;
  for (const node of tree.body) {
    const original = code.slice(node.start, node.end);
    if (node.type === "ImportDeclaration") {
      const name = String(node.source.value).replace(/^node:/, "");
      if (!SERVED.has(name) || node.attributes.length > 0) return undefined;
      const required = `require(${JSON.stringify(node.source.value)})`;
      const named: string[] = [];
      for (const specifier of node.specifiers) {
        if (
          specifier.type === "ImportSpecifier" && nameOf(specifier.imported) !== "default"
        ) {
          named.push(`${JSON.stringify(nameOf(specifier.imported))}: ${specifier.local.name}`);
        } else {
          // A default or namespace import is the module object (Node's CommonJS interop).
          requires.push(`${specifier.local.name} = ${required}`);
        }
      }
      if (named.length > 0) requires.push(`{ ${named.join(", ")} } = ${required}`);
      if (node.specifiers.length === 0) requires.push(`__import${requires.length} = ${required}`);
      firstImport ??= node;
      edits.push({ start: node.start, end: node.end, text: blank(original) });
    } else if (node.type === "ExportNamedDeclaration") {
      if (node.source) return undefined;
      if (node.declaration) {
        edits.push({
          start: node.start,
          end: node.declaration.start,
          text: blank(code.slice(node.start, node.declaration.start)),
        });
      } else {
        for (const specifier of node.specifiers) {
          const key = JSON.stringify(nameOf(specifier.exported));
          exported.push(`module.exports[${key}] = ${nameOf(specifier.local)};`);
        }
        edits.push({ start: node.start, end: node.end, text: blank(original) });
      }
    } else if (node.type === "ExportDefaultDeclaration") {
      const declaration = node.declaration;
      const named = (declaration.type === "FunctionDeclaration" ||
        declaration.type === "ClassDeclaration") && declaration.id;
      if (named) {
        edits.push({
          start: node.start,
          end: declaration.start,
          text: blank(code.slice(node.start, declaration.start)),
        });
        exported.push(`module.exports.default = ${named.name};`);
      } else {
        const text = `module.exports.default = (${
          code.slice(declaration.start, declaration.end)
        });`;
        edits.push({ start: node.start, end: node.end, text: sameLines(text, original) });
      }
    } else if (node.type === "ExportAllDeclaration") {
      return undefined;
    }
  }
  if (firstImport) {
    // Imports are bound before the module's first statement runs: all of them go where
    // the first one was (programs import first).
    const at = edits.findIndex((edit) => edit.start === firstImport.start);
    const declaration = `const ${requires.join(", ")};`;
    edits[at] = {
      ...edits[at],
      text: sameLines(declaration, code.slice(firstImport.start, firstImport.end)),
    };
  }
  let script = code;
  for (const edit of edits.toReversed()) {
    script = script.slice(0, edit.start) + edit.text + script.slice(edit.end);
  }
  return exported.length > 0 ? `${script}\n${exported.join("")}` : script;
}
