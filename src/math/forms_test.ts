import assert from "node:assert/strict";
import { FormError, parseForm, splitTopLevel } from "./forms.ts";

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
