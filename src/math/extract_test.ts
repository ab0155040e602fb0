import assert from "node:assert/strict";
import { extractAnswer } from "./extract.ts";

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
