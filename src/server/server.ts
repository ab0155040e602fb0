/**
 * Starting and stopping the live server on `Deno.serve`.
 *
 * @module
 */
import { PfpoError } from "../errors.ts";
import { assertBindAllowed, TOKEN_ENV } from "./auth.ts";
import { createApp, type ServerAppOptions } from "./app.ts";

/** Where the server listens by default. */
export const DEFAULT_HOST = "127.0.0.1";
/** The default port. */
export const DEFAULT_PORT = 8787;

/** The server could not listen on its address (the port is in use, the host is unknown, …). */
export class ServerBindError extends PfpoError {
  /** The address asked for. */
  readonly host: string;
  /** The port asked for. */
  readonly port: number;
  /** Creates the error. */
  constructor(host: string, port: number, detail: string, options?: ErrorOptions) {
    super(`Cannot listen on ${host}:${port}: ${detail}`, options);
    this.host = host;
    this.port = port;
  }
}

/** Options for {@link startServer}. */
export interface StartServerOptions extends Omit<ServerAppOptions, "signal"> {
  /** Address to bind. Default `127.0.0.1`; any non-loopback address needs a token. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 8787. */
  port?: number;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** A running server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Ends open pair streams (clients resume elsewhere) and stops listening. */
  shutdown(): Promise<void>;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
}

/**
 * Starts the server. The token comes from `options.token`, else from the
 * `PFPO_TOKEN` environment variable when it may be read; binding a non-loopback
 * address without one throws a `ConfigError` that says so.
 *
 * @example Serve an empty run on a free port
 * ```ts
 * import { openRunDatabase, PairLog, startServer } from "../../mod.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * const server = await startServer({ db, pairLog: new PairLog(db), port: 0 });
 * const res = await fetch(`${server.url}/healthz`);
 * assert.deepEqual(await res.json(), { status: "ok" });
 * await server.shutdown();
 * ```
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token ?? envToken();
  assertBindAllowed(host, token);
  const streams = new AbortController();
  const app = createApp({ ...options, token, signal: streams.signal });
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const port = options.port ?? DEFAULT_PORT;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: host,
      port,
      onListen: (addr) => ready.resolve(addr),
      onError: (error) => {
        console.error("Server error:", error);
        return Response.json({ error: "Internal server error" }, { status: 500 });
      },
    }, app.fetch);
  } catch (error) {
    const detail = error instanceof Deno.errors.AddrInUse
      ? "the port is in use"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ServerBindError(host, port, detail, { cause: error });
  }
  const addr = await ready.promise;
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      streams.abort();
      await server.shutdown();
    })();
    return stopping;
  };
  options.signal?.addEventListener("abort", () => void shutdown(), { once: true });
  if (options.signal?.aborted) await shutdown();
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `http://${shown}:${addr.port}`,
    port: addr.port,
    shutdown,
    finished: server.finished,
  };
}

function envToken(): string | undefined {
  const state = Deno.permissions.querySync({ name: "env", variable: TOKEN_ENV }).state;
  if (state !== "granted") return undefined;
  const value = Deno.env.get(TOKEN_ENV);
  return value === "" ? undefined : value;
}
