/**
 * Crash test: a pipeline killed with SIGKILL at several points and re-run ends with
 * exactly the pairs of an uninterrupted run of the same seed, and requests little
 * more than it (at most what was in flight at each kill).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { PairLog } from "../src/store/pair_log.ts";
import { FRONTIER_MODEL, startExampleServer } from "./support/example_server.ts";
import { EXAMPLE_STEP_RUN, type StepRecord, stepRecord } from "./support/step_reference.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const EXAMPLES = new URL("../pipelines/examples/", import.meta.url).pathname;
const IN_FLIGHT = 4;

/**
 * The example problems without the one whose samples include an endless loop: a
 * time limit is the one verdict that depends on how loaded the machine is, and the
 * two runs compared here must judge every program alike.
 */
async function problemsFile(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  const lines = (await Deno.readTextFile(`${EXAMPLES}problems.jsonl`)).split("\n");
  await Deno.writeTextFile(
    path,
    lines.filter((line) => !line.includes('"demo-code/sum-list"')).join("\n"),
  );
  return path;
}

function args(dir: string, baseURL: string, problems: string, extra: string[] = []): string[] {
  const policy = `--base-url ${baseURL} --model policy --max-in-flight ${IN_FLIGHT}`;
  const frontier = `--frontier-base-url ${baseURL} --frontier-model ${FRONTIER_MODEL}`;
  // Few prefixes per problem: the step recipes take part without doubling the run.
  const settings =
    "--seed 3 --early-stop esc --window 4 --n 8 --timeout-ms 10000 --pool-size 2 --step-prefixes 2";
  return [
    ...`run -A ${MAIN} --run ${dir} --no-serve --problems ${problems}`.split(" "),
    ...`${policy} ${frontier} ${settings}`.split(" "),
    ...extra,
  ];
}

