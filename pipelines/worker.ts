/**
 * The entry point behind `deno task worker`: a remote execution worker. It connects
 * to the NATS JetStream broker, starts a local sandbox pool, runs the program jobs a
 * pipeline queues there, and prints a health line now and then. Start as many as
 * there are machines; they may join or leave at any time.
 *
 * @module
 */
import { BrokerUnreachableError, ExecutionWorker, formatHelp, SandboxPool } from "../mod.ts";
import { hostname } from "node:os";
import { runCommand } from "./command.ts";
import { parseWorkerArgs } from "./config.ts";
import { WORKER_FLAGS } from "./flags.ts";

const USAGE = "Usage: deno task worker --nats nats://HOST:4222 [--pool-size N] [--token T]";

/** Runs a worker with command-line `args` until SIGINT or SIGTERM; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseWorkerArgs(args);
  if (parsed.help) {
    console.log(formatHelp(USAGE, WORKER_FLAGS));
    return 0;
  }
  const { config } = parsed;
  const id = config.id ?? `${hostname()}-${Deno.pid}`;
  const pool = await SandboxPool.start({
    ...(config.poolSize ? { size: config.poolSize } : {}),
    memoryMb: config.memoryMb,
  });
  const worker = await ExecutionWorker.connect({
    url: config.nats,
    ...(config.token ? { token: config.token } : {}),
    executor: pool,
    poolSize: pool.size,
    id,
  }).catch(async (error) => {
    await pool.close();
    throw error;
  });
  const stop = () => worker.stop();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const started = performance.now();
  const health = () => {
    const counts = worker.counts;
    console.log(
      `Worker ${id}: pool ${pool.size}, ${counts.executions} executions in ${counts.jobs} jobs (${
        worker.executionsPerSecond.toFixed(1)
      }/s), ${counts.running} running, broker ${worker.server} ${
        worker.connected ? "connected" : "disconnected, reconnecting"
      }, up ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  };
  console.log(`Worker ${id} ready: pool ${pool.size}, taking jobs from ${config.nats}`);
  const timer = setInterval(health, config.healthEvery * 1000);
  try {
    await worker.run();
    return 0;
  } finally {
    clearInterval(timer);
    health();
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await pool.close();
    await worker.close();
  }
}

if (import.meta.main) {
  await runCommand(main, {
    usage: USAGE,
    plain: (error) => error instanceof BrokerUnreachableError,
  });
}
