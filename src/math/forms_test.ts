import assert from "node:assert/strict";
import { FormError, isLabel, parseForm, splitTopLevel } from "./forms.ts";

const limits = { maxItems: 8 };

Deno.test("splitTopLevel() splits outside brackets, half-open intervals and escaped braces", () => {
  assert.deepEqual(splitTopLevel("(1,2),[3,4),\\{5,6\\}", /,/), ["(1,2)", "[3,4)", "\\{5,6\\}"]);
  assert.deepEqual(splitTopLevel("\\frac{1}{2},3", /,/), ["\\frac{1}{2}", "3"]);
  assert.deepEqual(splitTopLevel("x", /,/), ["x"]);
});

Deno.test("parseForm() recognises each kind of answer", () => {
  const kinds: [string, string][] = [
    ["42", "number"],
    ["(C)", "choice"],
    ["-\\infty", "infinity"],
    ["Evelyn", "text"],
    ["no solution", "text"],
    ["p-q", "expression"],
    ["xy", "expression"],
    ["\\sin x", "expression"],
    ["y=2x+3", "equation"],
    ["(1,2,3)", "tuple"],
    ["1,2", "set"],
    ["\\{1\\}", "set"],
    ["2\\pm\\sqrt{3}", "set"],
    ["(1,2]", "interval"],
    ["(0,1)\\cup(2,3)", "union"],
    ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "matrix"],
    ["(5)", "number"],
  ];
  for (const [key, kind] of kinds) assert.equal(parseForm(key, limits).kind, kind, key);
});

Deno.test("parseForm() throws FormError past the item limit", () => {
  assert.throws(() => parseForm("1,2,3,4,5,6,7,8,9", limits), FormError);
  assert.throws(() => parseForm("(1,(1,2,3,4,5,6,7,8,9))", limits), FormError);
});

Deno.test("parseForm() reads labels, chains, relations and the new list forms", () => {
  const kinds: [string, string][] = [
    ["-x>-1", "relation"],
    ["x<1", "interval"],
    ["\\{1,3\\}\\cup\\{2\\}", "set"],
    ["{1,2,3}", "set"],
    ["{5}", "number"],
    ["-12;-11;-10", "set"],
    ["(11,7)or(7,11)", "set"],
    ["x=5+5+1=11", "equation"],
    ["1=\\beta=x=0", "number"],
    ["\\frac{1}{2}=\\frac{10}{9}", "number"],
    ["7=11a+c", "equation"],
  ];
  for (const [key, kind] of kinds) assert.equal(parseForm(key, limits).kind, kind, key);
  const chain = parseForm("x=\\frac{1}{3}\\approx0.33", limits);
  assert.ok(chain.kind === "equation" && chain.rhs.key === "\\frac{1}{3}");
  assert.equal(parseForm("x\\approx11", { ...limits, strict: true }).kind, "expression");
});

Deno.test("isLabel() accepts names of answers and refuses constraints", () => {
  for (
    const lhs of ["x", "a_{37}", "f(x)", "(p,q)", "|AB|", "AB", "V_{1}:V_{2}", "\\frac{NO}{BO}"]
  ) {
    assert.equal(isLabel(lhs), true, lhs);
  }
  for (const lhs of ["7", "2x+z", "a^2+b", "x+1", "\\sin x", "3"]) {
    assert.equal(isLabel(lhs), false, lhs);
  }
});

Deno.test("parseForm() reads a decimal comma only where it cannot be a list or thousands", () => {
  const reading = (key: string) => {
    const form = parseForm(key, limits);
    return form.kind === "set" ? form.decimalComma?.value : undefined;
  };
  assert.deepEqual(reading("1000,99"), { n: 100099n, d: 100n });
  assert.deepEqual(reading("0,111"), { n: 111n, d: 1000n });
  assert.deepEqual(reading("1,22"), { n: 61n, d: 50n });
  assert.equal(reading("-2,1"), undefined);
  assert.equal(reading("1, 22"), undefined);
  assert.equal(reading("1,2,3"), undefined);
});
