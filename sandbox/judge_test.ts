import assert from "node:assert";
import {
  canonicalFromPython,
  judge,
  judgeTests,
  sameOutput,
  sameResult,
  sameValue,
} from "./judge.ts";
import { canonicalJson } from "./canonical.ts";
import type { ExecutionResult } from "../src/model/execution.ts";

const ok = (stdout: string, return_value?: string): ExecutionResult => ({
  status: "ok",
  stdout,
  stderr: "",
  duration_ms: 1,
  ...(return_value === undefined ? {} : { return_value }),
});

Deno.test("sameOutput() matches exactly, by lines, or by tokens", () => {
  assert.ok(sameOutput("a\r\nb  \n\n\n", "a\nb"));
  assert.ok(!sameOutput("a\nb", "a\nb\nc"));
  assert.ok(!sameOutput("a \n", "a\n", { match: "exact" }));
  assert.ok(sameOutput("a\n", "a\n", { match: "exact" }));
  assert.ok(!sameOutput("1.0", "1", { match: "tokens" }));
  assert.ok(sameOutput("1.0", "1", { match: "tokens", floatTolerance: 1e-9 }));
  assert.ok(!sameOutput("1.1", "1", { match: "tokens", floatTolerance: 1e-3 }));
  assert.ok(!sameOutput("abc", "abd", { match: "tokens", floatTolerance: 1 }));
  assert.ok(sameOutput("1e3", "1000.0000001", { match: "tokens", floatTolerance: 1e-6 }));
});

Deno.test("sameValue() compares canonical values, keeping big integers exact", () => {
  assert.ok(sameValue("[1,2]", "[1.0,2.0]"));
  assert.ok(!sameValue("[1,2]", "[2,1]"));
  assert.ok(!sameValue("true", "1"));
  assert.ok(!sameValue('{"a":1}', '{"a":1,"b":2}'));
  assert.ok(sameValue('{"$set":[1,2]}', '{"$set":[1,2]}'));
  assert.ok(!sameValue('{"$set":[1,2]}', "[1,2]"));
  assert.ok(sameValue("123456789012345678901234567890", "123456789012345678901234567890"));
  assert.ok(!sameValue("9007199254740993", "9007199254740992"));
  assert.ok(!sameValue("not json", "[1]"));
  assert.ok(sameValue('{"$float":"nan"}', '{"$float":"nan"}'));
});

Deno.test("canonicalJson() and canonicalFromPython() agree with the Python runner's format", () => {
  assert.equal(canonicalFromPython("(1, 'a', None, True)"), '[1,"a",null,true]');
  assert.equal(canonicalFromPython("{'b': 1, 'a': [2]}"), '{"a":[2],"b":1}');
  assert.equal(canonicalFromPython("{2: 'x', 1: 'y'}"), '{"$dict":[[1,"y"],[2,"x"]]}');
  assert.equal(canonicalFromPython("float('inf')"), '{"$float":"inf"}');
  assert.equal(canonicalFromPython("1180591620717411303424"), "1180591620717411303424");
  assert.equal(canonicalJson(undefined), "null");
  assert.ok(canonicalJson(() => 1).startsWith('{"$repr":'));
  assert.throws(() => canonicalFromPython("[1, 2"), /Cannot parse Python literal/);
});

Deno.test("judge() and judgeTests() give per-test verdicts", () => {
  assert.equal(judge(ok("", "[1,2]"), { return_value: canonicalFromPython("(1, 2)") }), "pass");
  assert.equal(judge(ok(""), { return_value: "1" }), "fail");
  assert.equal(judge(ok("anything"), {}), "pass");
  assert.equal(judge({ ...ok(""), status: "memory_limit" }, {}), "memory_limit");
  assert.throws(() => judgeTests([ok("1")], []), RangeError);
  const report = judgeTests([ok("1"), { ...ok(""), status: "timeout" }], [{ output: "1" }, {
    output: "2",
  }]);
  assert.deepEqual(report.verdicts, ["pass", "timeout"]);
});

Deno.test("sameResult() groups runs by return value, else by output", () => {
  assert.ok(sameResult(ok("noise", "[1]"), ok("other noise", "[1.0]")));
  assert.ok(!sameResult(ok("", "[1]"), ok("[1]")));
  assert.ok(!sameResult(ok("x"), ok("y")));
});
