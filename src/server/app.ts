/**
 * The server's Hono application: health, Prometheus metrics, JSON stats, the pair
 * log as pages and as a live stream, problem detail, and the dashboard.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { DatabaseSync } from "node:sqlite";
import { Metrics } from "../metrics/metrics.ts";
import type { PairLog } from "../store/pair_log.ts";
import { requireToken } from "./auth.ts";
import { PairConsumers } from "./consumers.ts";
import { dashboardAsset } from "./dashboard/assets.ts";
import { pairStream } from "./pair_stream.ts";
import { FeedbackStore } from "../feedback/store.ts";
import { calibrationSvg, pairQuality } from "../feedback/quality.ts";
import {
  ParamError,
  parseIntParam,
  parseLevelParams,
  parseProbabilityParam,
  parseShardParams,
} from "./params.ts";
import {
  problemDetail,
  type ProblemDetailSource,
  recentProblems,
  runDatabaseProblems,
} from "./problems.ts";
import { runStatus, StageProgress, sumByLabel } from "./run_status.ts";

/** Options for {@link createApp}. */
export interface ServerAppOptions {
  /** The run database. */
  db: DatabaseSync;
  /** The run's pair log. */
  pairLog: PairLog;
  /** The run's metrics registry. Default: a new one. */
  metrics?: Metrics;
  /** When set, every route but `/healthz` requires `Authorization: Bearer <token>`. */
  token?: string;
  /** The run's resolved configuration, shown in `/v1/stats`. */
  config?: Record<string, unknown>;
  /** Extra progress fields for `/v1/stats` (e.g. problems done and total). */
  progress?: () => Record<string, unknown>;
  /**
   * Samples, executions, votes and scores for `/v1/problems/:id`. Default:
   * {@link runDatabaseProblems} over `db`.
   */
  problems?: ProblemDetailSource;
  /** Remote execution (broker, workers, outstanding jobs) for `/v1/stats`, when used. */
  remote?: () => unknown;
  /**
   * A finished run's `summary.json`, returned in `/v1/stats` as `summary` so that a
   * run served after it ended shows its figures.
   */
  summary?: Record<string, unknown>;
  /** A stage holding work this long without passing an item on is stalled (s). Default 120. */
  stallAfterS?: number;
  /** Idle time before a stream sends a heartbeat (ms). Default 15000. */
  heartbeatMs?: number;
  /** Ends every open stream when aborted (server shutdown). */
  signal?: AbortSignal;
}

/** The server's application: what `Deno.serve` calls, and tests ask directly. */
export interface ServerApp {
  /** Answers a request (the handler `Deno.serve` takes). */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Answers a request for `input` (a path, or a full URL or request) without a network. */
  request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response>;
}

/** Largest page `/v1/pairs` returns. */
export const MAX_PAGE = 10_000;

/**
 * Builds the server's routes over a run's database, pair log and metrics.
 *
 * @example Ask for a page of pairs
 * ```ts
 * import { createApp, openRunDatabase, PairLog } from "../../mod.ts";
 * import assert from "node:assert";
 * const db = openRunDatabase(":memory:");
 * const app = createApp({ db, pairLog: new PairLog(db) });
 * const res = await app.request("/v1/pairs?after=x");
 * assert.equal(res.status, 400);
 * assert.equal((await res.json()).parameter, "after");
 * ```
 */
