// The run dashboard: polls /v1/stats and /v1/problems, draws live uPlot charts and
// opens a problem's detail from the recent-problems table. Plain browser script.
"use strict";

const POLL_MS = Number(new URLSearchParams(location.search).get("poll_ms")) || 1000;
const MAX_POINTS = 900;
const PALETTE = [
  "#3b6fd8",
  "#e0703a",
  "#2f9e61",
  "#b8409b",
  "#c9a227",
  "#4aa3b5",
  "#7a5cd6",
  "#d0445a",
];

/** Counters summed per label value, read from prom-client's JSON. */
function byLabel(metrics, test, label) {
  const out = new Map();
  for (const family of metrics) {
    if (!test(family.name)) continue;
    for (const v of family.values) {
      if (v.metricName && v.metricName !== family.name) continue;
      const key = label
        ? v.labels[label]
        : family.name.replace(/^pfpo_/, "").replace(/_total$/, "");
      if (key === undefined) continue;
      out.set(key, (out.get(key) ?? 0) + v.value);
    }
  }
  return out;
}

/** A histogram's mean (sum / count) per value of `label`. */
function meanBy(metrics, name, label) {
  const sums = new Map();
  const counts = new Map();
  for (const family of metrics) {
    if (family.name !== name) continue;
    for (const v of family.values) {
      const key = v.labels[label] ?? name;
      if (v.metricName?.endsWith("_sum")) sums.set(key, (sums.get(key) ?? 0) + v.value);
      if (v.metricName?.endsWith("_count")) counts.set(key, (counts.get(key) ?? 0) + v.value);
    }
  }
  const out = new Map();
  for (const [key, count] of counts) if (count > 0) out.set(key, sums.get(key) / count);
  return out;
}

const named = (name) => (n) => n === name;

// Metric names as the modules register them (src/*/metrics.ts, sandbox/).
const CHARTS = [
  {
    id: "chart-throughput",
    rate: true,
    read: (s) => byLabel(s.metrics, named("pfpo_stage_items_out_total"), "stage"),
  },
  {
    id: "chart-samples",
    read: (s) =>
      byLabel(s.metrics, (n) => /^pfpo_samples_(requested|cached|failed)_total$/.test(n)),
  },
  {
    id: "chart-sandbox",
    read: (s) => byLabel(s.metrics, named("pfpo_sandbox_executions_total"), "status"),
  },
  {
    id: "chart-votes",
    read: (s) => meanBy(s.metrics, "pfpo_vote_share", "kind"),
  },
  {
    id: "chart-early-stop",
    read: (s) => byLabel(s.metrics, named("pfpo_early_stop_samples_saved_total"), "rule"),
  },
  {
    id: "chart-pairs",
    read: (s) => new Map([["pairs", s.progress.pairs_written]]),
  },
  {
    id: "chart-remote",
    read: (s) =>
      s.remote
        ? new Map([
          ["outstanding", s.remote.outstanding],
          [
            "redeliveries",
            byLabel(s.metrics, named("pfpo_remote_redeliveries_total")).get(
              "remote_redeliveries",
            ) ??
              0,
          ],
          ["rtt ms", s.remote.rtt_ms ?? 0],
        ])
        : new Map(),
  },
  {
    id: "chart-consumers",
    read: (s) =>
      new Map([
        ["consumers", s.consumers.length],
        ["max lag", s.consumers.reduce((max, c) => Math.max(max, c.lag), 0)],
      ]),
  },
];

// Tick spacings of the time axis (s).
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];

/** A time (s since the epoch) as the browser's local clock time, e.g. 14:05:30. */
function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

class LiveChart {
  constructor(spec) {
    this.spec = spec;
    this.figure = document.getElementById(spec.id);
    this.names = [];
    this.xs = [];
    this.ys = [];
    this.previous = undefined;
    this.plot = undefined;
    this.empty = this.figure.appendChild(el("div", { class: "empty", text: "no data yet" }));
  }

