import assert from "node:assert/strict";

const MOD = new URL("../mod.ts", import.meta.url);

Deno.test("mod.ts exports by name only", async () => {
  const source = await Deno.readTextFile(MOD);
  assert.doesNotMatch(source, /export\s*\*/);
});

Deno.test("every export of mod.ts has JSDoc", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", MOD.pathname],
    stderr: "piped",
  }).output();
  assert.ok(output.success, `deno doc failed: ${new TextDecoder().decode(output.stderr)}`);
  const doc = JSON.parse(new TextDecoder().decode(output.stdout));
  const symbols: { name: string; declarations: { jsDoc?: { doc?: string } }[] }[] =
    doc.nodes[MOD.href].symbols;
  assert.ok(symbols.length > 100, `only ${symbols.length} exports`);
  const undocumented = symbols
    .filter((symbol) => !symbol.declarations.some((d) => d.jsDoc?.doc?.trim()))
    .map((symbol) => symbol.name);
  assert.deepEqual(undocumented, []);
});

/**
 * Documentation lint findings still open, by file, at most: JSDoc missing on
 * `compose` and `pipe` overloads and on a few fields. Lower these as they are
 * documented; at zero this test becomes `deno doc --lint mod.ts` in `deno task check`.
 */
const OPEN_DOC_LINT: Record<string, number> = {
  "sandbox/executor.ts": 1,
  "sandbox/job.ts": 2,
  "sandbox/judge.ts": 4,
  "src/stream/errors.ts": 2,
  "src/stream/stage.ts": 17,
  "src/stream/window.ts": 3,
};

Deno.test("deno doc --lint mod.ts finds nothing beyond the open findings", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", MOD.pathname],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  const root = new URL("../", import.meta.url).pathname;
  const found: Record<string, number> = {};
  const lines = new TextDecoder().decode(output.stderr).split("\n");
  lines.forEach((line, i) => {
    if (!/^error\[/.test(line)) return;
    const at = /--> (.+):\d+:\d+$/.exec(lines[i + 1] ?? "")?.[1] ?? "(unknown)";
    const file = at.startsWith(root) ? at.slice(root.length) : at;
    found[file] = (found[file] ?? 0) + 1;
  });
  const beyond = Object.entries(found).filter(([file, n]) => n > (OPEN_DOC_LINT[file] ?? 0));
  assert.deepEqual(beyond, [], lines.filter((l) => /^error|-->/.test(l)).join("\n"));
});
