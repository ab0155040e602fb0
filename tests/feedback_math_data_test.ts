/**
 * Math self-consistency on real model samples (`../shared/data/math_samples`, 50
 * MATH problems × 8 Qwen2.5-Math responses with gold answers). Skipped when the
 * data folder is absent.
 */
import assert from "node:assert";
import {
  goldMathFeedback,
  isEquivalent,
  mathPairs,
  type MathProblem,
  MathSelfConsistency,
  readJsonl,
  type Sample,
} from "../mod.ts";

const PATH = new URL("../../shared/data/math_samples/math_cot_dev.jsonl", import.meta.url)
  .pathname;
const present = (() => {
  try {
    return Deno.statSync(PATH).isFile;
  } catch {
    return false;
  }
})();
if (!present) console.log(`feedback_math_data_test: skipped, ${PATH} is absent`);

interface Row {
  problem: MathProblem;
  samples: Sample[];
}

async function rows(): Promise<Row[]> {
  const out: Row[] = [];
  for await (
    const r of readJsonl<{ idx: number; question: string; gt: string; response: string[] }>(PATH)
  ) {
    const id = `math/${r.idx}`;
    out.push({
      problem: { id, kind: "math", prompt: r.question, answer: r.gt },
      samples: r.response.map((completion, index) => ({ problem_id: id, index, completion })),
    });
  }
  return out;
}

Deno.test({
  name:
    "MathSelfConsistency labels real samples as accurately as the majority of right answers allows",
  ignore: !present,
  async fn() {
    const data = await rows();
    assert.equal(data.length, 50);
    const sc = new MathSelfConsistency({ earlyStop: { rule: "fixed", max: 8 } });
    let right = 0;
    let pairs = 0;
    let precise = 0;
    for (const { problem, samples } of data) {
      const { vote, scored } = sc.finish(problem.id, samples);
      const gold = goldMathFeedback(problem, samples)!;
      if (vote.label !== undefined && isEquivalent(vote.label, problem.answer!)) right++;
      const goldOf = new Map(gold.scored.map((s) => [s.completion, s.score]));
      for (
        const pair of mathPairs(scored, { prompt: problem.prompt, run: "t", mode: "each_positive" })
      ) {
        pairs++;
        if (goldOf.get(pair.chosen) === 1 && goldOf.get(pair.rejected) === 0) precise++;
      }
    }
    // 45 of 50 at the time of writing; the single-sample mean is 44.
    assert.ok(right >= 44, `labels right: ${right}`);
    assert.ok(pairs > 0 && precise / pairs > 0.5, `pair precision: ${precise}/${pairs}`);
  },
});

Deno.test({
  name: "ESC early stop on real samples draws under half the samples and keeps the full-vote label",
  ignore: !present,
  async fn() {
    const data = await rows();
    const full = new MathSelfConsistency({ earlyStop: { rule: "fixed", max: 8 } });
    const esc = new MathSelfConsistency({ earlyStop: { rule: "esc", window: 2, max: 8 } });
    let drawn = 0;
    let agree = 0;
    for (const { problem, samples } of data) {
      let n = 2;
      while (n < samples.length && esc.decide(problem.id, samples.slice(0, n)) === "more") n += 2;
      drawn += n;
      const early = esc.finish(problem.id, samples.slice(0, n)).vote.label;
      const label = full.finish(problem.id, samples).vote.label;
      if (early === label) agree++;
    }
    assert.ok(drawn < 0.5 * 400, `drawn ${drawn} of 400`);
    assert.ok(agree >= 48, `agreement ${agree} of 50`);
  },
});
