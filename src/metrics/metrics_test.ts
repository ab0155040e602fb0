import assert from "node:assert/strict";
import { Metrics } from "./metrics.ts";
import { delay } from "../../tests/support/tracked_source.ts";

Deno.test("Metrics.stage() gives stages of one name one set of hooks, busy time counted once", async () => {
  const metrics = new Metrics();
  const first = metrics.stage("execute");
  const second = metrics.stage("execute");
  assert.equal(first, second);
  const began = performance.now();
  first.started();
  second.started();
  await delay(30);
  first.finished(30);
  second.finished(30);
  const elapsed = (performance.now() - began) / 1000;
  const [figures] = await metrics.stageFigures();
  assert.equal(figures.stage, "execute");
  assert.equal(figures.in_flight, 0);
  assert.ok(figures.busy_seconds <= elapsed, `${figures.busy_seconds} s busy in ${elapsed} s`);
  assert.ok(figures.busy_seconds > 0);
});
