/**
 * Serves a run directory's database read-only: the dashboard, metrics, stats and
 * the pair stream of a finished run, or of a run another process is writing.
 *
 *     deno task serve --run runs/math-sc [--host 127.0.0.1] [--port 8787] [--token T]
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import {
  ConfigError,
  DEFAULT_HOST,
  DEFAULT_PORT,
  formatHelp,
  Metrics,
  openRunDatabase,
  PairLog,
  parseFlags,
  PfpoError,
  RUN_DATABASE_FILE,
  RUN_FILES,
  ServerBindError,
  startServer,
  TOKEN_ENV,
} from "../mod.ts";

const USAGE = `Usage: deno task serve --run DIR [options]

Serves a run's database read-only: the dashboard at /, /metrics, /v1/stats,
/v1/pairs, /v1/pairs/stream and /v1/problems/:id.`;

/** The flags of `deno task serve`. */
const SERVE_FLAGS = {
  run: { type: "string", description: `Run directory holding ${RUN_DATABASE_FILE} (required)` },
  host: {
    type: "string",
    description: "Address to listen on; any address other than loopback needs a token",
    default: DEFAULT_HOST,
  },
  port: {
    type: "number",
    description: "Port (0 picks a free one)",
    default: DEFAULT_PORT,
    min: 0,
    integer: true,
  },
  token: {
    type: "string",
    description: `Bearer token required on every route but /healthz (default: ${TOKEN_ENV})`,
  },
} as const;

/** Parses the command line, opens the run and serves it until interrupted. */
async function main(args: string[]): Promise<number> {
  const values = parseFlags(args, SERVE_FLAGS);
  if (values.help) {
    console.log(formatHelp(USAGE, SERVE_FLAGS));
    return 0;
  }
  if (values.positionals.length) {
    throw new ConfigError(`Unexpected argument "${values.positionals[0]}"`);
  }
  if (!values.run) throw new ConfigError("Missing --run DIR: the run directory to serve");
  const port = values.port;
  if (port > 65535) {
    throw new ConfigError(`Invalid value for --port: expected 0 to 65535, got ${port}`);
  }
  const path = `${values.run}/${RUN_DATABASE_FILE}`;
  try {
    await Deno.stat(path);
  } catch {
    throw new ConfigError(`Cannot serve ${values.run}: there is no ${RUN_DATABASE_FILE} in it`);
  }
  const db = openRunDatabase(path, { readOnly: true });
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  try {
    await waitForPairLog(db, stop.signal);
    if (stop.signal.aborted) return 0;
    // A finished run's figures: its metrics ended with the process that made them.
    const summary = await storedJson(values.run, RUN_FILES.summaryJson).then((value) =>
      Object.keys(value).length ? value : undefined
    );
    const server = await startServer({
      db,
      pairLog: new PairLog(db, { readOnly: true, pollMs: 250 }),
      metrics: new Metrics(),
      host: values.host,
      port,
      token: values.token,
      config: await storedJson(values.run, RUN_FILES.config),
      ...(summary ? { summary } : {}),
      signal: stop.signal,
    });
    console.log(`Serving ${values.run} read-only at ${server.url}`);
    await server.finished;
    return 0;
  } finally {
    db.close();
  }
}

/** A JSON object the run wrote (`config.json`, `summary.json`), or `{}` when there is none. */
async function storedJson(dir: string, file: string): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await Deno.readTextFile(`${dir}/${file}`));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** A run that has only just started may not have created its pair log yet. */
async function waitForPairLog(db: DatabaseSync, signal: AbortSignal) {
  const exists = () => PairLog.exists(db);
  if (exists()) return;
  console.log("Waiting for the run to create its pair log…");
  while (!exists() && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 500));
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof PfpoError)) throw error;
    console.error(
      error instanceof ServerBindError
        ? `${error.message}; pass --port 0 (any free port) or another --port`
        : error.message,
    );
    console.error("Run with --help for the options");
    Deno.exit(2);
  }
}
