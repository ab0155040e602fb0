/**
 * Scale-out end to end, against a real `nats-server` started here: code
 * self-consistency on recorded HumanEval samples run through remote workers gives
 * exactly the pairs of the local run, also when one of two workers is killed with
 * SIGKILL mid-run, when the broker restarts mid-run, and when the pipeline is
 * killed and re-run (which does not run answered jobs again).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readJsonl } from "../src/io/jsonl.ts";
import type { Pair } from "../src/model/pair.ts";
import { humanEvalFiles } from "./support/humaneval_files.ts";
import { NO_NATS_SERVER, startBroker, type TestBroker } from "./support/nats_server.ts";
import { HAS_SHARED_DATA } from "./support/shared_data.ts";

const MAIN = new URL("../pipelines/main.ts", import.meta.url).pathname;
const WORKER = new URL("../pipelines/worker.ts", import.meta.url).pathname;
const IGNORE = NO_NATS_SERVER || !HAS_SHARED_DATA;

/** Two HumanEval tasks, eight recorded programs each, at most five inputs each. */
const files = IGNORE ? undefined : (async () => {
  const dir = await Deno.makeTempDir({ prefix: "pfpo-scale-" });
  const [problems, samples] = await humanEvalFiles(dir, {
    tasks: 2,
    inputs: 5,
    completions: 8,
  });
  return { dir, problems, samples };
})();

async function pipelineArgs(run: string, extra: string[] = []): Promise<string[]> {
  const { problems, samples } = await files!;
  return [
    "run",
    "-A",
    MAIN,
    ...`--recipe code-self-consistency --n 8 --completion continuation --margin 2`.split(" "),
    ...["--pool-size", "1", "--no-serve", "--run", run, "--problems", problems],
    ...["--samples", samples, ...extra],
  ];
}

/** A pair without what names the run (`run`, `seq`, `id`). */
function comparable(pair: Pair): string {
  const { seq: _seq, run: _run, id: _id, ...rest } = pair;
  return JSON.stringify(rest);
}

async function pairsOf(run: string): Promise<string[]> {
  const pairs = await Array.fromAsync(readJsonl<Pair>(join(run, "pairs.jsonl")));
  return pairs.map(comparable).sort();
}

async function runPipeline(run: string, extra: string[] = []): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: await pipelineArgs(run, extra),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, text.slice(-3000));
}

/** The pairs of the local run, computed once. */
const localPairs = IGNORE ? undefined : (async () => {
  const run = join((await files!).dir, "local");
  await runPipeline(run);
  const pairs = await pairsOf(run);
  assert.ok(pairs.length > 0, "the local run gives pairs");
  return pairs;
})();

/** A worker process and the executions its health lines report. */
class Worker {
  readonly child: Deno.ChildProcess;
  executions = 0;
  readonly done: Promise<void>;
  #ready = Promise.withResolvers<void>();

  constructor(broker: TestBroker, id: string) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", WORKER, "--nats", broker.url, "--pool-size", "1"],
        ...["--id", id, "--health-every", "0.2"],
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.done = this.#read();
  }

  /** Resolves once the worker's pool is up. */
  ready(): Promise<void> {
    return this.#ready.promise;
  }

  async #read(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.includes(" ready: ")) this.#ready.resolve();
        const match = /, (\d+) executions in/.exec(line);
        if (match) this.executions = Number(match[1]);
      }
    }
    this.#ready.resolve();
  }

  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    try {
      this.child.kill(signal);
    } catch { /* already ended */ }
    await this.child.status;
    await this.done;
  }
}

async function until(test: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withBroker<T>(fn: (broker: TestBroker) => Promise<T>): Promise<T> {
  const broker = await startBroker();
  try {
    return await fn(broker);
  } finally {
    await broker.stop();
  }
}

const NATS = (broker: TestBroker) => ["--nats", broker.url, "--nats-ack-wait", "2000"];

/** The run with one worker, computed once: its pairs and the executions it took. */
let oneWorker: Promise<{ pairs: string[]; executions: number }> | undefined;
function oneWorkerRun(): Promise<{ pairs: string[]; executions: number }> {
  oneWorker ??= withBroker(async (broker) => {
    const worker = new Worker(broker, "one");
    const run = join((await files!).dir, "remote");
    try {
      await runPipeline(run, NATS(broker));
    } finally {
      await worker.stop();
    }
    return { pairs: await pairsOf(run), executions: worker.executions };
  });
  return oneWorker;
}

Deno.test({
  name: "pipeline --nats gives exactly the local run's pairs, with one worker",
  ignore: IGNORE,
  fn: async () => {
    const { pairs, executions } = await oneWorkerRun();
    assert.deepEqual(pairs, await localPairs);
    assert.ok(executions > 0, "the worker ran the programs");
  },
});

Deno.test({
  name: "pipeline --nats gives the same pairs when one of two workers is killed mid-run",
  ignore: IGNORE,
  fn: () =>
    withBroker(async (broker) => {
      const doomed = new Worker(broker, "doomed");
      let survivor: Worker | undefined;
      try {
        await doomed.ready();
        const run = join((await files!).dir, "killed-worker");
        const pipeline = runPipeline(run, NATS(broker));
        // The doomed worker has the run to itself until it has run something (two workers
        // from the start let the other take every job); it is killed holding jobs, and the
        // survivor, started then, gets them when their ack wait ends, and the rest.
        await until(() => doomed.executions > 0, "the doomed worker has run something");
        await doomed.stop("SIGKILL");
        survivor = new Worker(broker, "survivor");
        await pipeline;
        assert.deepEqual(await pairsOf(run), await localPairs);
        const started = survivor;
        await until(() => started.executions > 0, "the survivor has reported running the rest");
      } finally {
        await Promise.all([doomed.stop("SIGKILL"), survivor?.stop()]);
      }
    }),
});

Deno.test({
  name: "pipeline --nats gives the same pairs when the broker restarts mid-run",
  ignore: IGNORE,
  fn: () =>
    withBroker(async (broker) => {
      const worker = new Worker(broker, "steady");
      try {
        await worker.ready();
        const run = join((await files!).dir, "broker-restart");
        const pipeline = runPipeline(run, NATS(broker));
        await until(() => worker.executions > 0, "the worker has run something");
        await broker.restart();
        await pipeline;
        assert.deepEqual(await pairsOf(run), await localPairs);
      } finally {
        await worker.stop();
      }
    }),
});

Deno.test({
  name: "pipeline --nats killed and re-run gives the same pairs and runs no job twice",
  ignore: IGNORE,
  fn: () =>
    withBroker(async (broker) => {
      const run = join((await files!).dir, "killed-pipeline");
      const worker = new Worker(broker, "patient");
      let executions: number;
      try {
        await worker.ready();
        const child = new Deno.Command(Deno.execPath(), {
          args: await pipelineArgs(run, NATS(broker)),
          stdout: "null",
          stderr: "null",
        }).spawn();
        await until(() => worker.executions > 0, "the worker has run something");
        child.kill("SIGKILL");
        await child.status;
        await runPipeline(run, NATS(broker));
        assert.deepEqual(await pairsOf(run), await localPairs);
      } finally {
        await worker.stop();
        executions = worker.executions;
      }
      // As many executions as the uninterrupted run: no answered job ran again.
      assert.equal(executions, (await oneWorkerRun()).executions);
    }),
});
