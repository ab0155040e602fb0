import assert from "node:assert/strict";
import { extractAnswer, extractChoice } from "./extract.ts";

Deno.test("extractAnswer() takes the last box with nested braces", () => {
  const text = "First $\\boxed{1}$ was wrong. So $r = \\boxed{\\frac{\\sqrt{3}}{2}}$.";
  assert.equal(extractAnswer(text), "\\frac{\\sqrt{3}}{2}");
});

Deno.test("extractAnswer() reads \\fbox and an unbraced \\boxed token", () => {
  assert.equal(extractAnswer("Thus \\fbox{42}."), "42");
  assert.equal(extractAnswer("Thus $\\boxed 7$."), "7");
});

Deno.test("extractAnswer() joins boxes listed together and keeps only the last alternative", () => {
  assert.equal(extractAnswer("The roots are $\\boxed{2}$ and $\\boxed{-3}$."), "2, -3");
  assert.equal(extractAnswer("So \\(\\boxed{1}\\), \\(\\boxed{5}\\)"), "1, 5");
  assert.equal(extractAnswer("\\[\\boxed{0.5}\\] or \\(\\boxed{\\frac{1}{2}}\\)."), "\\frac{1}{2}");
  assert.equal(extractAnswer("We get \\boxed{3}. Later we check \\boxed{4}"), "4");
});

Deno.test("extractAnswer() ignores a box whose braces never close", () => {
  assert.equal(extractAnswer("\\boxed{\\frac{1}{2}"), undefined);
  assert.equal(extractAnswer("\\boxed{\\frac{1}{2}\nThe answer is 3."), "3");
});

Deno.test("extractAnswer() reads answer phrases", () => {
  assert.equal(extractAnswer("So she has 9 eggs.\n#### 18"), "18");
  assert.equal(extractAnswer("He pays $<<2*3=6>>6\nA: 6"), "6");
  assert.equal(extractAnswer("Answer: 1,000"), "1,000");
  assert.equal(extractAnswer("Therefore, the answer is $\\frac{3}{4}$."), "\\frac{3}{4}");
  assert.equal(extractAnswer("The answer is: 3.5."), "3.5");
  assert.equal(
    extractAnswer("Final Answer: The final answer is $x=5$. I hope it is correct."),
    "x=5",
  );
  assert.equal(extractAnswer("The final answer is **12**"), "12");
  assert.equal(extractAnswer("**Final Answer:** 7 apples"), "7 apples");
});

Deno.test("extractAnswer() keeps \\text units and strips delimiters and punctuation", () => {
  assert.equal(extractAnswer("\\boxed{5\\text{ cm}}"), "5\\text{ cm}");
  assert.equal(extractAnswer("The answer is \\(10\\)!"), "10");
});

Deno.test("extractAnswer() falls back to the last number only when asked", () => {
  const text = "She buys 3 apples for $<<3*2=6>>6, then 1,250 more.";
  assert.equal(extractAnswer(text), undefined);
  assert.equal(extractAnswer(text, { numeric: true }), "1250");
  assert.equal(extractAnswer("The change is -0.75 dollars.", { numeric: true }), "-0.75");
  assert.equal(extractAnswer("No digits at all.", { numeric: true }), undefined);
  assert.equal(extractAnswer("", { numeric: true }), undefined);
});

Deno.test("extractAnswer() joins boxes listed by a few words, never across a sentence or 'or'", () => {
  assert.equal(extractAnswer("\\boxed{1}\\boxed{2}"), "1, 2");
  assert.equal(
    extractAnswer("$\\boxed{(3,3)} \\text{ for part (a) and } \\boxed{(1,1)}$"),
    "(3,3), (1,1)",
  );
  assert.equal(extractAnswer("\\boxed{1} papers and \\boxed{2} bins"), "1, 2");
  assert.equal(extractAnswer("\\boxed{1} no no no no no \\boxed{2}"), "2");
  assert.equal(extractAnswer("\\boxed{1} or \\boxed{2}"), "2");
  assert.equal(extractAnswer("So \\boxed{7}.\n\n**Final Answer**\n\\boxed{7}"), "7");
});

Deno.test("extractAnswer() prefers an answer phrase written after the last box", () => {
  const text =
    "Interest: $\\boxed{200}$, then $\\boxed{255}$.\nFinal Answer: The final answer is 10455.";
  assert.equal(extractAnswer(text), "10455");
  assert.equal(extractAnswer("The final answer is $\\boxed{3}$."), "3");
  assert.equal(extractAnswer("Final Answer: The largest $n$ is 34."), "34");
  assert.equal(extractAnswer("Therefore, the answer is:\n\\[\n6\n\\]"), "6");
});

Deno.test("extractAnswer() with prose reads bare answers, the last math, or the last number", () => {
  const prose = { prose: true };
  assert.equal(extractAnswer("2\\sqrt{3}", prose), "2\\sqrt{3}");
  assert.equal(extractAnswer("no solution", prose), "no solution");
  assert.equal(extractAnswer("We find that $x < 3$.", prose), "x < 3");
  assert.equal(extractAnswer("Answer $ 9 $", prose), "9");
  assert.equal(extractAnswer("The roots are $1$, $2$ and $3$.", prose), "1, 2, 3");
  assert.equal(extractAnswer("We had $x=3$ and so 12 apples remain.", prose), "12");
  assert.equal(extractAnswer("It is not 10 which is 1,000.99€", prose), "1,000.99");
  assert.equal(extractAnswer("so P = 2/3. Done", prose), "2/3");
  assert.equal(
    extractAnswer("Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $", prose),
    "\\frac{1}{2} \\$ = \\frac{10}{9}",
  );
  assert.equal(extractAnswer("We find that $x < 3$."), undefined);
});

Deno.test("extractChoice() finds the picked letter, most explicit first", () => {
  assert.equal(extractChoice("A. Because B is not valid"), "A");
  assert.equal(extractChoice("Because B is valid"), "B");
  assert.equal(extractChoice("The answer is (c)."), "C");
  assert.equal(extractChoice("I pick **D** over A"), "D");
  assert.equal(extractChoice("$E$"), "E");
  assert.equal(extractChoice("Nothing to pick"), undefined);
});
