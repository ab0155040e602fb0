import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { feedbackMetrics, FeedbackStore, SamplingHealth } from "../mod.ts";
import { samplingMetrics } from "../src/sampling/metrics.ts";
import { summarize } from "../pipelines/summary.ts";
import { draft, serve, testRun } from "./support/server_run.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = new URL("../artifacts/dashboard.png", import.meta.url);

/** Waits until a chart shows `expected` (a subset of its latest values). */
function chartShows(id: string, expected: Record<string, number>): string {
  return `(() => {
    const last = JSON.parse(document.getElementById(${JSON.stringify(id)})?.dataset.last ?? "{}");
    return Object.entries(${JSON.stringify(expected)}).every(([k, v]) => last[k] === v);
  })()`;
}

const ignore = await Deno.stat(CHROMIUM).then(() => false, () => true);
if (ignore) {
  console.warn(
    `dashboard_test: skipped, ${CHROMIUM} is absent (install it with: apt-get update && apt-get install -y chromium)`,
  );
}

Deno.test({
  name: "dashboard updates its charts from a live run and opens a problem's detail",
  ignore,
  // playwright-core keeps its own timers and sockets for the browser connection.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using run = await testRun();
    const feedback = feedbackMetrics(run.metrics);
    const sample = run.metrics.stage("sample");
    const store = new FeedbackStore(run.db);
    run.write(3);
    run.run.finishProblem("math-sc:t/1", {
      status: "done",
      detail: { recipe: "math-sc", samples: 10, pairs: 1 },
    });
    store.saveVotes("self_consistency", [
      { problem_id: "t/2", label: "4", votes: 7, total: 10, decided: true, kept: true },
    ]);
    await using server = await serve(run, { config: { recipe: "math-sc", run: "dashboard-test" } });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${server.url}/?poll_ms=150`);
      await page.waitForFunction("Number(document.body.dataset.updates) >= 1");
      assert.equal(await page.textContent("#run-name"), "dashboard-test");
      assert.equal(await page.textContent("#status"), "live");
      assert.equal(await page.textContent("#run-status"), "Running normally");
      // The time axis reads as clock times.
      // uPlot draws its axes on the next frame.
      await page.waitForFunction('document.getElementById("chart-pairs").dataset.xTicks');
      const ticks = await page.getAttribute("#chart-pairs", "data-x-ticks") ?? "";
      assert.match(ticks, /^\d\d:\d\d:\d\d( \d\d:\d\d:\d\d)+$/);

      // The run goes on while the page is open: the charts must follow.
      const pairsBefore = await page.getAttribute("#chart-pairs", "data-last");
      assert.deepEqual(JSON.parse(pairsBefore ?? "{}"), { pairs: 3 });
      for (let i = 0; i < 40; i++) {
        sample.received();
        sample.emitted();
      }
      feedback.decided("math", 0.7, true);
      samplingMetrics(run.metrics).cached(3);
      run.metrics.counter("pfpo_sandbox_executions_total", "Sandbox executions by status", [
        "status",
      ]).labels({ status: "timeout" }).inc(2);
      feedback.saved("esc", 5);
      run.write(4);
      await page.waitForFunction(chartShows("chart-pairs", { pairs: 7 }));
      await page.waitForFunction(chartShows("chart-votes", { math: 0.7 }));
      await page.waitForFunction(chartShows("chart-early-stop", { esc: 5 }));
      await page.waitForFunction(chartShows("chart-samples", { samples_cached: 3 }));
      await page.waitForFunction(chartShows("chart-sandbox", { timeout: 2 }));
      const points = Number(await page.getAttribute("#chart-throughput", "data-points"));
      assert.ok(points >= 1);
      assert.equal(await page.locator("#chart-pairs canvas").count() > 0, true);
      // The stage table shows each stage's figures and marks the busiest one.
      const execute = run.metrics.stage("execute");
      execute.received();
      execute.started();
      execute.waited("starved", 50);
      await new Promise((resolve) => setTimeout(resolve, 20));
      execute.finished(20);
      execute.emitted();
      await page.waitForFunction(
        'document.querySelector("#stages tr[data-stage=execute]")?.classList.contains("bottleneck")',
      );
      const stageRow = await page.textContent("#stages tr[data-stage=execute]");
      assert.match(stageRow ?? "", /^execute \(bottleneck\)1100\d+%\d+%0%$/);
      assert.match(await page.textContent("#stages tr[data-stage=sample]") ?? "", /^sample4040/);
      // The table lists the run's finished problems with their outcome.
      await page.waitForFunction('document.querySelectorAll("#problems tbody tr").length === 1');
      assert.match(
        await page.textContent("#problems tbody") ?? "",
        /t\/1\s*done\s*recipe math-sc, samples 10, pairs 1\s*1\s*1/,
      );
      run.run.finishProblem("math-sc:t/2", { status: "done", detail: { recipe: "math-sc" } });
      await page.waitForFunction('document.querySelectorAll("#problems tbody tr").length === 2');

      // Drill down from the recent-problems table.
      await page.click('#problems a[href="#problem=t%2F2"]');
      await page.waitForFunction('document.getElementById("detail").dataset.loaded === "t/2"');
      const detail = await page.textContent("#detail");
      assert.match(detail ?? "", /Votes \(1\)/);
      assert.match(detail ?? "", /Pairs \(1\)/);
      assert.match(detail ?? "", /2 \+ 2 = 4/);

      // A failed request is said in words on the status line.
      new SamplingHealth({ metrics: run.metrics }).accept("t/9", [
        { request_error: { kind: "connection" } },
      ]);
      await page.waitForFunction(
        'document.getElementById("run-status").textContent.startsWith("Policy server unreachable")',
      );
      assert.equal(
        await page.textContent("#run-status"),
        "Policy server unreachable: 1 problem could not be sampled",
      );
      assert.equal(await page.getAttribute("#run-status", "data-level"), "error");

      run.log.markFinished();
      await page.waitForFunction('document.getElementById("status").textContent === "finished"');
      assert.match(await page.textContent("#run-status") ?? "", /^Run finished. Policy server/);
      await Deno.mkdir(new URL(".", SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "dashboard behind a token opens with ?token= once and then updates through its cookie",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using run = await testRun();
    run.write(2);
    await using server = await serve(run, { token: "s3cret" });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const denied = await page.goto(`${server.url}/`);
      assert.equal(denied?.status(), 401);
      await page.goto(`${server.url}/?token=s3cret`);
      assert.equal(page.url(), `${server.url}/`);
      await page.waitForFunction("Number(document.body.dataset.updates) >= 1");
      assert.equal(await page.textContent("#status"), "live");
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "deno task serve shows a finished run's figures from its summary",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using run = await testRun();
    const stage = run.metrics.stage("execute");
    stage.received();
    stage.started();
    stage.finished(30);
    stage.emitted();
    run.write(3);
    run.run.finishProblem("math-sc:t/1", {
      status: "done",
      detail: { recipe: "math-sc", samples: 8, pairs: 3 },
    });
    run.run.finishProblem("math-sc:t/2", { status: "no_label", detail: { recipe: "math-sc" } });
    await run.run.writeSummary(await summarize(run.run, [], { wallSeconds: 12 }), "summary\n");
    run.log.markFinished();
    run.run.close();

    const serve = new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "serve", "--run", run.dir, "--port", "0"],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const lines = serve.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!/http:\/\/\S+/.test(out)) {
        const { done, value } = await lines.read();
        if (done) throw new Error(`deno task serve ended: ${out}`);
        out += value;
      }
      const url = out.match(/http:\/\/[^\s/]+/)![0];
      lines.cancel();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      await page.goto(`${url}/?poll_ms=150`);
      await page.waitForFunction("Number(document.body.dataset.updates) >= 1");
      assert.equal(await page.textContent("#run-status"), "Run finished");
      assert.equal(await page.isVisible("#summary"), true);
      assert.match(
        await page.textContent("#summary-figures") ?? "",
        /pairs3 \(self consistency 3\)/,
      );
      assert.match(
        await page.textContent("#summary-recipes tr[data-recipe=math-sc]") ?? "",
        /^math-sc2done 1, no label 18\d*3$/,
      );
      // The stage table is the summary's, not empty for want of live metrics.
      assert.match(await page.textContent("#stages tr[data-stage=execute]") ?? "", /^execute/);
      assert.doesNotMatch(await page.textContent(".charts") ?? "", /no data yet/);
    } finally {
      await browser.close();
      serve.kill("SIGTERM");
      await serve.status;
    }
  },
});

Deno.test({
  name: "dashboard shows the pair quality panel once pairs are checked against gold",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using run = await testRun();
    run.write(1); // a pair without gold: the panel stays hidden
    await using server = await serve(run);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${server.url}/?poll_ms=150`);
      await page.waitForFunction("Number(document.body.dataset.updates) >= 1");
      assert.equal(await page.isVisible("#quality"), false);

      // Four pairs checked against gold while the page is open: the two most
      // confident are precise, the other two are not.
      const store = new FeedbackStore(run.db);
      const confidences = [0.95, 0.85, 0.4, 0.2];
      const pairs = run.log.append(
        confidences.map((confidence, i) => ({ ...draft(10 + i), confidence })),
      );
      pairs.forEach((pair, i) => {
        store.savePairSamples([{
          pair_id: pair.id,
          problem_id: pair.problem_id,
          chosen_index: 0,
          rejected_index: 1,
        }]);
        const chosenRight = i < 2 ? 1 : 0;
        store.saveScores([chosenRight, 0].map((score, index) => ({
          problem_id: pair.problem_id,
          index,
          completion: "",
          score,
          max_score: 1,
          feedback: "gold" as const,
        })));
      });
      await page.waitForSelector("#quality", { state: "visible" });
      // The panel follows the run: wait for all four pairs.
      await page.waitForFunction(
        'document.querySelector("#quality-yield tbody tr")?.textContent === "04250.0%"',
      );
      // Reliability diagram: one point per non-empty bin (0.9, 0.8, 0.4, 0.2).
      assert.equal(await page.locator("#quality-plot svg circle").count(), 4);
      const rows = await page.locator("#quality-yield tbody tr").allTextContents();
      assert.deepEqual(rows, [
        "04250.0%",
        "0.33266.7%",
        "0.522100.0%",
        "0.722100.0%",
        "0.911100.0%",
      ]);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
});
