import assert from "node:assert";
import { readJsonl } from "../io/jsonl.ts";
import { HAS_SHARED_DATA, sharedData } from "../../tests/support/shared_data.ts";
import {
  parsePythonArgs,
  parsePythonLiteral,
  PyKeyword,
  PySet,
  PythonLiteralError,
  PyTuple,
} from "./python_literal.ts";

Deno.test("parsePythonArgs() reads positional arguments of every literal kind", () => {
  const args = parsePythonArgs(`"a", {'k': (1, 2.5)}, None, True, False, [1, [2, []]], -3`);
  assert.deepEqual(args, [
    "a",
    new Map([["k", new PyTuple([1, 2.5])]]),
    null,
    true,
    false,
    [1, [2, []]],
    -3,
  ]);
});

Deno.test("parsePythonArgs() returns an empty list for an empty or blank argument list", () => {
  assert.deepEqual(parsePythonArgs(""), []);
  assert.deepEqual(parsePythonArgs("  \n "), []);
});

Deno.test("parsePythonArgs() accepts a trailing comma and newlines between arguments", () => {
  assert.deepEqual(parsePythonArgs("[1,\n 2,\n],\n 3,"), [[1, 2], 3]);
});

Deno.test("parsePythonArgs() tells tuples from parenthesized values", () => {
  assert.deepEqual(parsePythonArgs("(1), (1,), (), (1, 2)"), [
    1,
    new PyTuple([1]),
    new PyTuple([]),
    new PyTuple([1, 2]),
  ]);
});

Deno.test("parsePythonArgs() reads sets, frozensets and dicts with non-string keys", () => {
  const [set, empty, frozen, dict, emptyDict] = parsePythonArgs(
    "{1, 2}, set(), frozenset([3]), {(1, 2): 'a', 3: None, 'x': 1}, {}",
  );
  assert.deepEqual(set, new PySet([1, 2]));
  assert.deepEqual(empty, new PySet([]));
  assert.deepEqual(frozen, new PySet([3], true));
  assert.ok(dict instanceof Map);
  assert.deepEqual([...dict.entries()], [[new PyTuple([1, 2]), "a"], [3, null], ["x", 1]]);
  assert.deepEqual(emptyDict, new Map());
});

Deno.test("parsePythonArgs() keeps the last value of a repeated dict key", () => {
  const [dict] = parsePythonArgs("{(1,): 'a', (1,): 'b', 2: 'c', 2: 'd'}");
  assert.ok(dict instanceof Map);
  assert.equal(dict.size, 2);
  assert.deepEqual([...dict.values()], ["b", "d"]);
});

Deno.test("parsePythonArgs() reads integers as numbers and big ones as bigints", () => {
  assert.deepEqual(
    parsePythonArgs("0, 42, -7, 1_000, 0x1F, 0o17, 0b101, 9007199254740991, 9007199254740992"),
    [0, 42, -7, 1000, 31, 15, 5, 9007199254740991, 9007199254740992n],
  );
  assert.equal(
    parsePythonLiteral("-123456789012345678901234567890"),
    -123456789012345678901234567890n,
  );
});

Deno.test("parsePythonArgs() reads floats including exponents, infinities and NaN", () => {
  const values = parsePythonArgs(
    `1e-3, .5, 5., 2.5E+2, float('inf'), float("-inf"), -float("inf"), math.inf, float('nan'), float("1.25")`,
  );
  assert.deepEqual(values.slice(0, 4), [0.001, 0.5, 5, 250]);
  assert.deepEqual(values.slice(4, 8), [Infinity, -Infinity, -Infinity, Infinity]);
  assert.ok(Number.isNaN(values[8]));
  assert.equal(values[9], 1.25);
});

Deno.test("parsePythonArgs() reads strings with escapes, prefixes and concatenation", () => {
  assert.deepEqual(
    parsePythonArgs(
      String.raw`'it\'s', "tab\tnew\nline", r"\d+", 'a' "b", """tri"ple""", '\x41\u00e9\101', u'x'`,
    ),
    ["it's", "tab\tnew\nline", "\\d+", "ab", 'tri"ple', "AéA", "x"],
  );
});

Deno.test("parsePythonArgs() reads bytes literals as Uint8Array", () => {
  assert.deepEqual(parsePythonArgs(String.raw`b'AB\x00'`), [new Uint8Array([65, 66, 0])]);
});

Deno.test("parsePythonArgs() returns keyword arguments as PyKeyword", () => {
  assert.deepEqual(parsePythonArgs("[1], key = 'x', reverse=True"), [
    [1],
    new PyKeyword("key", "x"),
    new PyKeyword("reverse", true),
  ]);
});

Deno.test("parsePythonArgs() throws PythonLiteralError naming the position", async (t) => {
  const cases: [string, RegExp, number][] = [
    ["[1, 2", /line 1 column 6: expected "," but the text ended/, 5],
    ["1, foo", /line 1 column 4: name "foo" is not a literal/, 3],
    ["[0] * 100", /line 1 column 5: expected ","/, 4],
    ["'abc", /unterminated string/, 0],
    ["1,\n  x=1, 2", /line 2 column 8: positional argument follows keyword argument/, 10],
    ["012", /leading zeros/, 0],
    ["3j", /complex numbers/, 0],
    ["-'a'", /a sign must be followed by a number/, 0],
    ["f'{x}'", /string prefix "f" is not supported/, 0],
    ["1 2", /expected ","/, 2],
    ["{1: 2, 3}", /expected ":"/, 8],
    ["set(1)", /set\(\) needs an iterable literal/, 4],
  ];
  for (const [text, message, position] of cases) {
    await t.step(text, () => {
      assert.throws(() => parsePythonArgs(text), (error: unknown) => {
        assert.ok(error instanceof PythonLiteralError);
        assert.match(error.message, message);
        assert.equal(error.position, position);
        return true;
      });
    });
  }
});

Deno.test("parsePythonLiteral() rejects text after the literal", () => {
  assert.throws(() => parsePythonLiteral("1, 2"), /unexpected text after the literal/);
});

Deno.test({
  name: "parsePythonArgs() parses the HumanEval prompts' example arguments",
  ignore: !HAS_SHARED_DATA, // needs ../shared/data/humaneval
  fn: async () => {
    // Every `>>> f(args)` example in the HumanEval prompts is a literal argument list.
    let parsed = 0;
    const path = sharedData("humaneval", "HumanEval.jsonl");
    for await (const { prompt } of readJsonl<{ prompt: string }>(path)) {
      for (const match of prompt.matchAll(/>>> (\w+)\((.*)\)\s*$/gm)) {
        if (/[a-z_]\w*\(|\s[*+]\s|\bfor\b|lambda/.test(match[2])) continue; // expressions
        parsePythonArgs(match[2]);
        parsed++;
      }
    }
    assert.ok(parsed > 50, `parsed only ${parsed} examples`);
  },
});
