import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AbortedError } from "../errors.ts";
import type { ExecutionResult } from "../model/execution.ts";
import { Metrics } from "../metrics/metrics.ts";
import { ExecutionCache } from "../../sandbox/cache.ts";
import type { Executor, ProgramJob } from "../../sandbox/executor.ts";
import { NO_NATS_SERVER, startBroker, type TestBroker } from "../../tests/support/nats_server.ts";
import {
  BrokerUnreachableError,
  connectBroker,
  JOB_STREAM,
  JOB_SUBJECT,
  resultSubject,
  WORKER_CONSUMER,
} from "./broker.ts";
import { encodeMessage } from "./messages.ts";
import { RemoteExecutor, type RemoteExecutorOptions } from "./remote_executor.ts";
import { ExecutionWorker } from "./worker.ts";

/** An executor that echoes each input as its stdout, counting executions. */
class EchoExecutor implements Executor {
  executions = 0;
  execute(job: ProgramJob): Promise<ExecutionResult[]> {
    this.executions += job.inputs.length;
    return Promise.resolve(job.inputs.map((input) => ({
      status: "ok",
      stdout: `${job.code}:${JSON.stringify(input)}`,
      stderr: "",
      duration_ms: 1,
    })));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const job = (code: string, inputs = ["1", "2", "3"]): ProgramJob => ({
  language: "python",
  code,
  inputs: inputs.map((stdin) => ({ stdin })),
});

async function withBroker(fn: (broker: TestBroker) => Promise<void>): Promise<void> {
  const broker = await startBroker();
  try {
    await fn(broker);
  } finally {
    await broker.stop();
  }
}

function remote(broker: TestBroker, options: Partial<RemoteExecutorOptions> = {}) {
  return RemoteExecutor.connect({
    url: broker.url,
    runId: "test",
    cache: new ExecutionCache(),
    log: () => {},
    ...options,
  });
}

async function startWorker(broker: TestBroker, executor: Executor, id = "w1") {
  const worker = await ExecutionWorker.connect({
    url: broker.url,
    executor,
    poolSize: 2,
    id,
    heartbeatMs: 100,
    log: () => {},
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.stop();
      await running;
      await worker.close();
    },
  };
}

Deno.test({
  name: "RemoteExecutor runs a job on a worker and answers it again from the cache",
  ignore: NO_NATS_SERVER,
  fn: () =>
    withBroker(async (broker) => {
      const cache = new ExecutionCache();
      const metrics = new Metrics();
      const executor = await remote(broker, { cache, metrics });
      const echo = new EchoExecutor();
      const worker = await startWorker(broker, echo);
      try {
        const results = await executor.execute(job("print(1)"));
        assert.deepEqual(results.map((r) => r.stdout), [
          'print(1):{"stdin":"1"}',
          'print(1):{"stdin":"2"}',
          'print(1):{"stdin":"3"}',
        ]);
        assert.equal(echo.executions, 3);
        assert.equal(cache.size, 3);
        // Answered keys are never sent again; only the new input travels.
        const again = await executor.execute(job("print(1)", ["3", "1", "4"]));
        assert.equal(again[2].stdout, 'print(1):{"stdin":"4"}');
        assert.equal(echo.executions, 4);
        const text = await metrics.registry.metrics();
        assert.match(text, /pfpo_remote_results_total\{kind="first"\} 4/);
        assert.match(text, /pfpo_remote_jobs_outstanding 0/);
      } finally {
        await worker.stop();
        await executor.close();
      }
    }),
});

Deno.test({
  name: "RemoteExecutor records the first result for a key and ignores later ones",
  ignore: NO_NATS_SERVER,
  fn: () =>
    withBroker(async (broker) => {
      const cache = new ExecutionCache();
      const executor = await remote(broker, { cache });
      const nc = await connectBroker(broker.url);
      try {
        const running = executor.execute(job("x", ["1"]));
        // Two workers answer the same job (the first was thought dead): the first wins.
        const js = jetstream(nc);
        const jsm = await jetstreamManager(nc);
        const consumer = await js.consumers.get(JOB_STREAM, WORKER_CONSUMER);
        const msg = await consumer.next({ expires: 5000 });
        assert.ok(msg);
        const { id, keys } = msg.json<{ id: string; keys: string[] }>();
        for (const stdout of ["first", "second"]) {
          await js.publish(
            resultSubject("test"),
            encodeMessage({
              id,
              keys,
              results: [{ status: "ok", stdout, stderr: "", duration_ms: 1 }],
              worker: stdout,
              delivery: 1,
            }),
          );
        }
        msg.ack();
        assert.equal((await running)[0].stdout, "first");
        for (let i = 0; i < 50 && (await jsm.streams.info("PFPO_RESULTS")).state.messages; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(cache.get(keys[0])?.stdout, "first");
      } finally {
        await nc.close();
        await executor.close();
      }
    }),
});

Deno.test({
  name: "RemoteExecutor gives sandbox_error once a job exhausts its deliveries, uncached",
  ignore: NO_NATS_SERVER,
  fn: () =>
    withBroker(async (broker) => {
      const cache = new ExecutionCache();
      const executor = await remote(broker, {
        cache,
        delivery: { ackWaitMs: 200, maxDeliver: 2 },
      });
      const nc = await connectBroker(broker.url);
      try {
        const running = executor.execute(job("dies", ["1", "2"]));
        // A worker that takes the job and dies without answering, twice.
        const consumer = await jetstream(nc).consumers.get(JOB_STREAM, WORKER_CONSUMER);
        const deliveries = [];
        for (let i = 0; i < 2; i++) deliveries.push(await consumer.next({ expires: 5000 }));
        assert.deepEqual(deliveries.map((m) => m?.info.deliveryCount), [1, 2]);
        // The broker notices the exhaustion when a worker next asks for a job.
        const next = consumer.next({ expires: 1000 });
        const results = await running;
        assert.equal(await next, null);
        assert.deepEqual(results.map((r) => r.status), ["sandbox_error", "sandbox_error"]);
        assert.match(results[0].stderr, /delivered 2 times without an answer/);
        assert.equal(cache.size, 0);
        const jsm = await jetstreamManager(nc);
        for (let i = 0; i < 50 && (await jsm.streams.info(JOB_STREAM)).state.messages; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal((await jsm.streams.info(JOB_STREAM)).state.messages, 0);
      } finally {
        await nc.close();
        await executor.close();
      }
    }),
});

Deno.test({
  name: "RemoteExecutor keeps at most maxOutstanding jobs queued and honours abort",
  ignore: NO_NATS_SERVER,
  fn: () =>
    withBroker(async (broker) => {
      const executor = await remote(broker, { maxOutstanding: 2 });
      const nc = await connectBroker(broker.url);
      try {
        const controller = new AbortController();
        const calls = Array.from(
          { length: 5 },
          (_, i) => executor.execute(job(`p${i}`), { signal: controller.signal }),
        );
        await new Promise((r) => setTimeout(r, 300));
        const jsm = await jetstreamManager(nc);
        assert.equal((await jsm.streams.info(JOB_STREAM)).state.messages, 2);
        assert.equal(executor.status().outstanding, 2);
        assert.match(executor.status().waiting ?? "", /Waiting for workers: 2 jobs queued/);
        controller.abort();
        for (const call of calls) await assert.rejects(call, AbortedError);
      } finally {
        await nc.close();
        await executor.close();
      }
    }),
});

Deno.test({
  name: "ExecutionWorker answers a job whose keys it computes differently with sandbox_error",
  ignore: NO_NATS_SERVER,
  fn: () =>
    withBroker(async (broker) => {
      const metrics = new Metrics();
      const cache = new ExecutionCache();
      const executor = await remote(broker, { metrics, cache });
      const echo = new EchoExecutor();
      const worker = await startWorker(broker, echo);
      const nc = await connectBroker(broker.url);
      try {
        const message = { id: "k", keys: ["k"], reply: resultSubject("test"), max_output_bytes: 1 };
        await jetstream(nc).publish(
          JOB_SUBJECT,
          JSON.stringify({ ...message, job: job("skew", ["1"]) }),
        );
        const answered = /pfpo_remote_results_total\{kind="first"\} 1/;
        for (let i = 0; i < 100 && !answered.test(await metrics.registry.metrics()); i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.match(await metrics.registry.metrics(), answered);
        assert.equal(worker.worker.counts.refused, 1);
        assert.equal(echo.executions, 0);
        assert.equal(cache.size, 0);
      } finally {
        await nc.close();
        await worker.stop();
        await executor.close();
      }
    }),
});

Deno.test("RemoteExecutor.connect says how to start a broker when none answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    RemoteExecutor.connect({
      url: `nats://127.0.0.1:${port}`,
      runId: "test",
      cache: new ExecutionCache(),
      timeoutMs: 1000,
    }),
    (error: Error) =>
      error instanceof BrokerUnreachableError &&
      error.message.includes(`Cannot reach the NATS broker at nats://127.0.0.1:${port}`) &&
      error.message.includes("nats-server -js"),
  );
});
