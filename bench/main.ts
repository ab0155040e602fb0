/**
 * Runs the benchmarks in this folder, one process each, in name order:
 * `deno task bench` for all, `deno task bench stream sandbox` for some,
 * `deno task bench pipeline --quick` to pass options on (everything from the first
 * option is given to each benchmark run), `deno task bench --help` for the list.
 */
import { closestName } from "../mod.ts";

const here = new URL(".", import.meta.url).pathname;

/** The benchmarks, by name, with the first line of their module doc. */
function benchmarks(): Map<string, string> {
  const names = [...Deno.readDirSync(here)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".ts") && name !== "main.ts" && !name.endsWith("_test.ts"))
    .map((name) => name.slice(0, -3))
    .sort();
  return new Map(
    names.map((name) => [name, summaryLine(Deno.readTextFileSync(`${here}${name}.ts`))]),
  );
}

/** The first sentence of a module's doc comment, on one line. */
function summaryLine(source: string): string {
  const doc = source.match(/\/\*\*([\s\S]*?)\*\//)?.[1] ?? "";
  const paragraph = doc.split("\n").map((line) => line.replace(/^\s*\*\s?/, "").trim())
    .join("\n").trim().split("\n\n")[0].replaceAll("\n", " ");
  const plain = paragraph.replace(/\s*\(issue:[^)]*\)/, "");
  return (plain.match(/^.*?[.:](?=\s|$)/)?.[0] ?? plain).replace(/[.:]$/, "");
}

/** What a command line asks for: benchmark names, and the options passed to each. */
export interface BenchPlan {
  names: string[];
  options: string[];
  help: boolean;
}

/**
 * Splits `args` into benchmark names (before the first argument starting with
 * `-`) and options passed on (from there on); throws naming an unknown benchmark
 * and the closest known one.
 */
export function planBench(args: string[], known: readonly string[]): BenchPlan {
  const first = args.findIndex((arg) => arg.startsWith("-"));
  const names = first === -1 ? args : args.slice(0, first);
  const options = first === -1 ? [] : args.slice(first);
  for (const name of names) {
    if (known.includes(name)) continue;
    const near = closestName(name, known);
    throw new Error(
      `Unknown benchmark "${name}"${near ? `: did you mean "${near}"?` : ""} ` +
        `(one of ${known.join(", ")})`,
    );
  }
  const help = names.length === 0 && (options.includes("--help") || options.includes("-h"));
  return { names: names.length ? names : [...known], options, help };
}

function usage(all: Map<string, string>): string {
  const width = Math.max(...[...all.keys()].map((name) => name.length)) + 2;
  return [
    "Usage: deno task bench [NAME ...] [OPTIONS ...]",
    "",
    "Runs every benchmark, or the ones named; options (from the first argument that",
    "starts with -) are passed to each, e.g. deno task bench pipeline --quick.",
    "",
    "Benchmarks:",
    ...[...all].map(([name, line]) => `  ${name.padEnd(width)}${line}`),
  ].join("\n");
}

/** Runs the benchmarks `args` name; resolves to the exit code. */
async function main(args: string[]): Promise<number> {
  const all = benchmarks();
  let plan: BenchPlan;
  try {
    plan = planBench(args, [...all.keys()]);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (plan.help) {
    console.log(usage(all));
    return 0;
  }
  const { names, options } = plan;
  let failed = 0;
  for (const name of names) {
    console.log(`\n=== bench/${name}.ts ${options.join(" ")}`.trimEnd() + " ===");
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${here}${name}.ts`, ...options],
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      failed++;
      console.log(`bench/${name}.ts failed with exit code ${status.code}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
