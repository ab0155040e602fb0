import assert from "node:assert/strict";
import { calibrationSvg, pairQuality } from "./quality.ts";

const pair = (confidence: number | undefined, chosen: boolean, rejected: boolean) => ({
  ...(confidence !== undefined && { confidence }),
  chosen_right: chosen,
  rejected_right: rejected,
});

Deno.test("pairQuality() counts precise pairs and the yield of each minimum confidence", () => {
  const report = pairQuality([
    pair(0.95, true, false),
    pair(0.75, true, true), // both right: not precise
    pair(0.55, true, false),
    pair(0.1, false, false),
    pair(undefined, true, false), // no confidence: only in the unfiltered row
  ]);
  assert.equal(report.checked, 5);
  assert.equal(report.precise, 3);
  assert.equal(report.precision, 0.6);
  const at = (min: number) => report.yield.find((y) => y.min_confidence === min)!;
  assert.deepEqual([at(0).kept, at(0.5).kept, at(0.7).kept, at(0.9).kept], [5, 3, 2, 1]);
  assert.equal(at(0.5).precision, 2 / 3);
  assert.equal(at(0.9).precision, 1);
  assert.equal(report.bins.reduce((n, b) => n + b.count, 0), 4);
  assert.ok(report.ece > 0 && report.ece < 1);
});

Deno.test("pairQuality() of no pairs or no confidences reports n/a figures", () => {
  const empty = pairQuality([]);
  assert.ok(Number.isNaN(empty.precision) && Number.isNaN(empty.ece));
  const unrated = pairQuality([pair(undefined, true, false)]);
  assert.equal(unrated.precision, 1);
  assert.ok(Number.isNaN(unrated.ece));
  assert.match(calibrationSvg(unrated), /ECE n\/a/);
});

Deno.test("calibrationSvg() draws the diagonal, a point per bin and escapes the title", () => {
  const svg = calibrationSvg(
    pairQuality([pair(0.9, true, false), pair(0.2, false, true), pair(0.25, true, false)]),
    "runs/<a&b>",
  );
  assert.match(svg, /stroke-dasharray/);
  assert.equal(svg.match(/<circle /g)?.length, 2);
  assert.match(svg, /runs\/&lt;a&amp;b&gt;/);
  assert.doesNotMatch(svg, /<a&b>/);
});
