/**
 * The entry point behind `deno task worker`: a remote execution worker. It connects
 * to the NATS JetStream broker, starts a local sandbox pool, runs the program jobs a
 * pipeline queues there, and prints a health line now and then. Start as many as
 * there are machines; they may join or leave at any time.
 *
 * @module
 */
import {
  BrokerUnreachableError,
  ConfigError,
  connectBroker,
  DEFAULT_LIMITS,
  ExecutionWorker,
  formatHelp,
  parseFlags,
  SandboxPool,
} from "../mod.ts";
import { hostname } from "node:os";
import { runCommand } from "./command.ts";

const FLAGS = {
  nats: {
    type: "string",
    description: "The NATS JetStream broker the pipeline uses (nats://HOST:4222)",
  },
  token: { type: "string", description: "Token the broker requires" },
  "pool-size": {
    type: "number",
    description: "Sandbox processes (default: core count)",
    min: 1,
    integer: true,
  },
  "memory-mb": {
    type: "number",
    description: "Largest memory limit a job may ask for (MiB)",
    default: DEFAULT_LIMITS.memoryMb,
    min: 16,
  },
  id: { type: "string", description: "Worker id in heartbeats (default: host-pid)" },
  "health-every": {
    type: "number",
    description: "Seconds between health lines",
    default: 30,
    min: 0.1,
  },
} as const;

const USAGE = "Usage: deno task worker --nats nats://HOST:4222 [--pool-size N] [--token T]";

/** Runs a worker with command-line `args` until SIGINT or SIGTERM; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  if (flags.help) {
    console.log(formatHelp(USAGE, FLAGS));
    return 0;
  }
  if (flags.positionals.length) {
    throw new ConfigError(`Unexpected argument "${flags.positionals[0]}"`);
  }
  if (!flags.nats) {
    throw new ConfigError("Missing --nats: the broker's address, e.g. nats://HOST:4222");
  }
  const id = flags.id ?? `${hostname()}-${Deno.pid}`;
  const nc = await connectBroker(flags.nats, {
    name: `pfpo-worker-${id}`,
    ...(flags.token ? { token: flags.token } : {}),
  });
  const pool = await SandboxPool.start({
    ...(flags["pool-size"] ? { size: flags["pool-size"] } : {}),
    memoryMb: flags["memory-mb"],
  });
  const worker = new ExecutionWorker({ nc, executor: pool, poolSize: pool.size, id });
  const stop = () => worker.stop();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const started = performance.now();
  const health = () => {
    const counts = worker.counts;
    console.log(
      `Worker ${id}: pool ${pool.size}, ${counts.executions} executions in ${counts.jobs} jobs (${
        worker.executionsPerSecond.toFixed(1)
      }/s), ${counts.running} running, broker ${nc.getServer()} ${
        worker.connected ? "connected" : "disconnected, reconnecting"
      }, up ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  };
  console.log(`Worker ${id} ready: pool ${pool.size}, taking jobs from ${flags.nats}`);
  const timer = setInterval(health, flags["health-every"] * 1000);
  try {
    await worker.run();
    return 0;
  } finally {
    clearInterval(timer);
    health();
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await pool.close();
    await nc.drain().catch(() => nc.close());
  }
}

if (import.meta.main) {
  await runCommand(main, {
    usage: USAGE,
    plain: (error) => error instanceof BrokerUnreachableError,
  });
}