  push(time, snapshot) {
    if (snapshot.summary && !this.plot) {
      this.empty.textContent = "the run ended before this page opened: its figures are below";
    }
    let values = this.spec.read(snapshot);
    if (this.spec.rate) {
      const previous = this.previous;
      this.previous = { time, values };
      if (!previous) return;
      const seconds = Math.max(0.001, time - previous.time);
      const rates = new Map();
      for (const [name, value] of values) {
        rates.set(name, Math.max(0, (value - (previous.values.get(name) ?? 0)) / seconds));
      }
      values = rates;
    }
    if (values.size === 0) return;
    let grew = false;
    for (const name of values.keys()) {
      if (!this.names.includes(name)) {
        this.names.push(name);
        this.ys.push(this.xs.map(() => null));
        grew = true;
      }
    }
    this.xs.push(time);
    this.names.forEach((name, i) => this.ys[i].push(values.get(name) ?? null));
    if (this.xs.length > MAX_POINTS) {
      this.xs.shift();
      this.ys.forEach((series) => series.shift());
    }
    if (grew || !this.plot) this.#build();
    else this.plot.setData([this.xs, ...this.ys]);
    this.figure.dataset.points = String(this.xs.length);
    this.figure.dataset.last = JSON.stringify(Object.fromEntries(values));
  }

  #build() {
    this.plot?.destroy();
    this.empty.remove();
    const width = Math.max(320, this.figure.clientWidth - 20);
    this.plot = new uPlot(
      {
        width,
        height: 180,
        legend: { live: false },
        // A lone point would stretch the time axis over years, and a few seconds of
        // points would leave it one clock tick or none: show at least the last minute.
        scales: {
          x: {
            time: true,
            range: (_u, min, max) => (max - min < 60 ? [max - 60, max] : [min, max]),
          },
        },
        series: [
          {},
          ...this.names.map((name, i) => ({
            label: name,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: true,
          })),
        ],
        axes: [
          {
            // Clock times, a tick every 10 s to 1 h depending on the span shown.
            space: 80,
            incrs: TIME_STEPS,
            values: (_u, ticks) => {
              const labels = ticks.map(clock);
              this.figure.dataset.xTicks = labels.join(" ");
              return labels;
            },
          },
          { size: 60 },
        ],
      },
      [this.xs, ...this.ys],
      this.figure,
    );
  }
}

const charts = CHARTS.map((spec) => new LiveChart(spec));
let updates = 0;

function showProgress(stats) {
  const p = stats.progress;
  const items = [
    ["pairs", p.pairs_written],
    ["consumers", stats.consumers.length],
    ["uptime", `${Math.round(p.uptime_s)} s`],
  ];
  for (const [key, value] of Object.entries(p)) {
    if (!["pairs_written", "uptime_s", "started_at", "finished"].includes(key)) {
      items.push([key.replaceAll("_", " "), value]);
    }
  }
  document.getElementById("progress").replaceChildren(
    ...items.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: String(v) }))),
  );
  const name = stats.config.run ?? stats.config.recipe;
  document.getElementById("run-name").textContent = name ? String(name) : "";
  document.getElementById("config").textContent = JSON.stringify(stats.config, null, 2);
  const status = document.getElementById("status");
  status.textContent = p.finished ? "finished" : "live";
  status.className = `status ${p.finished ? "finished" : "live"}`;
  const line = document.getElementById("run-status");
  line.textContent = stats.status.message;
  line.dataset.level = stats.status.level;
}

// The framework's per-stage families (src/metrics/metrics.ts), by stage.
const STAGE_FIELDS = {
  pfpo_stage_items_in_total: () => "in",
  pfpo_stage_items_out_total: () => "out",
  pfpo_stage_in_flight: () => "inFlight",
  pfpo_stage_errors_total: () => "errors",
  pfpo_stage_busy_seconds_total: () => "busy",
  pfpo_stage_wait_seconds_total: (labels) => labels.reason === "starved" ? "starved" : "blocked",
};

/**
 * The stage table: items, errors, and busy / starved / blocked time as shares of
 * the run's uptime; the busiest stage (the bottleneck) is marked.
 */
function showStages(stats) {
  const stages = new Map();
  for (const family of stats.metrics) {
    const field = STAGE_FIELDS[family.name];
    if (!field) continue;
    for (const v of family.values) {
      const name = v.labels.stage;
      if (name === undefined) continue;
      const row = stages.get(name) ??
        { in: 0, out: 0, inFlight: 0, errors: 0, busy: 0, starved: 0, blocked: 0 };
      row[field(v.labels)] += v.value;
      stages.set(name, row);
    }
  }
  // A run served after it ended: its stage table as its summary recorded it.
  const recorded = stages.size === 0 && stats.summary?.stages;
  for (const s of recorded || []) {
    stages.set(s.stage, {
      in: s.items_in,
      out: s.items_out,
      inFlight: s.in_flight,
      errors: s.errors,
      busy: s.busy_seconds,
      starved: s.starved_seconds,
      blocked: s.blocked_seconds,
    });
  }
  const uptime = Math.max(
    recorded ? stats.summary.time?.wall_seconds ?? 0 : stats.progress.uptime_s,
    0.001,
  );
  const share = (seconds) => `${Math.round(100 * seconds / uptime)}%`;
  let bottleneck;
  for (const [name, row] of stages) {
    if (row.busy > 0 && (!bottleneck || row.busy > stages.get(bottleneck).busy)) bottleneck = name;
  }
  document.querySelector("#stages tbody").replaceChildren(
    ...[...stages].map(([name, row]) =>
      el(
        "tr",
        { class: name === bottleneck ? "bottleneck" : undefined, "data-stage": name },
        el("td", { text: name === bottleneck ? `${name} (bottleneck)` : name }),
        ...[row.in, row.out, row.inFlight, row.errors].map((n) =>
          el("td", { class: "num", text: String(n) })
        ),
        ...[row.busy, row.starved, row.blocked].map((s) =>
          el("td", { class: "num", text: share(s) })
        ),
      )
    ),
  );
}

