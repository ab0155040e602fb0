import assert from "node:assert/strict";
import { seededRandom } from "../feedback/random.ts";
import { codeSolutionText, cutPrefixes, cutSolution, stepLines } from "./prefixes.ts";

const MATH = { upperRatio: 0.7, sampleRatio: 0.3, minSteps: 5 };
const solution = (steps: number, tag = "s") =>
  Array.from({ length: steps }, (_, i) => `${tag} step ${i + 1}`).join("\n");

Deno.test("cutSolution() gives nothing under five steps and floor(floor(L × 0.7) × 0.3) cuts", () => {
  const random = seededRandom(0);
  assert.deepEqual(cutSolution(solution(4), MATH, random), []);
  // 5 steps: floor(5 × 0.7) = 3 usable, floor(3 × 0.3) = 0 cuts.
  assert.deepEqual(cutSolution(solution(5), MATH, random), []);
  for (const [steps, cuts] of [[7, 1], [10, 2], [20, 4], [33, 6]]) {
    assert.equal(cutSolution(solution(steps), MATH, random).length, cuts, `${steps} steps`);
  }
  // Code keeps 80% of the steps usable: 10 steps → 8 usable → 2 cuts.
  const code = { ...MATH, upperRatio: 0.8 };
  assert.equal(cutSolution(solution(10), code, random).length, 2);
});

Deno.test("cutSolution() cuts only in the first 70% of the steps and after a step's line", () => {
  const text =
    "First.\n\nSecond.\n   \nThird.\nFourth.\n\nFifth.\nSixth.\nSeventh.\nEighth.\nNinth.\nTenth.";
  assert.deepEqual(stepLines(text).length, 10);
  for (let seed = 0; seed < 50; seed++) {
    for (const cut of cutSolution(text, MATH, seededRandom(seed))) {
      assert.ok(cut.steps >= 1 && cut.steps <= 7, `step ${cut.steps}`);
      assert.equal(cut.of, 10);
      assert.ok(text.startsWith(cut.text));
      assert.equal(stepLines(cut.text).length, cut.steps);
      assert.ok(!cut.text.endsWith("\n"), "no newline after the cut line");
      assert.notEqual(cut.text.split("\n").at(-1)!.trim(), "", "a cut ends on a step");
    }
  }
});

Deno.test("cutPrefixes() keeps at most P prefixes, seeded, and the same for the same seed", () => {
  const solutions = [0, 1, 2, 3, 4, 5].map((index) => ({ index, text: solution(30, `s${index}`) }));
  const a = cutPrefixes(solutions, { problemId: "p/1", seed: 1 });
  assert.equal(a.length, 10, "6 solutions × 6 cuts capped at 10");
  assert.deepEqual(cutPrefixes([...solutions].reverse(), { problemId: "p/1", seed: 1 }), a);
  assert.notDeepEqual(cutPrefixes(solutions, { problemId: "p/1", seed: 2 }), a);
  assert.notDeepEqual(
    cutPrefixes(solutions, { problemId: "p/2", seed: 1 }),
    a.map((p) => ({ ...p, problem_id: "p/2" })),
  );
  assert.equal(cutPrefixes(solutions, { problemId: "p", maxPrefixes: 3 }).length, 3);
  assert.equal(cutPrefixes(solutions, { problemId: "p", maxPrefixes: Infinity }).length, 36);
  assert.equal(cutPrefixes(solutions, { problemId: "p", kind: "code" }).length, 20);
  for (const prefix of a) {
    assert.ok(solutions[prefix.sample].text.startsWith(prefix.text));
    assert.equal(prefix.problem_id, "p/1");
  }
  const ordered = a.map((p) => [p.sample, p.steps]);
  assert.deepEqual(ordered, [...ordered].sort((x, y) => x[0] - y[0] || x[1] - y[1]));
  assert.throws(() => cutPrefixes(solutions, { problemId: "p", upperRatio: 0 }), /upperRatio/);
});

Deno.test("cutPrefixes() keeps a prefix two solutions share once", () => {
  const text = solution(20);
  const prefixes = cutPrefixes([{ index: 0, text }, { index: 1, text }], {
    problemId: "p",
    maxPrefixes: Infinity,
  });
  assert.equal(new Set(prefixes.map((p) => p.text)).size, prefixes.length);
});

Deno.test("codeSolutionText() cuts a code solution at the end of its program", () => {
  const program = "n = int(input())\nxs = map(int, input().split())\nprint(sum(xs))";
  const completion =
    `Read the numbers and add them.\n\n\`\`\`python\n${program}\n\`\`\`\n\nThis runs in O(n).\nDone.`;
  const cut = codeSolutionText(completion, program);
  assert.ok(cut.endsWith("print(sum(xs))"));
  assert.equal(stepLines(cut).length, 5);
  assert.equal(codeSolutionText(completion, undefined), completion);
  assert.equal(
    codeSolutionText("def f():\n    return 1", "def g(): pass"),
    "def f():\n    return 1",
  );
});
