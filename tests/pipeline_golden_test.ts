/**
 * The pairs each recipe writes stay the same, byte for byte (ids and `seq` aside),
 * on the examples and on recorded HumanEval samples: every case is compared with the
 * pairs recorded in `tests/fixtures/golden/` (and, for `eval`, its figures).
 *
 * To record the files again after a change that is meant to change the pairs:
 * `GOLDEN_UPDATE=1 deno test -A tests/pipeline_golden_test.ts`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import type { RunSummary } from "../pipelines/summary.ts";
import { HAS_SHARED_DATA, sharedData } from "./support/shared_data.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const GOLDEN = new URL("./fixtures/golden/", import.meta.url).pathname;
const UPDATE = Deno.env.get("GOLDEN_UPDATE") === "1";

interface Case {
  name: string;
  args: string[];
  /** Needs ../shared/data. */
  shared?: boolean;
}

/** A long limit: a right program slowed by a loaded machine must not time out here. */
const EXAMPLES = ["--timeout-ms", "5000", "--pool-size", "2"];
const HUMANEVAL = () => [
  ...["--api", "completions", "--problems", sharedData("humaneval", "HumanEval.jsonl")],
  ...["--samples", sharedData("humaneval_samples", "solutions_dev.jsonl")],
  ...["--frontier-samples", sharedData("humaneval_samples", "test_cases_dev.jsonl")],
  ...["--limit", "8", "--n", "6", "--pool-size", "2"],
];

const CASES: Case[] = [
  ...["math-self-consistency", "math-frontier", "code-self-consistency", "code-frontier"].map(
    (recipe) => ({ name: `examples-${recipe}`, args: ["--recipe", recipe, ...EXAMPLES] }),
  ),
  { name: "examples-gold", args: ["--recipe", "gold", ...EXAMPLES] },
  { name: "examples-eval", args: ["--recipe", "eval", ...EXAMPLES] },
  ...["code-self-consistency", "code-frontier", "gold", "eval"].map((recipe) => ({
    name: `humaneval-${recipe}`,
    args: ["--recipe", recipe],
    shared: true,
  })),
];

/** A pair without what may differ between equal runs (`seq`, `id`), as one JSON line. */
function canonical(pair: Pair): string {
  const { seq: _seq, id: _id, ...rest } = pair;
  return JSON.stringify(rest);
}

async function runCase(test: Case): Promise<{ pairs: string[]; figures?: unknown }> {
  const dir = join(await Deno.makeTempDir(), "golden");
  const args = [...test.args, ...(test.shared ? HUMANEVAL() : [])];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--run", dir, "--no-serve", ...args],
    env: { NO_COLOR: "1" },
    stdout: "null",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const pairs = (await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl"))))
    .map(canonical).sort();
  const summary: RunSummary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  const figures = summary.recipes.eval?.figures;
  await Deno.remove(join(dir, ".."), { recursive: true });
  return { pairs, ...(figures ? { figures } : {}) };
}

/** Cases run this many at a time (most of a code case is waiting on the sandbox). */
const AT_ONCE = 3;

Deno.test("pipeline writes the recorded pairs of every recipe", async (t) => {
  const cases = CASES.filter((test) => !test.shared || HAS_SHARED_DATA);
  const results = new Map<string, Promise<{ pairs: string[]; figures?: unknown }>>();
  let next = 0;
  const slot = async (): Promise<void> => {
    while (next < cases.length) {
      const test = cases[next++];
      const result = runCase(test);
      results.set(test.name, result);
      await result.catch(() => {});
    }
  };
  const slots = Promise.all(Array.from({ length: AT_ONCE }, slot));
  for (const test of CASES) {
    await t.step({
      name: test.name,
      ignore: !cases.includes(test),
      fn: async () => {
        while (!results.has(test.name)) await new Promise((r) => setTimeout(r, 50));
        await checkCase(test, await results.get(test.name)!);
      },
    });
  }
  await slots;
});

async function checkCase(test: Case, got: { pairs: string[]; figures?: unknown }): Promise<void> {
  const pairsFile = join(GOLDEN, `${test.name}.pairs.jsonl`);
  const figuresFile = join(GOLDEN, `${test.name}.figures.json`);
  if (UPDATE) {
    await Deno.mkdir(GOLDEN, { recursive: true });
    await Deno.writeTextFile(pairsFile, got.pairs.map((line) => `${line}\n`).join(""));
    if (got.figures) {
      await Deno.writeTextFile(figuresFile, `${JSON.stringify(got.figures, null, 2)}\n`);
    }
    return;
  }
  const want = (await Deno.readTextFile(pairsFile)).split("\n").filter(Boolean);
  assert.equal(got.pairs.length, want.length, "pair count");
  assert.deepEqual(got.pairs, want);
  if (got.figures) {
    assert.deepEqual(
      rounded(got.figures),
      rounded(JSON.parse(await Deno.readTextFile(figuresFile))),
    );
  }
}

/** Figures with every number to 12 digits: sums over problems finish in any order. */
function rounded(figures: unknown): unknown {
  return JSON.parse(
    JSON.stringify(
      figures,
      (_, value) => typeof value === "number" ? Number(value.toPrecision(12)) : value,
    ),
  );
}