/** A finished problem's figures, e.g. "recipe gold, samples 8, pairs 2". */
function outcome(detail) {
  return Object.entries(detail ?? {}).map(([k, v]) => `${k.replaceAll("_", " ")} ${v}`).join(", ");
}

let shownProblems = "";

function showProblems(problems) {
  // Rows are rebuilt only when they change, so a link stays clickable between polls.
  const key = JSON.stringify(problems);
  if (key === shownProblems) return;
  shownProblems = key;
  const rows = problems.map((p) =>
    el(
      "tr",
      {},
      el(
        "td",
        {},
        el("a", { href: `#problem=${encodeURIComponent(p.problem_id)}`, text: p.problem_id }),
      ),
      el("td", { text: p.status ?? "" }),
      el("td", { text: outcome(p.detail) }),
      el("td", { class: "num", text: String(p.pairs) }),
      el("td", { class: "num", text: String(p.last_seq) }),
    )
  );
  document.querySelector("#problems tbody").replaceChildren(...rows);
}

/** Remote execution: the broker, why the run waits, and each worker. */
function showRemote(remote) {
  document.getElementById("remote").hidden = !remote;
  document.getElementById("chart-remote").hidden = !remote;
  if (!remote) return;
  document.getElementById("remote-broker").textContent = `${remote.broker} (${
    remote.connected ? "connected" : "disconnected"
  }, ${remote.outstanding} jobs outstanding)`;
  const waiting = document.getElementById("remote-waiting");
  waiting.hidden = !remote.waiting;
  waiting.textContent = remote.waiting ?? "";
  const rows = remote.workers.map((w) =>
    el(
      "tr",
      { class: w.alive ? "" : "gone" },
      el("td", { text: w.alive ? w.id : `${w.id} (gone)` }),
      el("td", { class: "num", text: String(w.pool_size) }),
      el("td", { class: "num", text: w.executions_per_s.toFixed(1) }),
      el("td", { class: "num", text: String(w.executions) }),
      el("td", { class: "num", text: String(w.jobs_running) }),
      el("td", { class: "num", text: `${Math.round(w.last_seen_s)} s ago` }),
    )
  );
  document.querySelector("#workers tbody").replaceChildren(...rows);
}

/** A finished run's figures from its summary: pairs, problems and outcomes per recipe. */
function showSummary(summary) {
  document.getElementById("summary").hidden = !summary;
  if (!summary) return;
  const counts = (o) =>
    Object.entries(o ?? {}).map(([k, v]) => `${k.replaceAll("_", " ")} ${v}`).join(", ");
  const items = [
    ["pairs", `${summary.pairs?.total ?? 0} (${counts(summary.pairs?.by_feedback)})`],
    ["executions", counts(summary.executions) || "none"],
    ["wall time", `${Math.round(summary.time?.wall_seconds ?? 0)} s`],
  ];
  document.getElementById("summary-figures").replaceChildren(
    ...items.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v }))),
  );
  const rows = Object.entries(summary.recipes ?? {}).map(([name, r]) =>
    el(
      "tr",
      { "data-recipe": name },
      el("td", { text: name }),
      el("td", { class: "num", text: String(r.problems) }),
      el("td", { text: counts(r.by_status) }),
      el("td", { class: "num", text: String(r.samples) }),
      el("td", { class: "num", text: String(r.pairs) }),
    )
  );
  document.querySelector("#summary-recipes tbody").replaceChildren(...rows);
}

