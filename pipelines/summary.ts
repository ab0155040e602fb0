/**
 * The run summary: what the run directory holds after this and any earlier
 * invocation (problems, samples, executions by status, votes, early-stop savings,
 * pairs by feedback source, label accuracy where gold exists), as JSON and as a
 * readable table.
 *
 * @module
 */
import {
  ExecutionCache,
  FeedbackStore,
  type PairQuality,
  pairQuality,
  type Run,
  type StageFigures,
  type UnsampledReason,
} from "../mod.ts";
import type { RecipeReport } from "./context.ts";
import type { RecordedSamplesFigures } from "./recorded_samples.ts";

/** The summary of a run. */
export interface RunSummary {
  run: string;
  dir: string;
  recipes: Record<string, RecipeTotals>;
  executions: Record<string, number>;
  votes: Record<string, { kept: number; dropped: number }>;
  pairs: {
    total: number;
    by_feedback: Record<string, number>;
    /** Solution-level and step-level pairs. */
    by_level: Record<string, number>;
  };
  reports: RecipeReport[];
  /**
   * Problems this invocation could not sample (a request failed), by reason: they
   * are not finished, and a re-run retries them.
   */
  unsampled: UnsampledReason[];
  /**
   * The recorded policy samples file (runs without a policy server): its lines, those
   * for no problem the run finished, and the problems it has no samples for.
   */
  recorded_samples?: RecordedSamplesFigures & { problems_without_samples: number };
  /** Where this invocation spent its time. */
  time: TimeShares;
  /**
   * Pairs checked against gold (runs whose problems carry gold and that ran the
   * `gold` recipe): precision, yield by minimum confidence, calibration.
   */
  pair_quality?: PairQuality;
  /** Each stage's figures in this invocation (items, busy and wait time, errors). */
  stages: StageFigures[];
}

/** The calibration plot's file in the run directory. */
export const CALIBRATION_SVG = "calibration.svg";

/**
 * This invocation's wall time and the busy time of each part (summed over
 * concurrent work, so a part's share can exceed 100%).
 */
export interface TimeShares {
  wall_seconds: number;
  /** Seconds per stage (`pfpo_stage_busy_seconds_total`), sampling requests and sandbox executions. */
  busy_seconds: Record<string, number>;
}

/** Per-recipe totals from the problems the run finished. */
export interface RecipeTotals {
  problems: number;
  by_status: Record<string, number>;
  samples: number;
  early_stop_saved: number;
  /** Pairs the recipe's policies drew. */
  pairs: number;
  /**
   * Of those, pairs written to the log: a pair another recipe wrote first (same
   * prompt, chosen and rejected) is written once, credited to that recipe. The
   * recipes' new pairs add up to the log's total.
   */
  new_pairs: number;
  label_accuracy?: { checked: number; correct: number; rate: number };
  figures?: Record<string, number>;
}

/** Builds the summary from the run database. */
export async function summarize(
  run: Run,
  reports: RecipeReport[],
  invocation: {
    wallSeconds: number;
    unsampled?: UnsampledReason[];
    recorded?: RecordedSamplesFigures;
  },
): Promise<RunSummary> {
  const recipes: Record<string, RecipeTotals> = {};
  for (const { status, detail } of run.outcomes()) {
    const name = detail.recipe ?? "";
    const totals = recipes[name] ??= {
      problems: 0,
      by_status: {},
      samples: 0,
      early_stop_saved: 0,
      pairs: 0,
      new_pairs: 0,
    };
    totals.problems++;
    totals.by_status[status] = (totals.by_status[status] ?? 0) + 1;
    totals.samples += detail.samples ?? 0;
    totals.early_stop_saved += detail.saved ?? 0;
    totals.pairs += detail.pairs ?? 0;
    totals.new_pairs += detail.new_pairs ?? 0;
    const checked = detail.label_correct === undefined ? detail.labels_checked ?? 0 : 1;
    const correct = detail.label_correct === undefined
      ? detail.labels_correct ?? 0
      : Number(detail.label_correct);
    if (checked > 0) {
      const acc = totals.label_accuracy ??= { checked: 0, correct: 0, rate: 0 };
      acc.checked += checked;
      acc.correct += correct;
      acc.rate = acc.correct / acc.checked;
    }
  }
  for (const report of reports) {
    if (report.figures && recipes[report.recipe]) recipes[report.recipe].figures = report.figures;
  }
  return {
    run: run.name,
    dir: run.dir,
    recipes,
    executions: new ExecutionCache({ db: run.db }).countByStatus(),
    votes: new FeedbackStore(run.db).voteCounts(),
    pairs: {
      total: run.pairs.count(),
      by_feedback: run.pairs.countByFeedback(),
      by_level: run.pairs.countByLevel(),
    },
    reports,
    unsampled: invocation.unsampled ?? [],
    ...(invocation.recorded
      ? {
        recorded_samples: {
          ...invocation.recorded,
          problems_without_samples: Object.values(recipes).reduce(
            (sum, t) => sum + (t.by_status.no_samples ?? 0),
            0,
          ),
        },
      }
      : {}),
    time: { wall_seconds: invocation.wallSeconds, busy_seconds: await busySeconds(run) },
    ...qualityOf(run),
    stages: await run.metrics.stageFigures(),
  };
}

function qualityOf(run: Run): { pair_quality?: PairQuality } {
  const checked = new FeedbackStore(run.db).checkedPairs(run.pairs);
  return checked.length ? { pair_quality: pairQuality(checked) } : {};
}

