/**
 * A real `nats-server` (Debian package) with JetStream, started by a test on a free
 * loopback port and stopped by it. When the binary is absent the tests that need it
 * skip with a loud message, except under `CI=true`, where that is a failure.
 *
 * @module
 */
import { join } from "node:path";

/** The server binary, or `undefined` when it is not installed. */
export const NATS_SERVER: string | undefined = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
  .find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });

/** True when tests that need a broker should be skipped. */
export const NO_NATS_SERVER = NATS_SERVER === undefined && Deno.env.get("CI") !== "true";

if (NATS_SERVER === undefined) {
  const message = "nats-server is not installed (apt-get install nats-server): " +
    "the scale-out tests against a real broker are SKIPPED";
  console.warn(`\n${"!".repeat(message.length)}\n${message}\n${"!".repeat(message.length)}\n`);
}

/** A running broker. */
export interface TestBroker {
  /** `nats://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** CPU time the server process has used so far (ms; Linux). */
  cpuMs(): number;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`). */
  stop(hard?: boolean): Promise<void>;
  /** Stops it and starts it again on the same port and store (a broker restart). */
  restart(): Promise<void>;
}

/** Starts `nats-server -js` on a free loopback port with its store in a temporary directory. */
export async function startBroker(): Promise<TestBroker> {
  if (!NATS_SERVER) throw new Error("nats-server is not installed: apt-get install nats-server");
  const dir = await Deno.makeTempDir({ prefix: "pfpo-nats-" });
  const spawn = (port: number) =>
    new Deno.Command(NATS_SERVER as string, {
      args: [
        "-js",
        "-a",
        "127.0.0.1",
        "-p",
        String(port),
        "-m",
        "-1",
        "--ports_file_dir",
        dir,
        "-sd",
        join(dir, "store"),
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
  let child = spawn(-1);
  const port = await portOf(dir, child);
  const url = `nats://127.0.0.1:${port}`;
  await reachable(port);
  const stop = async (hard = false) => {
    try {
      child.kill(hard ? "SIGKILL" : "SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  };
  return {
    url,
    port,
    cpuMs: () => {
      const fields = Deno.readTextFileSync(`/proc/${child.pid}/stat`).split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
    },
    stop,
    restart: async () => {
      await stop();
      child = spawn(port);
      await reachable(port);
    },
  };
}

async function portOf(dir: string, child: Deno.ChildProcess): Promise<number> {
  const file = join(dir, `nats-server_${child.pid}.ports`);
  for (let i = 0; i < 200; i++) {
    try {
      const ports = JSON.parse(await Deno.readTextFile(file)) as { nats: string[] };
      return Number(new URL(ports.nats[0]).port);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nats-server did not write ${file}`);
}

async function reachable(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nats-server did not listen on port ${port}`);
}
