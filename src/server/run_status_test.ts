import assert from "node:assert/strict";
import { Metrics } from "../metrics/metrics.ts";
import { SamplingHealth } from "../sampling/health.ts";
import { runStatus, type RunStatusInput, StageProgress, sumByLabel } from "./run_status.ts";

const quiet: RunStatusInput = { finished: false, unsampled: new Map(), stages: [] };

Deno.test("runStatus() says the run is running normally when nothing is wrong", () => {
  const status = runStatus({
    ...quiet,
    remote: { connected: true, workers: [{ alive: true }] },
    stages: [{ stage: "sample", pending: 2, idle_s: 5 }, {
      stage: "vote",
      pending: 0,
      idle_s: 900,
    }],
  });
  assert.deepEqual(status, { level: "ok", message: "Running normally", conditions: [] });
});

Deno.test("runStatus() names an unreachable policy server and other failed requests", () => {
  const status = runStatus({
    ...quiet,
    unsampled: new Map([["connection", 2], ["timeout", 1], ["rejected 404", 1]]),
  });
  assert.equal(status.level, "error");
  assert.deepEqual(status.conditions, [
    "Policy server unreachable: 3 problems could not be sampled",
    "Sampling failed for 1 problem: rejected 404",
  ]);
});

Deno.test("runStatus() reads failed sampling from the run's metrics", async () => {
  const metrics = new Metrics();
  const health = new SamplingHealth({ metrics });
  const failed = { request_error: { kind: "rejected" as const, status: 401 } };
  health.accept("p1", [failed]);
  health.accept("p2", [failed]);
  const figures = await metrics.registry.getMetricsAsJSON();
  const unsampled = sumByLabel(figures, "pfpo_problems_unsampled_total", "reason");
  assert.equal(
    runStatus({ ...quiet, unsampled }).message,
    "Sampling failed for 2 problems: rejected 401",
  );
});

Deno.test("runStatus() says when no execution worker is connected, or the broker is gone", () => {
  const none = runStatus({ ...quiet, remote: { connected: true, workers: [{ alive: false }] } });
  assert.deepEqual([none.level, none.message], ["error", "No execution workers connected"]);
  const gone = runStatus({ ...quiet, remote: { connected: false, workers: [] } });
  assert.equal(gone.message, "Broker disconnected");
});

Deno.test("runStatus() names a stage holding work without progress", () => {
  const stages = [{ stage: "execute", pending: 4, idle_s: 3700 }];
  const status = runStatus({ ...quiet, stages });
  assert.equal(status.level, "warning");
  assert.equal(status.message, "Stage execute has made no progress for 1 h 1 min");
  assert.equal(runStatus({ ...quiet, stages, stallAfterS: 7200 }).message, "Running normally");
});

Deno.test("runStatus() says a run finished, with its failures but no stalls or workers", () => {
  const done = runStatus({
    finished: true,
    unsampled: new Map(),
    remote: { connected: false, workers: [] },
    stages: [{ stage: "execute", pending: 1, idle_s: 600 }],
  });
  assert.deepEqual([done.level, done.message], ["finished", "Run finished"]);
  const failed = runStatus({ finished: true, unsampled: new Map([["connection", 1]]), stages: [] });
  assert.equal(failed.level, "error");
  assert.equal(
    failed.message,
    "Run finished. Policy server unreachable: 1 problem could not be sampled",
  );
});

Deno.test("StageProgress counts idle time from a stage's last item out", async () => {
  let now = 1_000_000;
  const tracker = new StageProgress(() => now);
  const metrics = new Metrics();
  const stage = metrics.stage("execute");
  const read = async () => tracker.update(await metrics.registry.getMetricsAsJSON());
  stage.received();
  stage.started();
  stage.received();
  stage.started();
  assert.deepEqual(await read(), [{ stage: "execute", pending: 2, idle_s: 0 }]);
  now += 90_000;
  assert.deepEqual(await read(), [{ stage: "execute", pending: 2, idle_s: 90 }]);
  stage.finished(5);
  stage.emitted();
  now += 1_000;
  assert.deepEqual(await read(), [{ stage: "execute", pending: 1, idle_s: 0 }]);
});
