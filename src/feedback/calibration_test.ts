import assert from "node:assert/strict";
import {
  expectedCalibrationError,
  fitLogistic,
  predictLogistic,
  reliabilityBins,
} from "./calibration.ts";
import { seededRandom } from "./random.ts";

Deno.test("fitLogistic() recovers the weights that generated the outcomes", () => {
  const random = seededRandom(1, "fit", "test");
  const rows: number[][] = [];
  const outcomes: boolean[] = [];
  for (let i = 0; i < 4000; i++) {
    const x = [random.next(), random.next()];
    rows.push(x);
    outcomes.push(random.next() < 1 / (1 + Math.exp(-(-1 + 3 * x[0] - 2 * x[1]))));
  }
  const model = fitLogistic(rows, outcomes, { features: ["a", "b"], l2: 0 });
  assert.ok(Math.abs(model.weights[0] - 3) < 0.5, `a: ${model.weights[0]}`);
  assert.ok(Math.abs(model.weights[1] + 2) < 0.5, `b: ${model.weights[1]}`);
  assert.ok(Math.abs(model.bias + 1) < 0.4, `bias: ${model.bias}`);
  // Calibrated on its own data: the gap per bin is small.
  const predictions = rows.map((x) => predictLogistic(model, x));
  assert.ok(expectedCalibrationError(reliabilityBins(predictions, outcomes)) < 0.05);
});

Deno.test("fitLogistic() stays finite on separable data and honours example weights", () => {
  const model = fitLogistic([[0], [1]], [false, true], { features: ["x"] });
  assert.ok(Number.isFinite(model.weights[0]) && model.weights[0] > 0);
  // Weighted copies of one row act as fractional outcomes: 3 right, 1 wrong.
  const weighted = fitLogistic([[0], [0]], [true, false], { features: ["x"], weights: [3, 1] });
  assert.ok(Math.abs(predictLogistic(weighted, [0]) - 0.75) < 1e-6);
});

Deno.test("fitLogistic() and predictLogistic() reject mismatched input", () => {
  assert.throws(() => fitLogistic([[1]], [true, false], { features: ["x"] }), /2 outcomes/);
  assert.throws(() => fitLogistic([], [], { features: ["x"] }), /no examples/);
  const model = { features: ["x"], weights: [1], bias: 0 };
  assert.throws(() => predictLogistic(model, [1, 2]), /expected 1 features, got 2/);
});

Deno.test("reliabilityBins() and expectedCalibrationError() measure an overconfident predictor", () => {
  const predictions = [0.95, 0.95, 0.95, 0.95, 0.15, 0.15];
  const outcomes = [true, false, true, false, false, false];
  const bins = reliabilityBins(predictions, outcomes);
  assert.deepEqual(bins.map((b) => [b.lo, b.count, b.observed]), [[0.1, 2, 0], [0.9, 4, 0.5]]);
  const error = expectedCalibrationError(bins);
  assert.ok(Math.abs(error - (2 * 0.15 + 4 * 0.45) / 6) < 1e-9);
  assert.ok(Number.isNaN(expectedCalibrationError([])));
});
