import assert from "node:assert/strict";
import { AnswerComparer, compareAnswers, isEquivalent } from "./equivalence.ts";

/** Asserts each pair is equivalent (both ways) and, when given, by which rule. */
function same(pairs: [string, string, string?][]): void {
  for (const [a, b, rule] of pairs) {
    const forward = compareAnswers(a, b);
    assert.equal(forward.equivalent, true, `${a} vs ${b}: ${JSON.stringify(forward)}`);
    assert.equal(isEquivalent(b, a), true, `${b} vs ${a}`);
    if (rule) assert.equal(forward.rule, rule, `${a} vs ${b}`);
  }
}

/** Asserts each pair is decided not equivalent (both ways). */
function different(pairs: [string, string][]): void {
  for (const [a, b] of pairs) {
    for (const [x, y] of [[a, b], [b, a]]) {
      const result = compareAnswers(x, y);
      assert.equal(result.equivalent, false, `${x} vs ${y}: ${JSON.stringify(result)}`);
      assert.equal(result.decided, true, `${x} vs ${y}: ${JSON.stringify(result)}`);
    }
  }
}

Deno.test("compareAnswers() matches integers and decimals with thousands separators", () => {
  same([["10{,}000", "10000", "string"], ["50,625", "50625"], ["1,234.5", "1234.50"]]);
  same([["10\\,000", "10000"], ["-3969", "-3969.0"], ["0.50", ".5"], ["+7", "7"]]);
  different([["10000", "1000"], ["1,234", "1.234"], ["-3969", "3969"], ["12", "1.2"]]);
});

Deno.test("compareAnswers() matches fractions in every spelling, and mixed numbers", () => {
  same([
    ["\\frac{3}{8}", "\\dfrac{3}{8}"],
    ["\\tfrac{3}{8}", "3/8"],
    ["\\frac38", "\\frac{6}{16}", "number"],
    ["-\\frac{1}{2}", "\\frac{-1}{2}"],
    ["\\frac{1}{-2}", "-0.5"],
    ["12\\frac{3}{5}", "\\frac{63}{5}", "number"],
    ["1 \\frac{1}{4}", "1.25"],
  ]);
  different([
    ["\\frac{3}{8}", "\\frac{3}{4}"],
    ["\\frac{3}{8}", "\\frac{8}{3}"],
    ["12\\frac{3}{5}", "12"],
    ["\\frac{5}{16}", "\\frac{3}{16}"],
  ]);
});

Deno.test("compareAnswers() accepts a decimal only when it is the exact value correctly rounded", () => {
  same([["\\frac{1}{3}", "0.3333", "decimal"], ["\\frac{2}{3}", "0.66667"], [
    "\\frac{1}{7}",
    "0.142857",
  ]]);
  same([["\\frac{\\pi}{2}", "1.5708", "decimal"], ["\\sqrt{2}", "1.41421"]]);
  different([
    ["\\frac{1}{3}", "0.33"],
    ["\\frac{2}{3}", "0.6666"],
    ["10{,}000", "9999.857142857143"],
    ["9999\\frac{6}{7}", "10000"],
    ["\\sqrt{2}", "1.41"],
    ["3.14", "3.1416"],
  ]);
});

Deno.test("compareAnswers() reads a percentage as its number or its hundredth", () => {
  same([["50\\%", "0.5", "percent"], ["50\\%", "50"], ["12.5%", "\\frac{1}{8}"], [
    "50 \\%",
    "50%",
  ]]);
  different([["50\\%", "5"], ["50\\%", "0.05"], ["25\\%", "\\frac{1}{2}"]]);
});

Deno.test("compareAnswers() reads scientific notation", () => {
  same([["1.5\\times10^{3}", "1500"], ["2.5e-3", "0.0025"], ["3 \\cdot 10^4", "30000"]]);
  different([["1.5\\times10^{3}", "150"], ["2.5e-3", "0.025"]]);
});

Deno.test("compareAnswers() compares radicals and π by value", () => {
  same([
    ["2\\sqrt{3}", "\\sqrt{12}"],
    ["\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}"],
    ["\\sqrt{8}", "2\\sqrt2"],
    ["2\\pi", "\\pi+\\pi"],
    ["\\frac{\\pi}{2}", "\\frac12\\pi"],
  ]);
  different([["2\\sqrt{3}", "3\\sqrt{2}"], ["\\sqrt{34}+3\\sqrt{10}", "28"], ["\\pi", "3"]]);
});

