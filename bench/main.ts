/**
 * Runs every benchmark in this folder, one process each, in name order:
 * `deno task bench` for all, `deno task bench stream sandbox` for some.
 */
const here = new URL(".", import.meta.url).pathname;
const wanted = new Set(Deno.args);
const names = [...Deno.readDirSync(here)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ts") && name !== "main.ts" && !name.endsWith("_test.ts"))
  .map((name) => name.slice(0, -3))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name}.ts ===`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${here}${name}.ts`],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    failed++;
    console.log(`bench/${name}.ts failed with exit code ${status.code}`);
  }
}
if (failed > 0) Deno.exit(1);
