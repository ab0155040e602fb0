/**
 * Calibration: a logistic model that turns a few features of a label or a pair into
 * a probability, fitted by Newton's method on data with gold labels, and the
 * reliability figures that check it (predicted confidence against observed
 * precision, per bin, and the expected calibration error).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** A fitted logistic model: P = σ(bias + Σ weights[i] · features[i]). */
export interface LogisticModel {
  /** Feature names, in the order of `weights`. */
  readonly features: readonly string[];
  /** One weight per feature. */
  readonly weights: readonly number[];
  /** The intercept. */
  readonly bias: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * The model's probability for one feature vector (values in the order of
 * `model.features`).
 *
 * @example A model with one feature
 * ```ts
 * import { predictLogistic } from "./calibration.ts";
 * import assert from "node:assert";
 * const model = { features: ["share"], weights: [4], bias: -2 };
 * assert.equal(predictLogistic(model, [0.5]), 0.5);
 * ```
 */
export function predictLogistic(model: LogisticModel, values: readonly number[]): number {
  if (values.length !== model.weights.length) {
    throw new ConfigError(
      `Cannot apply the calibration model: expected ${model.weights.length} features, got ${values.length}`,
    );
  }
  let z = model.bias;
  model.weights.forEach((w, i) => z += w * values[i]);
  return sigmoid(z);
}

/** Options for {@link fitLogistic}. */
export interface FitLogisticOptions {
  /** Feature names, one per column. */
  features: readonly string[];
  /** L2 penalty on the weights (not the bias), per example. Default 1e-3. */
  l2?: number;
  /** Newton steps at most. Default 50. */
  iterations?: number;
  /** Weight of each example. Default 1. */
  weights?: readonly number[];
}

/**
 * Fits a logistic model by Newton's method (iteratively reweighted least squares)
 * with a small L2 penalty, which keeps the fit finite on separable data.
 *
 * @example Recover a threshold
 * ```ts
 * import { fitLogistic, predictLogistic } from "./calibration.ts";
 * import assert from "node:assert";
 * const xs = [0, 0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9].map((x) => [x]);
 * const ys = [false, false, false, true, false, true, true, true];
 * const model = fitLogistic(xs, ys, { features: ["x"] });
 * assert.ok(predictLogistic(model, [0.9]) > 0.8 && predictLogistic(model, [0.0]) < 0.2);
 * ```
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  outcomes: readonly boolean[],
  options: FitLogisticOptions,
): LogisticModel {
  const d = options.features.length;
  if (rows.length !== outcomes.length) {
    throw new ConfigError(
      `Cannot fit: ${rows.length} feature rows but ${outcomes.length} outcomes`,
    );
  }
  if (rows.length === 0) throw new ConfigError("Cannot fit: no examples");
  const l2 = (options.l2 ?? 1e-3) * rows.length;
  const theta = new Array(d + 1).fill(0); // bias last
  for (let step = 0; step < (options.iterations ?? 50); step++) {
    const gradient = new Array(d + 1).fill(0);
    const hessian = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
    rows.forEach((row, n) => {
      const x = [...row, 1];
      const w = options.weights?.[n] ?? 1;
      let z = 0;
      x.forEach((v, i) => z += theta[i] * v);
      const p = sigmoid(z);
      const r = w * ((outcomes[n] ? 1 : 0) - p);
      const s = w * Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i <= d; i++) {
        gradient[i] += r * x[i];
        for (let j = 0; j <= d; j++) hessian[i][j] += s * x[i] * x[j];
      }
    });
    for (let i = 0; i < d; i++) {
      gradient[i] -= l2 * theta[i];
      hessian[i][i] += l2;
    }
    hessian[d][d] += 1e-9;
    const delta = solve(hessian, gradient);
    let change = 0;
    delta.forEach((v, i) => {
      theta[i] += v;
      change = Math.max(change, Math.abs(v));
    });
    if (change < 1e-8) break;
  }
  return { features: [...options.features], weights: theta.slice(0, d), bias: theta[d] };
}

/** Solves a small symmetric positive definite system by Gaussian elimination. */
function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col] || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col] / p;
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row, i) => row[n] / (row[i] || 1e-12));
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** The bin's range of predicted confidence, [lo, hi): its lower end. */
  lo: number;
  /** Its upper end (excluded, but for the last bin). */
  hi: number;
  /** Predictions that fell in the bin. */
  count: number;
  /** Their mean predicted confidence. */
  predicted: number;
  /** The share of them that were right. */
  observed: number;
}

/**
 * Groups predictions into `bins` equal-width bins of predicted confidence, with
 * the observed precision of each (empty bins are left out).
 *
 * @example Two bins
 * ```ts
 * import { reliabilityBins } from "./calibration.ts";
 * import assert from "node:assert";
 * const bins = reliabilityBins([0.1, 0.2, 0.9, 0.8], [false, false, true, false], 2);
 * assert.deepEqual(bins.map((b) => [b.count, b.observed]), [[2, 0], [2, 0.5]]);
 * ```
 */
export function reliabilityBins(
  predictions: readonly number[],
  outcomes: readonly boolean[],
  bins = 10,
): ReliabilityBin[] {
  const sums = Array.from({ length: bins }, () => ({ count: 0, predicted: 0, right: 0 }));
  predictions.forEach((p, i) => {
    const bin = sums[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))];
    bin.count++;
    bin.predicted += p;
    if (outcomes[i]) bin.right++;
  });
  return sums.flatMap((s, i) =>
    s.count
      ? [{
        lo: i / bins,
        hi: (i + 1) / bins,
        count: s.count,
        predicted: s.predicted / s.count,
        observed: s.right / s.count,
      }]
      : []
  );
}

/**
 * The expected calibration error: the count-weighted mean gap between predicted
 * confidence and observed precision over reliability bins (NaN without any).
 *
 * @example A perfectly calibrated pair of bins
 * ```ts
 * import { expectedCalibrationError } from "./calibration.ts";
 * import assert from "node:assert";
 * const bins = [
 *   { lo: 0, hi: 0.5, count: 2, predicted: 0.25, observed: 0.25 },
 *   { lo: 0.5, hi: 1, count: 2, predicted: 0.75, observed: 0.75 },
 * ];
 * assert.equal(expectedCalibrationError(bins), 0);
 * ```
 */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((n, b) => n + b.count, 0);
  if (total === 0) return NaN;
  return bins.reduce((sum, b) => sum + b.count * Math.abs(b.predicted - b.observed), 0) / total;
}