Deno.test("compareAnswers() compares constants past double precision exactly", () => {
  same([["2^{100}", "1267650600228229401496703205376", "symbolic"], ["3^{40}", "(3^{20})^2"]]);
  different([
    ["2^{100}", "1267650600228229401496703205377"],
    ["\\lfloor 10^{100} \\pi \\rfloor", "\\lfloor 10^{100} \\pi \\rfloor + 1"],
  ]);
});

Deno.test("compareAnswers() compares expressions equal after simplification", () => {
  same([
    ["\\frac{x+1}{2}", "0.5x+0.5", "symbolic"],
    ["x^2+2x+1", "(x+1)^2"],
    ["4a-2", "-2+4a"],
    ["p - q", "-q+p"],
    ["\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}"],
  ]);
  different([["x^2+2x+2", "(x+1)^2"], ["4a-2", "4a+2"], ["x+1", "y+1"], ["\\sin x", "\\cos x"]]);
});

Deno.test("compareAnswers() reads x = 5 as 5 and compares equations up to a factor", () => {
  same([["x = 5", "5"], ["k=\\frac{1}{2}", "0.5"], ["y=2x+3", "y=3+2x"], ["2x+2y=4", "x+y=2"]]);
  same([["x \\in [1,2)", "[1,2)"]]);
  different([["x = 5", "6"], ["y=2x+3", "y=2x-3"], ["x=5", "y=6"], ["2x+3y=5", "5"]]);
});

Deno.test("compareAnswers() keeps tuples and points ordered", () => {
  same([["(1,2)", "(1, 2)"], ["\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"]]);
  same([["(0.5, -1, 2)", "(\\frac{1}{2},-1,2)", "tuple"]]);
  different([["(1,2)", "(2,1)"], ["(1,2)", "(1,2,3)"], ["(1,2,3)", "(1,3,2)"]]);
});

Deno.test("compareAnswers() compares intervals by ends and unions in any order", () => {
  same([
    ["[1,2)", "\\left[1, 2\\right)"],
    ["(-\\infty, 3) \\cup (4, \\infty)", "(4,\\infty)\\cup(-\\infty,3)", "union"],
    ["[\\frac{1}{2}, 3]", "[0.5,3]", "interval"],
    ["x < 3", "(-\\infty, 3)"],
    ["x \\ge 2", "[2,+\\infty)"],
    ["3 > x", "x<3"],
    ["-1 < x \\le 3", "(-1,3]"],
    ["5 \\geq y > 1", "(1,5]"],
    ["(-\\infty,-2)\\cup(2,\\infty)", "x<-2 \\text{ or } x>2"],
  ]);
  different([
    ["[1,2)", "[1,2]"],
    ["(1,2]", "[1,2]"],
    ["[1,3)", "[1,2)"],
    ["(-\\infty,3)\\cup(4,\\infty)", "(-\\infty,3]\\cup(4,\\infty)"],
    ["x < 3", "(-\\infty, 3]"],
    ["x > 3", "(-\\infty, 3)"],
    ["-1 < x < 3", "(-1,3]"],
  ]);
});

Deno.test("compareAnswers() compares sets and comma lists in any order", () => {
  same([
    ["\\{1,2\\}", "2, 1", "set"],
    ["1, -2, 3", "3,1,-2"],
    ["\\{3\\}", "3"],
    ["2 \\pm \\sqrt{3}", "2-\\sqrt{3}, 2+\\sqrt{3}"],
    ["1 \\text{ or } 2", "2, 1"],
  ]);
  different([["\\{1,2\\}", "\\{1,3\\}"], ["1, 2", "1, 2, 3"], ["-2, 1", "2, -1"]]);
});

Deno.test("compareAnswers() compares matrices and vectors by element", () => {
  same([
    [
      "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}",
      "\\begin{bmatrix}1\\\\-2\\end{bmatrix}",
      "matrix",
    ],
    [
      "\\begin{pmatrix} \\frac12 & 0 \\\\ 0 & 1 \\end{pmatrix}",
      "\\begin{pmatrix}0.5&0\\\\0&1\\end{pmatrix}",
    ],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1,2)"],
  ]);
  different([
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}"],
    ["\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\\\ 3 \\end{pmatrix}"],
  ]);
});

Deno.test("compareAnswers() drops degrees, units and currency", () => {
  same([
    ["90^\\circ", "90"],
    ["90^{\\circ}", "90°"],
    ["5\\text{ cm}", "5"],
    ["12\\text{ cm}^2", "12"],
    ["\\$18.50", "18.5"],
    ["18 dollars", "18"],
    ["\\text{5 inches}", "5"],
    ["864 \\mbox {  inches } ^2", "864"],
  ]);
  different([["90^\\circ", "45"], ["5\\text{ cm}", "6"]]);
});

