import assert from "node:assert/strict";
import { evaluateLatex, SAMPLE_POINTS, startEngine } from "./latex_engine.ts";

Deno.test("evaluateLatex() gives the same values for equal expressions and differs otherwise", () => {
  const options = { timeLimitMs: 2_000 };
  const a = evaluateLatex("(x+1)^2", options);
  const b = evaluateLatex("x^2+2x+1", options);
  const c = evaluateLatex("x^2+1", options);
  assert.ok(a.status === "values" && b.status === "values" && c.status === "values");
  assert.equal(a.values.length, SAMPLE_POINTS);
  assert.deepEqual(a.variables, ["x"]);
  a.values.forEach((value, i) => assert.ok(Math.abs(value.re - b.values[i].re) < 1e-9));
  assert.ok(Math.abs(a.values[0].re - c.values[0].re) > 1e-3);
});

Deno.test("evaluateLatex() reports invalid, symbolic and failed inputs without throwing", () => {
  const options = { timeLimitMs: 2_000 };
  assert.equal(evaluateLatex("\\frac{", options).status, "invalid");
  assert.equal(evaluateLatex("f(x)", options).status, "symbolic");
  assert.equal(evaluateLatex("10^{10^{10}}", options).status, "symbolic");
  assert.equal(evaluateLatex("10^{10^{10}}+1", options).status, "failed");
  const complex = evaluateLatex("\\sqrt{-4}", options);
  assert.ok(complex.status === "values" && complex.values[0].im === 2);
});

Deno.test("startEngine() starts the engine once and reports how long it took", () => {
  startEngine();
  assert.equal(startEngine(), 0);
});