function showQuality({ quality, svg }) {
  document.getElementById("quality").hidden = !quality;
  if (!quality) return;
  // The SVG is the server's own drawing of numbers (no user text in it).
  document.getElementById("quality-plot").innerHTML = svg;
  const share = (n) => n === null || Number.isNaN(n) ? "n/a" : `${(100 * n).toFixed(1)}%`;
  const rows = quality.yield.map((y) =>
    el(
      "tr",
      {},
      el("td", { class: "num", text: String(y.min_confidence) }),
      el("td", { class: "num", text: String(y.kept) }),
      el("td", { class: "num", text: String(y.precise) }),
      el("td", { class: "num", text: share(y.precision) }),
    )
  );
  document.querySelector("#quality-yield tbody").replaceChildren(...rows);
}

async function getJson(path) {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return await res.json();
}

async function tick() {
  try {
    const [stats, recent, quality] = await Promise.all([
      getJson("/v1/stats"),
      getJson("/v1/problems?limit=20"),
      getJson("/v1/quality"),
    ]);
    const time = Date.now() / 1000;
    for (const chart of charts) chart.push(time, stats);
    showProgress(stats);
    showRemote(stats.remote);
    showStages(stats);
    showSummary(stats.summary);
    showProblems(recent.problems);
    showQuality(quality);
    document.body.dataset.updates = String(++updates);
  } catch (error) {
    const status = document.getElementById("status");
    if (status.textContent.startsWith("finished")) {
      status.textContent = "finished (server stopped)";
    } else {
      status.textContent = `disconnected (${error.message}), retrying`;
      status.className = "status error";
    }
  } finally {
    setTimeout(tick, POLL_MS);
  }
}

function table(headers, rows) {
  if (rows.length === 0) return el("p", { text: "none" });
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))),
  );
}

function pre(text) {
  return text === undefined || text === null ? "" : el("pre", { text });
}

function show(value) {
  return value === undefined || value === null ? "" : String(value);
}

async function openDetail(id) {
  const section = document.getElementById("detail");
  document.getElementById("detail-id").textContent = id;
  const body = document.getElementById("detail-body");
  body.replaceChildren(el("p", { text: "loading…" }));
  section.hidden = false;
  let d;
  try {
    d = await getJson(`/v1/problems/${encodeURIComponent(id)}`);
  } catch (error) {
    body.replaceChildren(
      el("p", { class: "error", text: `Cannot load problem: ${error.message}` }),
    );
    return;
  }
  body.replaceChildren(
    ...(d.problem ? [el("h3", { text: "Prompt" }), pre(d.problem.prompt)] : []),
    el("h3", { text: `Samples (${d.samples.length})` }),
    table(
      ["#", "finish", "failure", "completion"],
      d.samples.map((
        s,
      ) => [show(s.index), show(s.finish_reason), show(s.failure), pre(s.completion)]),
    ),
    el("h3", { text: `Execution results (${d.executions.length})` }),
    table(
      ["sample", "input", "status", "output", "ms"],
      d.executions.map((e) => [
        show(e.sample_index),
        pre(e.input),
        show(e.result.status),
        pre(e.result.return_value ?? e.result.stdout),
        show(e.result.duration_ms),
      ]),
    ),
    el("h3", { text: `Votes (${d.votes.length})` }),
    table(
      ["input", "label", "votes", "total", "decided", "kept"],
      d.votes.map((
        v,
      ) => [
        pre(v.input),
        pre(v.label),
        show(v.votes),
        show(v.total),
        show(v.decided),
        show(v.kept),
      ]),
    ),
    el("h3", { text: `Scores (${d.scores.length})` }),
    table(
      ["#", "extracted answer", "score", "feedback"],
      d.scores.map((
        s,
      ) => [show(s.index), pre(s.extracted), `${s.score} / ${s.max_score}`, show(s.feedback)]),
    ),
    el("h3", { text: `Pairs (${d.pairs.length})` }),
    table(
      ["seq", "chosen", "rejected", "scores"],
      d.pairs.map((
        p,
      ) => [
        show(p.seq),
        pre(p.chosen),
        pre(p.rejected),
        `${p.chosen_score} > ${p.rejected_score}`,
      ]),
    ),
  );
  section.dataset.loaded = id;
}

function route() {
  const match = location.hash.match(/^#problem=(.+)$/);
  if (match) openDetail(decodeURIComponent(match[1]));
  else document.getElementById("detail").hidden = true;
}

document.getElementById("detail-close").addEventListener("click", (event) => {
  event.preventDefault();
  history.pushState(null, "", location.pathname + location.search);
  route();
});
addEventListener("hashchange", route);
route();
tick();