Deno.test("compareAnswers() compares numerals in another base by their digits, not their value", () => {
  same([["52_8", "52_{8}", "base"], ["40_9", "40", "base"], ["1A_{16}", "1a_16"]]);
  different([["52_8", "42"], ["52_8", "52_9"], ["40_9", "36"]]);
});

Deno.test("compareAnswers() reads multiple-choice letters and plain text", () => {
  same([["\\text{(C)}", "C"], ["(d)", "D", "choice"], ["(B)", "\\textbf{(B)}"]]);
  same([["\\text{Evelyn}", "evelyn", "text"], ["\\text{no solution}", "No  Solution"]]);
  different([["(C)", "(D)"], ["\\text{odd}", "\\text{even}"], ["\\text{Evelyn}", "Devon"]]);
});

Deno.test("compareAnswers() ignores \\left, \\right, \\boxed, delimiters and spacing", () => {
  same([
    ["$\\boxed{\\dfrac{1}{2}}$", "\\frac{1}{2}", "string"],
    ["\\( \\left( 1 ,\\, 2 \\right) \\)", "(1,2)"],
    ["\\displaystyle\\frac{1}{2}", "\\frac12"],
  ]);
});

Deno.test("compareAnswers() returns undecided for pathological inputs", () => {
  const comparer = new AnswerComparer({ timeLimitMs: 200, budgetMs: 400 });
  const cases: [string, string][] = [
    ["10^{10^{10}}", "10^{10^{10}}+1"],
    ["2^{2^{2^{2^{2^{2}}}}}", "2^{2^{2^{2^{2^{2}}}}}+1"],
    ["(".repeat(60) + "1" + ")".repeat(60), "1"],
    ["1+".repeat(2000) + "1", "2001"],
    ["\\frac{1}{0}", "1"],
    ["9^{9^{9}}", "9^{9^{9}}+1"],
    ["\\frac{2^{99999}}{3^{99999}}+1", "1"],
    ["\\sum_{n=1}^{10^{9}} n", "5"],
    ["(10^{5})!+1", "(10^{5})!"],
    ["\\Gamma(1000000)", "1"],
  ];
  for (const [a, b] of cases) {
    const result = comparer.compare(a, b);
    assert.deepEqual(
      { equivalent: result.equivalent, decided: result.decided },
      { equivalent: false, decided: false },
      `${a.slice(0, 30)}: ${JSON.stringify(result)}`,
    );
  }
  assert.equal(comparer.compare("(".repeat(60), "1").rule, "too_deep");
  assert.equal(comparer.compare("1+".repeat(2000), "1").rule, "too_long");
  assert.equal(comparer.compare("9^{9^{9}}", "1").rule, "too_large");
  const many = Array.from({ length: 100 }, (_, i) => i).join(",");
  assert.equal(comparer.compare(many, "1").rule, "too_many_items");
});

Deno.test("compareAnswers() does not throw on malformed LaTeX", () => {
  for (const junk of ["\\frac{", "}{", "\\begin{pmatrix}", "1+", "\\\\", "", "   ", "$$", "((]"]) {
    const result = compareAnswers(junk, "1");
    assert.equal(result.equivalent, false, junk);
  }
  assert.equal(compareAnswers("", "").equivalent, true);
});

Deno.test("AnswerComparer caches parsed forms within its bound", () => {
  const comparer = new AnswerComparer({ cacheSize: 2 });
  comparer.compare("\\frac{1}{2}", "0.5");
  comparer.compare("\\frac{1}{2}", "0.5");
  assert.deepEqual(comparer.cacheStats.forms, { hits: 2, misses: 2 });
  comparer.compare("3", "4");
  comparer.compare("\\frac{1}{2}", "4");
  assert.deepEqual(comparer.cacheStats.forms, { hits: 3, misses: 5 });
  comparer.clearCache();
  assert.deepEqual(comparer.cacheStats.forms, { hits: 0, misses: 0 });
});

Deno.test("compareAnswers() reads a label on the left as the answer, not a constraint", () => {
  same([["(p,q)=(3,2)", "(3,2)"], ["|AB|=1", "1"], ["AB=4,CD=5", "4,5"], [
    "V_1:V_2=11:21",
    "11:21",
  ]]);
  same([["x=5", "y=5"], ["f(x)=1", "1"]]);
  different([["7=11a+c", "11a+c"], ["2x+z=1", "1"], ["a^2+b=0", "0"], ["y=x+1", "x=x+1"]]);
  assert.equal(compareAnswers("x=5", "y=5", { strict: true }).equivalent, false);
});

