import assert from "node:assert";
import { ConfigError } from "../errors.ts";
import { decideEarlyStop, leaderPosterior, resolveEarlyStop } from "./early_stop.ts";
import { seededRandom } from "./random.ts";

const progress = (groups: (number | undefined)[]) => {
  const counts: number[] = [];
  for (const g of groups) if (g !== undefined) counts[g] = (counts[g] ?? 0) + 1;
  return { drawn: groups.length, counts: Array.from(counts, (c) => c ?? 0), groups };
};

Deno.test("decideEarlyStop() with fixed draws until max", () => {
  const settings = { rule: "fixed" as const, window: 2, max: 4 };
  assert.equal(decideEarlyStop(settings, progress([])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, 0])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, 0, 0, 0])), "stop");
});

Deno.test("decideEarlyStop() with esc stops only when the last window agrees", () => {
  const settings = { rule: "esc" as const, window: 2, max: 8 };
  assert.equal(decideEarlyStop(settings, progress([])), "more");
  assert.equal(decideEarlyStop(settings, progress([0])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, 1])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, 1, 1, 1])), "stop");
  assert.equal(decideEarlyStop(settings, progress([0, 1, 0, 1])), "more");
  // An empty answer in the window means the window did not agree.
  assert.equal(decideEarlyStop(settings, progress([undefined, undefined])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, undefined])), "more");
  assert.equal(decideEarlyStop(settings, progress(Array(8).fill(undefined))), "stop");
});

Deno.test("decideEarlyStop() with adaptive stops once the leader is likely the majority", () => {
  const settings = { rule: "adaptive" as const, window: 1, max: 40, threshold: 0.95 };
  // One answer: P = 1 - 2^-(v+1); 0.9375 at v = 3, 0.96875 at v = 4.
  assert.equal(decideEarlyStop(settings, progress([0, 0, 0])), "more");
  assert.equal(decideEarlyStop(settings, progress([0, 0, 0, 0])), "stop");
  assert.equal(decideEarlyStop(settings, progress([0, 1, 0, 1, 0, 1])), "more");
  assert.equal(decideEarlyStop(settings, progress([undefined, undefined])), "more");
  assert.equal(decideEarlyStop({ ...settings, threshold: 0.9 }, progress([0, 0, 0])), "stop");
});

Deno.test("leaderPosterior() matches the Beta tail for two answers", () => {
  // P(Beta(6, 3) > 1/2) = P(Binomial(8, 1/2) <= 5) = 219/256.
  assert.equal(leaderPosterior([5, 2]), 219 / 256);
  assert.equal(leaderPosterior([2, 5]), 219 / 256);
  assert.equal(leaderPosterior([]), 0);
  assert.equal(leaderPosterior([0, 0]), 0);
});

Deno.test("leaderPosterior() with three or more answers agrees with Monte Carlo sampling", () => {
  const random = seededRandom(1);
  // Gamma(k) for integer k as a sum of k exponentials.
  const gamma = (k: number) => {
    let s = 0;
    for (let i = 0; i < k; i++) s -= Math.log(1 - random.next());
    return s;
  };
  for (const counts of [[5, 2, 1], [3, 3, 1], [6, 1, 1, 1, 1]]) {
    const draws = 40000;
    let wins = 0;
    for (let d = 0; d < draws; d++) {
      const g = counts.map((c) => gamma(c + 1));
      if (g.slice(1).every((x) => g[0] > x)) wins++;
    }
    const exact = leaderPosterior(counts);
    assert.ok(Math.abs(exact - wins / draws) < 0.01, `${counts}: ${exact} vs ${wins / draws}`);
  }
  // With three answers the leader is less certain than the top two alone suggest.
  assert.ok(leaderPosterior([5, 2, 1]) < leaderPosterior([5, 2]));
  // Symmetry: three equal counts give 1/3.
  assert.ok(Math.abs(leaderPosterior([2, 2, 2]) - 1 / 3) < 1e-6);
});

Deno.test("resolveEarlyStop() rejects unknown rules and bad settings", () => {
  assert.throws(() => resolveEarlyStop({ rule: "sometimes" }), ConfigError);
  assert.throws(() => resolveEarlyStop({ rule: "esc", window: 0 }), /"window"/);
  assert.throws(() => resolveEarlyStop({ rule: "esc", max: 2.5 }), /"max"/);
  assert.throws(() => resolveEarlyStop({ rule: "adaptive", threshold: 1.5 }), /"threshold"/);
  assert.throws(() => resolveEarlyStop({ rule: "esc", windwo: 3 }), /unknown setting "windwo"/);
  assert.throws(() => resolveEarlyStop("esc"), /must be an object/);
  assert.deepEqual(resolveEarlyStop({ rule: "adaptive" }).threshold, 0.95);
});
