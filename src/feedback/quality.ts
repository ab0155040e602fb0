/**
 * The precision/yield report of a run whose problems carry gold: each pair checked
 * against the gold verdicts of its two samples (precise: chosen right and rejected
 * wrong), the pairs a minimum confidence would keep and their precision, and the
 * calibration of the confidence (a reliability diagram, drawn as SVG).
 *
 * @module
 */
import { expectedCalibrationError, type ReliabilityBin, reliabilityBins } from "./calibration.ts";

/** One pair with the gold verdicts of its samples. */
export interface CheckedPair {
  /** The pair's confidence (absent: its rule gave none). */
  confidence?: number;
  /** True when the gold feedback says the chosen sample is right. */
  chosen_right: boolean;
  /** True when the gold feedback says the rejected sample is right. */
  rejected_right: boolean;
}

/** What a minimum confidence keeps. */
export interface YieldRow {
  /** The minimum confidence. */
  min_confidence: number;
  /** Checked pairs it keeps. */
  kept: number;
  /** Of them, chosen right and rejected wrong. */
  precise: number;
  /** `precise / kept` (NaN when it keeps none). */
  precision: number;
}

/** The precision/yield report. */
export interface PairQuality {
  /** Pairs checked against gold. */
  checked: number;
  /** Of them, chosen right and rejected wrong. */
  precise: number;
  /** `precise / checked` (NaN when none was checked). */
  precision: number;
  /** Expected calibration error of the confidence (NaN without confidences). */
  ece: number;
  /** The reliability diagram: predicted confidence against observed precision. */
  bins: ReliabilityBin[];
  /** Pairs kept and their precision at each minimum confidence. */
  yield: YieldRow[];
}

/** The minimum confidences the report shows. */
export const YIELD_THRESHOLDS = [0, 0.3, 0.5, 0.7, 0.9] as const;

/**
 * Builds the report from pairs with gold verdicts.
 *
 * @example Two of three pairs precise
 * ```ts
 * import { pairQuality } from "./quality.ts";
 * import assert from "node:assert";
 * const report = pairQuality([
 *   { confidence: 0.9, chosen_right: true, rejected_right: false },
 *   { confidence: 0.8, chosen_right: true, rejected_right: false },
 *   { confidence: 0.2, chosen_right: false, rejected_right: false },
 * ]);
 * assert.equal(report.precise, 2);
 * assert.deepEqual(report.yield.find((y) => y.min_confidence === 0.5), {
 *   min_confidence: 0.5, kept: 2, precise: 2, precision: 1,
 * });
 * ```
 */
export function pairQuality(pairs: readonly CheckedPair[]): PairQuality {
  const precise = (p: CheckedPair) => p.chosen_right && !p.rejected_right;
  const rated = pairs.filter((p) => p.confidence !== undefined);
  const bins = reliabilityBins(rated.map((p) => p.confidence!), rated.map(precise));
  const count = pairs.filter(precise).length;
  return {
    checked: pairs.length,
    precise: count,
    precision: pairs.length ? count / pairs.length : NaN,
    ece: expectedCalibrationError(bins),
    bins,
    yield: YIELD_THRESHOLDS.map((min) => {
      const kept = min === 0 ? pairs : rated.filter((p) => p.confidence! >= min);
      const right = kept.filter(precise).length;
      return {
        min_confidence: min,
        kept: kept.length,
        precise: right,
        precision: kept.length ? right / kept.length : NaN,
      };
    }),
  };
}

/**
 * The reliability diagram as a standalone SVG: one point per bin (area by count)
 * at (mean predicted confidence, observed precision), against the diagonal of
 * perfect calibration.
 *
 * @example An SVG with one point per bin
 * ```ts
 * import { calibrationSvg, pairQuality } from "./quality.ts";
 * import assert from "node:assert";
 * const svg = calibrationSvg(pairQuality([
 *   { confidence: 0.9, chosen_right: true, rejected_right: false },
 *   { confidence: 0.1, chosen_right: false, rejected_right: false },
 * ]));
 * assert.match(svg, /^<svg /);
 * assert.equal(svg.match(/<circle /g)?.length, 2);
 * ```
 */
export function calibrationSvg(report: PairQuality, title = "Pair confidence calibration"): string {
  const size = 320;
  const pad = 40;
  const span = size - 2 * pad;
  const x = (p: number) => (pad + p * span).toFixed(1);
  const y = (p: number) => (size - pad - p * span).toFixed(1);
  const most = Math.max(1, ...report.bins.map((b) => b.count));
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif" font-size="11">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${size}" height="${size}" fill="white"/>`,
    `<text x="${size / 2}" y="16" text-anchor="middle" font-size="13">${escape(title)}</text>`,
    ...ticks.flatMap((t) => [
      `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#eee"/>`,
      `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${size - pad + 14}" text-anchor="middle">${t}</text>`,
      `<text x="${pad - 6}" y="${y(t)}" text-anchor="end" dominant-baseline="middle">${t}</text>`,
    ]),
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${
      y(1)
    }" stroke="#999" stroke-dasharray="4 3"/>`,
    `<rect x="${pad}" y="${pad}" width="${span}" height="${span}" fill="none" stroke="#444"/>`,
    `<text x="${size / 2}" y="${size - 8}" text-anchor="middle">predicted confidence</text>`,
    `<text x="12" y="${size / 2}" text-anchor="middle" transform="rotate(-90 12 ${
      size / 2
    })">observed precision</text>`,
    ...report.bins.map((b) =>
      `<circle cx="${x(b.predicted)}" cy="${y(b.observed)}" r="${
        (3 + 9 * Math.sqrt(b.count / most)).toFixed(1)
      }" fill="#2b6cb0" fill-opacity="0.6"><title>${b.count} pairs, predicted ${
        b.predicted.toFixed(2)
      }, observed ${b.observed.toFixed(2)}</title></circle>`
    ),
    `<text x="${pad + 4}" y="${pad + 14}">${report.checked} pairs, precision ${
      Number.isNaN(report.precision) ? "n/a" : report.precision.toFixed(2)
    }, ECE ${Number.isNaN(report.ece) ? "n/a" : report.ece.toFixed(3)}</text>`,
    "</svg>",
  ];
  return `${parts.join("\n")}\n`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