Deno.test("compareAnswers() compares inequalities up to a positive factor and against half-lines", () => {
  same([["x<1", "-x>-1", "relation"], ["x\\leq1", "-x>=-1"], ["2t\\geq6", "[3,\\infty)"], [
    "x<1",
    "1>x",
  ]]);
  different([["x<1", "x>-1"], ["x<1", "-x<-1"], ["x<1", "x\\leq1"], ["2t>6", "[3,\\infty)"]]);
});

Deno.test("compareAnswers() takes the last member of a chain and the exact value before \\approx", () => {
  same([["x=5+5+1=11", "11"], ["x\\approx11", "11"], ["x=\\frac{1}{3}\\approx0.3", "\\frac13"]]);
  different([["x=11=5+5+2", "11"], ["x=\\frac{1}{3}\\approx0.3", "0.3"]]);
  assert.equal(compareAnswers("x\\approx11", "11", { strict: true }).equivalent, false);
});

Deno.test("compareAnswers() reads a decimal comma only against a single number", () => {
  same([["1000,99", "1000.99"], ["0,111", "0.111"], ["1,22", "1.22"]]);
  different([["0,111", "111"], ["32, 349", "32349"], ["-2,1", "-2.1"], ["1,22", "1,2"]]);
  same([["32, 349", "349,32"], ["32,349", "32349"]]);
  assert.equal(compareAnswers("1000,99", "1000.99", { strict: true }).equivalent, false);
});

Deno.test("compareAnswers() with precision rounds both sides to that many places", () => {
  const three = { precision: 3 };
  assert.equal(compareAnswers("\\frac{1}{3}", "0.333", three).equivalent, true);
  assert.equal(compareAnswers("\\frac{1}{3}", "0.333", { precision: 4 }).equivalent, false);
  assert.equal(compareAnswers("\\sqrt{2}", "1.414", three).equivalent, true);
  assert.equal(compareAnswers("\\sqrt{2}", "1.41", three).equivalent, false);
  assert.equal(
    compareAnswers("(\\frac{3}{5},\\frac{8}{3}]", "(0.6,2.6667]", { precision: 2 }).equivalent,
    true,
  );
  assert.equal(compareAnswers("\\frac{1}{3}", "\\frac{2}{6}", three).rule, "number");
});

Deno.test("compareAnswers() in strict mode refuses every leniency", () => {
  const strict = { strict: true };
  for (
    const [a, b] of [
      ["5\\text{ cm}", "5"],
      ["40_9", "40"],
      ["-2,1", "(-2,1)"],
      ["\\{3\\}", "3"],
      ["\\frac{1}{3}", "0.3333"],
      ["50\\%", "50"],
    ]
  ) {
    assert.equal(compareAnswers(a, b).equivalent, true, `${a} vs ${b} lenient`);
    assert.equal(compareAnswers(a, b, strict).equivalent, false, `${a} vs ${b} strict`);
  }
  same([["50\\%", "0.5"]]);
  assert.equal(compareAnswers("50\\%", "\\frac{1}{2}", strict).equivalent, true);
  assert.equal(compareAnswers("x=5", "5", strict).equivalent, true);
});

Deno.test("compareAnswers() merges unions of finite sets and reads unescaped braces as a set", () => {
  same([["\\{1,3\\}\\cup\\{2,4\\}", "\\{1,2,3,4\\}", "set"], ["{1,2,3}", "3,2,1"], [
    "\\pm 2021",
    "{-2021, 2021}",
  ]]);
  different([["\\pm 2021", "2021"], ["(3,1)", "{1,3}"]]);
});

Deno.test("AnswerComparer.verify() takes the answer out of both sides", () => {
  const comparer = new AnswerComparer();
  const verdict = comparer.verify("Thus $x = \\boxed{4}$.", "Final Answer: The final answer is 4.");
  assert.deepEqual(verdict, {
    equivalent: true,
    rule: "string",
    decided: true,
    gold: "4",
    prediction: "4",
  });
  assert.equal(comparer.verify("4", "I could not solve it.").rule, "no_answer");
  assert.equal(comparer.verify("", "4").decided, false);
  assert.deepEqual(comparer.parse("The answer is $\\boxed{28 pct}$"), {
    answer: "28 pct",
    normalized: "28%",
  });
});

Deno.test("compareAnswers() reads an inequality on an absolute value as the set it describes", () => {
  same([["|x|<3", "(-3,3)"], ["|x|\\geq 2", "(-\\infty,-2]\\cup[2,\\infty)"], [
    "1<|z|<2",
    "(-2,-1)\\cup(1,2)",
  ]]);
  different([["|x|<3", "[-3,3]"], ["|x|>2", "(-\\infty,-2]\\cup[2,\\infty)"], [
    "1<|z|<2",
    "(1,2)",
  ]]);
});