export function createApp(options: ServerAppOptions): ServerApp {
  const { pairLog: log } = options;
  const metrics = options.metrics ?? new Metrics();
  const consumers = new PairConsumers(metrics, log);
  const problems = options.problems ?? runDatabaseProblems(options.db);
  const startedAt = Date.now();
  const stageProgress = new StageProgress();
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof ParamError) {
      return c.json({ error: error.message, parameter: error.parameter }, 400);
    }
    console.error(`Server error on ${c.req.method} ${c.req.path}:`, error);
    return c.json({ error: "Internal server error" }, 500);
  });
  app.notFound((c) => c.json({ error: `Not found: ${c.req.path}` }, 404));
  if (options.token) app.use("*", requireToken(options.token));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/metrics", async (c) => {
    consumers.refresh();
    return c.body(await metrics.registry.metrics(), 200, {
      "Content-Type": metrics.registry.contentType,
    });
  });

  app.get("/v1/stats", async (c) => {
    const open = consumers.refresh();
    const figures = await metrics.registry.getMetricsAsJSON();
    const remote = options.remote?.() as Parameters<typeof runStatus>[0]["remote"];
    const finished = log.isFinished();
    const status = runStatus({
      finished,
      unsampled: summaryUnsampled(options.summary) ??
        sumByLabel(figures, "pfpo_problems_unsampled_total", "reason"),
      remote,
      stages: stageProgress.update(figures),
      stallAfterS: options.stallAfterS,
    });
    return c.json({
      config: options.config ?? {},
      status,
      progress: {
        started_at: new Date(startedAt).toISOString(),
        uptime_s: (Date.now() - startedAt) / 1000,
        pairs_written: log.lastSeq(),
        finished,
        ...options.progress?.(),
      },
      consumers: open,
      ...(remote ? { remote } : {}),
      ...(options.summary ? { summary: options.summary } : {}),
      metrics: figures,
    });
  });

  app.get("/v1/pairs", (c) => {
    const after = parseIntParam("after", c.req.query("after"), { fallback: 0 });
    const limit = parseIntParam("limit", c.req.query("limit"), {
      fallback: 1000,
      min: 1,
      max: MAX_PAGE,
    });
    const shard = parseShardParams(c.req.query("shard"), c.req.query("shards"));
    const mix = parseLevelParams(c.req.query("level"), c.req.query("replay_ratio"));
    const minConfidence = parseProbabilityParam("min_confidence", c.req.query("min_confidence"));
    const finished = log.isFinished();
    const head = log.lastSeq();
    const page = log.after(after, { ...shard, ...mix, minConfidence, limit, upTo: head });
    // A short page scanned every row up to the head, so the next page starts there.
    const next = page.length < limit ? Math.max(after, head) : page[page.length - 1].seq;
    return c.body(page.map((pair) => `${JSON.stringify(pair)}\n`).join(""), 200, {
      "Content-Type": "application/x-ndjson",
      "X-Pfpo-Next-After": String(next),
      "X-Pfpo-Last-Seq": String(head),
      "X-Pfpo-Finished": String(finished && next >= head),
    });
  });

  app.get("/v1/pairs/stream", (c) => {
    const sse = (c.req.header("accept") ?? "").includes("text/event-stream");
    const lastEventId = c.req.header("last-event-id");
    const after = lastEventId !== undefined && sse
      ? parseIntParam("Last-Event-ID", lastEventId, { fallback: 0 })
      : parseIntParam("after", c.req.query("after"), { fallback: 0 });
    const shard = parseShardParams(c.req.query("shard"), c.req.query("shards"));
    const mix = parseLevelParams(c.req.query("level"), c.req.query("replay_ratio"));
    const minConfidence = parseProbabilityParam("min_confidence", c.req.query("min_confidence"));
    const format = sse ? "sse" : "ndjson";
    const body = pairStream(log, {
      after,
      ...shard,
      ...mix,
      minConfidence,
      format,
      heartbeatMs: options.heartbeatMs,
      signal: options.signal,
      consumer: consumers.open({ format, after, ...shard }),
    });
    return c.body(body, 200, {
      "Content-Type": sse ? "text/event-stream" : "application/x-ndjson",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    });
  });

  app.get("/v1/quality", (c) => {
    const checked = new FeedbackStore(options.db, { readOnly: true }).checkedPairs(log);
    if (checked.length === 0) return c.json({ quality: null, svg: null });
    const quality = pairQuality(checked);
    return c.json({ quality, svg: calibrationSvg(quality) });
  });

  app.get("/v1/problems", async (c) => {
    const limit = parseIntParam("limit", c.req.query("limit"), { fallback: 20, min: 1, max: 500 });
    return c.json({ problems: await recentProblems(log, { limit, source: problems }) });
  });

  app.get("/v1/problems/:id{.+}", async (c) => {
    const id = c.req.param("id");
    const detail = await problemDetail(id, { log, source: problems });
    if (!detail) return c.json({ error: `Unknown problem: ${id}` }, 404);
    return c.json(detail);
  });

  app.get("/", (c) => serveAsset(c, "index.html"));
  app.get("/assets/:name", (c) => serveAsset(c, c.req.param("name")));

  return app;
}

/** Problems left unsampled by reason, from a finished run's summary. */
function summaryUnsampled(summary?: Record<string, unknown>): Map<string, number> | undefined {
  if (!Array.isArray(summary?.unsampled)) return undefined;
  return new Map(
    summary.unsampled.map((entry: { reason: string; problems: number }) => [
      entry.reason,
      entry.problems,
    ]),
  );
}

async function serveAsset(c: Context, name: string): Promise<Response> {
  const asset = await dashboardAsset(name);
  if (!asset) return c.json({ error: `Not found: ${c.req.path}` }, 404);
  return c.body(asset.body, 200, {
    "Content-Type": asset.contentType,
    "Cache-Control": "no-cache",
  });
}