const BUSY_HISTOGRAMS: Record<string, string> = {
  pfpo_sampling_request_seconds: "sampling requests",
  pfpo_sandbox_execution_seconds: "sandbox executions",
};

async function busySeconds(run: Run): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const stage of await run.metrics.stageFigures()) {
    out[`stage ${stage.stage}`] = stage.busy_seconds;
  }
  for (const metric of await run.metrics.registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const name = (value as { metricName?: string }).metricName;
      if (!name?.endsWith("_sum")) continue;
      if (metric.name in BUSY_HISTOGRAMS) {
        out[BUSY_HISTOGRAMS[metric.name]] = (out[BUSY_HISTOGRAMS[metric.name]] ?? 0) + value.value;
      }
    }
  }
  return out;
}

/** The summary as a readable table. */
export function formatSummary(summary: RunSummary): string {
  const lines = [`Run ${summary.run} (${summary.dir})`, ""];
  const header = [
    "recipe",
    "problems",
    "samples",
    "saved by early stop",
    "pairs (new)",
    "label accuracy",
  ];
  const rows = Object.entries(summary.recipes).map(([name, t]) => [
    name,
    `${t.problems}${statusNote(t.by_status)}`,
    String(t.samples),
    String(t.early_stop_saved),
    `${t.pairs} (${t.new_pairs})`,
    t.label_accuracy
      ? `${
        (100 * t.label_accuracy.rate).toFixed(1)
      }% (${t.label_accuracy.correct}/${t.label_accuracy.checked})`
      : "-",
  ]);
  lines.push(...table([header, ...rows]));
  if (Object.values(summary.recipes).some((t) => t.pairs > 0)) {
    lines.push(
      "pairs (new): pairs drawn (written to the log; a pair another recipe wrote first is written once, for that recipe)",
    );
  }
  lines.push("");
  const executions = Object.entries(summary.executions);
  if (executions.length) {
    lines.push(
      `Executions: ${executions.map(([status, n]) => `${status} ${n}`).join(", ")}`,
    );
  }
  const votes = Object.entries(summary.votes);
  if (votes.length) {
    lines.push(
      `Votes: ${
        votes.map(([source, v]) => `${source} ${v.kept} kept, ${v.dropped} dropped`).join("; ")
      }`,
    );
  }
  const byFeedback = Object.entries(summary.pairs.by_feedback);
  const { solution, step } = summary.pairs.by_level;
  lines.push(
    `Pairs: ${summary.pairs.total}${
      byFeedback.length ? ` (${byFeedback.map(([source, n]) => `${source} ${n}`).join(", ")})` : ""
    }; solution level ${solution ?? 0}, step level ${step ?? 0}`,
  );
  for (const { reason, problems, message } of summary.unsampled) {
    lines.push(
      `Not sampled (unfinished, retried by a re-run): ${problems} (${reason}: ${message})`,
    );
  }
  const recorded = summary.recorded_samples;
  if (recorded && (recorded.unmatched_records > 0 || recorded.problems_without_samples > 0)) {
    lines.push(
      `Recorded samples: ${recorded.unmatched_records} of ${recorded.records} lines match no problem of the run${
        recorded.unmatched_example ? ` (e.g. "${recorded.unmatched_example}")` : ""
      }; problems without samples (no_samples): ${recorded.problems_without_samples}`,
    );
  }
  for (const [name, t] of Object.entries(summary.recipes)) {
    if (!t.figures) continue;
    lines.push(
      `${name}: ${
        Object.entries(t.figures).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
          .join(", ")
      }`,
    );
  }
  const quality = summary.pair_quality;
  if (quality) {
    const share = (n: number) => Number.isNaN(n) ? "n/a" : `${(100 * n).toFixed(1)}%`;
    lines.push(
      `Pair quality against gold: ${quality.checked} pairs checked, precision ${
        share(quality.precision)
      }, calibration error ${Number.isNaN(quality.ece) ? "n/a" : quality.ece.toFixed(3)}`,
      `  min confidence: ${
        quality.yield.map((y) => `${y.min_confidence} keeps ${y.kept} (${share(y.precision)})`)
          .join(", ")
      }; calibration plot: ${CALIBRATION_SVG}`,
    );
  }
  if (summary.stages.length) {
    lines.push("", ...stageTable(summary.stages, summary.time.wall_seconds), "");
  }
  const { wall_seconds: wall, busy_seconds: busy } = summary.time;
  lines.push(
    `Time: ${wall.toFixed(1)} s wall; busy ${
      Object.entries(busy).map(([part, sec]) =>
        `${part} ${sec.toFixed(1)} s (${(100 * sec / wall).toFixed(0)}%)`
      )
        .join(", ")
    }`,
  );
  return `${lines.join("\n")}\n`;
}

function statusNote(byStatus: Record<string, number>): string {
  const others = Object.entries(byStatus).filter(([status]) => status !== "done");
  return others.length ? ` (${others.map(([s, n]) => `${n} ${s}`).join(", ")})` : "";
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd();
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
}

/** The stage table: items, busy and wait shares of the wall time, errors. */
export function stageTable(stages: readonly StageFigures[], wallSeconds: number): string[] {
  const share = (seconds: number) => `${(100 * seconds / Math.max(wallSeconds, 1e-9)).toFixed(0)}%`;
  return table([
    ["stage", "in", "out", "errors", "busy", "starved", "blocked"],
    ...stages.map((s) => [
      s.stage,
      String(s.items_in),
      String(s.items_out),
      String(s.errors),
      share(s.busy_seconds),
      share(s.starved_seconds),
      share(s.blocked_seconds),
    ]),
  ]);
}
