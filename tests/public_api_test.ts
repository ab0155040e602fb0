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