function finishedProblems(dir: string): number {
  try {
    const db = new DatabaseSync(join(dir, "run.db"), { readOnly: true });
    try {
      return Number(db.prepare("SELECT COUNT(*) AS n FROM run_problems").get()?.n ?? 0);
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

async function runToEnd(
  dir: string,
  baseURL: string,
  problems: string,
  extra: string[] = [],
): Promise<void> {
  await runArgsToEnd(args(dir, baseURL, problems, extra));
}

/** Runs the pipeline with `args` (after `deno`) and checks it ends with 0. */
async function runArgsToEnd(args: string[]): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), { args }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
}

/**
 * Starts the pipeline and sends `signal` once `ready()` holds; resolves to the exit
 * code, or `undefined` when the run ended before it was signalled.
 */
function signalWhen(
  run: { dir: string; baseURL: string; problems: string; extra?: string[] },
  ready: () => boolean,
  signal: Deno.Signal = "SIGKILL",
): Promise<number | undefined> {
  return signalArgsWhen(args(run.dir, run.baseURL, run.problems, run.extra), ready, signal);
}

/** {@link signalWhen} for the pipeline started with `args` (after `deno`). */
async function signalArgsWhen(
  args: string[],
  ready: () => boolean,
  signal: Deno.Signal = "SIGKILL",
): Promise<number | undefined> {
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" })
    .spawn();
  let ended = false;
  child.status.then(() => (ended = true));
  while (!ended && !ready()) await new Promise((r) => setTimeout(r, 20));
  if (ended) return undefined;
  child.kill(signal);
  return (await child.status).code;
}

async function pairsOf(dir: string): Promise<Pair[]> {
  return await Array.fromAsync(readJsonl<Pair>(join(dir, "pairs.jsonl")));
}

/** The pairs the log of a killed run committed, as `pairs.jsonl` should hold them. */
function committedPairs(dir: string): Pair[] {
  const db = new DatabaseSync(join(dir, "run.db"), { readOnly: true });
  try {
    return new PairLog(db, { readOnly: true }).after(0, { limit: 1_000_000 });
  } finally {
    db.close();
  }
}

/**
 * Kills the run when `ready()` holds, then checks `pairs.jsonl` holds committed pairs
 * only, in order: a pair reaches the file after its commit, so a kill between the two
 * (during the commit's sync to disk) leaves the file short by that batch, which the
 * next run repairs; it never holds a pair the log does not.
 */
async function killAndCheckPairs(
  run: { dir: string; baseURL: string; problems: string; extra?: string[] },
  ready: () => boolean,
): Promise<number | undefined> {
  const code = await signalWhen(run, ready);
  const committed = committedPairs(run.dir);
  const written = await pairsOf(run.dir);
  assert.deepEqual(
    written,
    committed.slice(0, written.length),
    "pairs.jsonl holds committed pairs",
  );
  return code;
}

const content = (p: Pair) =>
  JSON.stringify([
    p.id,
    p.problem_id,
    p.chosen,
    p.rejected,
    p.chosen_score,
    p.rejected_score,
    p.feedback,
    p.run,
  ]);

Deno.test({
  name:
    "pipeline killed at several points and re-run writes exactly the pairs of an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const problems = await problemsFile();
    const server = await startExampleServer({ plan: () => ({ latencyMs: 10 }) });
    try {
      const reference = join(await Deno.makeTempDir(), "run");
      await runToEnd(reference, server.baseURL, problems);
      const referenceRequests = server.stats.requests;
      const expected = (await pairsOf(reference)).map(content).sort();
      assert.ok(expected.length > 20);

      const crashed = join(await Deno.makeTempDir(), "run");
      const before = server.stats.requests;
      const run = { dir: crashed, baseURL: server.baseURL, problems };
      const kills = [
        await signalWhen(run, () => server.stats.requests > before + 2),
        await killAndCheckPairs(run, () => finishedProblems(crashed) >= 8),
        await killAndCheckPairs(run, () => finishedProblems(crashed) >= 20),
      ];
      assert.ok(committedPairs(crashed).length > 0, "pairs were committed before the last kill");
      assert.deepEqual(kills, [137, 137, 137], "each run was killed mid-way");
      await runToEnd(crashed, server.baseURL, problems);
      const pairs = await pairsOf(crashed);
      assert.deepEqual(pairs, committedPairs(crashed), "the resumed file equals the log");
      assert.deepEqual(pairs.map(content).sort(), expected);
      assert.deepEqual(
        pairs.map((p) => p.seq),
        pairs.map((_, i) => i + 1),
        "seq continues without gaps",
      );
      const requests = server.stats.requests - before;
      assert.ok(
        requests <= referenceRequests + kills.length * IN_FLIGHT,
        `${requests} requests against ${referenceRequests} uninterrupted`,
      );

      // Ctrl-C: the run stops cleanly with 130, and the same command resumes it.
      const interrupted = join(await Deno.makeTempDir(), "run");
      const code = await signalWhen(
        { ...run, dir: interrupted },
        () => finishedProblems(interrupted) >= 10,
        "SIGINT",
      );
      assert.equal(code, 130);
      assert.ok(finishedProblems(interrupted) < 54, "stopped before the end");
      await runToEnd(interrupted, server.baseURL, problems);
      assert.deepEqual((await pairsOf(interrupted)).map(content).sort(), expected);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a step-level run killed while it completes prefixes resumes to the same step pairs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const problems = await problemsFile();
    const server = await startExampleServer({ plan: () => ({ latencyMs: 20 }) });
    const extra = ["--recipe", "math-step-self-consistency", "--max-in-flight", "2"];
    try {
      const reference = join(await Deno.makeTempDir(), "run");
      await runToEnd(reference, server.baseURL, problems, extra);
      const expected = (await pairsOf(reference)).map(content).sort();
      assert.ok(expected.length > 0);
      assert.ok((await pairsOf(reference)).every((p) => p.level === "step"));

      const crashed = join(await Deno.makeTempDir(), "run");
      const before = server.stats.requests;
      const run = { dir: crashed, baseURL: server.baseURL, problems, extra };
      // 12 requests sample the solutions (6 problems, 2 windows); prefixes come after.
      const kills = [
        await signalWhen(run, () => server.stats.requests > before + 16),
        await signalWhen(run, () => finishedProblems(crashed) >= 2),
      ];
      assert.deepEqual(kills, [137, 137], "each run was killed mid-way");
      await runToEnd(crashed, server.baseURL, problems, extra);
      const pairs = await pairsOf(crashed);
      assert.deepEqual(pairs.map(content).sort(), expected);
      assert.deepEqual(pairs.map((p) => p.seq), pairs.map((_, i) => i + 1));
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "a code step run killed while it runs completed programs resumes to the reference step pairs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // The default examples with their recorded samples and prefix completions; the
    // reference is the default run's (tests/fixtures/example_step_run.json).
    const recipe = "code-step-self-consistency";
    const dir = join(await Deno.makeTempDir(), "run");
    const run = [
      ...`run -A ${MAIN} --run ${dir} --no-serve --recipe ${recipe}`.split(" "),
      ...["--timeout-ms", "1500", "--pool-size", "2"],
    ];
    const code = await signalArgsWhen(run, () => finishedProblems(dir) >= 1);
    assert.equal(code, 137, "the run was killed mid-way");
    assert.ok(finishedProblems(dir) < 4, "the run was killed before its last problem");
    await runArgsToEnd(run);
    // A pair's confidence is left out: it depends on the executions other recipes of
    // the reference's run made first.
    const withoutConfidence = ({ confidence: _, ...pair }: StepRecord["pairs"][number]) => pair;
    const reference: StepRecord = JSON.parse(await Deno.readTextFile(EXAMPLE_STEP_RUN));
    const resumed = await stepRecord(dir);
    assert.deepEqual(
      resumed.pairs.map(withoutConfidence),
      reference.pairs
        .filter((p) => p.problem_id.startsWith("demo-code/")).map(withoutConfidence),
    );
    assert.deepEqual(
      resumed.outcomes,
      Object.fromEntries(
        Object.entries(reference.outcomes).filter(([key]) => key.startsWith(`${recipe}:`)),
      ),
    );
  },
});
