/**
 * Python literal argument lists: what sits between a call's parentheses, e.g.
 * `[1, 2], 3` or `"a", {'k': (1, 2.5)}, None, True`. Function-style test inputs are
 * written this way (DESIGN.md data contract); {@link parsePythonArgs} turns one into
 * JavaScript values, and is how generated inputs are validated before they are run.
 *
 * How Python values are represented:
 *
 * | Python | JavaScript |
 * |---|---|
 * | `None`, `True`, `False` | `null`, `true`, `false` |
 * | `int` | `number` when it is a safe integer, otherwise `bigint` |
 * | `float` (`1.5`, `1e-3`, `float("inf")`, `float("nan")`, `math.inf`) | `number` (`Infinity`, `NaN`) |
 * | `str` (any quotes, prefixes `r`/`u`, adjacent literals joined) | `string` |
 * | `bytes` (`b"…"`) | `Uint8Array` |
 * | `list` | `Array` |
 * | `tuple` (`(1, 2)`, `(1,)`, `()`) | {@link PyTuple} |
 * | `set`, `frozenset` (`{1, 2}`, `set()`, `frozenset([1])`) | {@link PySet} |
 * | `dict` (any key types, insertion order) | `Map` |
 * | keyword argument `name=value` | {@link PyKeyword} |
 *
 * Only literals are accepted: no names other than the constants above, no
 * arithmetic except a sign on a number (`-1`, `+2.5`), and no calls other than
 * `set(…)`, `frozenset(…)`, `float(…)` with a literal argument. An input such as
 * `[0] * 100` is rejected.
 *
 * @module
 */
import { PfpoError } from "../errors.ts";

/** A Python tuple; `items` in order. */
export class PyTuple {
  /** The tuple's items. */
  readonly items: PythonValue[];
  /** Creates a tuple of `items`. */
  constructor(items: PythonValue[]) {
    this.items = items;
  }
}

/** A Python `set` or `frozenset`; `items` in source order (duplicates kept as written). */
export class PySet {
  /** The set's items as written. */
  readonly items: PythonValue[];
  /** True for `frozenset(…)`. */
  readonly frozen: boolean;
  /** Creates a set of `items`. */
  constructor(items: PythonValue[], frozen = false) {
    this.items = items;
    this.frozen = frozen;
  }
}

/** A keyword argument `name=value` in an argument list. */
export class PyKeyword {
  /** The parameter name. */
  readonly name: string;
  /** The argument's value. */
  readonly value: PythonValue;
  /** Creates a keyword argument. */
  constructor(name: string, value: PythonValue) {
    this.name = name;
    this.value = value;
  }
}

/** A value a Python literal denotes (see the module documentation for the mapping). */
export type PythonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PythonValue[]
  | PyTuple
  | PySet
  | Map<PythonValue, PythonValue>;

/** A Python literal could not be parsed; `position` is the 0-based offset of the fault. */
export class PythonLiteralError extends PfpoError {
  /** 0-based character offset into the text. */
  readonly position: number;
  /** 1-based line of the fault. */
  readonly line: number;
  /** 1-based column of the fault. */
  readonly column: number;
  /** Creates an error for `text` at `position`. */
  constructor(text: string, position: number, detail: string) {
    const before = text.slice(0, position);
    const line = before.split("\n").length;
    const column = position - before.lastIndexOf("\n");
    super(`Cannot parse Python literal at line ${line} column ${column}: ${detail}`);
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

/**
 * Parses a Python literal argument list into JavaScript values. Keyword arguments
 * come back as {@link PyKeyword} items; a positional argument after a keyword one is
 * an error, as in Python.
 *
 * @example Parse an argument list
 * ```ts
 * import { parsePythonArgs, PyTuple } from "./python_literal.ts";
 * import assert from "node:assert";
 * const [list, text, dict, none] = parsePythonArgs(`[1, 2], "a", {'k': (1, 2.5)}, None`);
 * assert.deepEqual(list, [1, 2]);
 * assert.equal(text, "a");
 * assert.deepEqual(dict, new Map([["k", new PyTuple([1, 2.5])]]));
 * assert.equal(none, null);
 * ```
 *
 * @throws {PythonLiteralError} naming the line and column of the first fault.
 */
export function parsePythonArgs(text: string): (PythonValue | PyKeyword)[] {
  return new Parser(text).argumentList("");
}

/** Where a scan stopped: the values read and the offset just past them. */
export interface PythonScan<T> {
  /** What was read. */
  value: T;
  /** Offset of the first character not read. */
  end: number;
}

/**
 * Reads an argument list that starts at `start` and ends at the `)` closing the
 * call, returning the arguments and the offset of that `)`. Used to find a call's
 * arguments inside a larger text such as `assert f([1, 2], 3) == 4`.
 *
 * @example Read the arguments of a call
 * ```ts
 * import { scanPythonArgs } from "./python_literal.ts";
 * import assert from "node:assert";
 * const text = "f([1, ')'], 3) == 4";
 * const scan = scanPythonArgs(text, 2);
 * assert.deepEqual(scan.value, [[1, ")"], 3]);
 * assert.equal(text[scan.end], ")");
 * ```
 *
 * @throws {PythonLiteralError} when the arguments are not literals or the `)` is missing.
 */
export function scanPythonArgs(
  text: string,
  start: number,
): PythonScan<(PythonValue | PyKeyword)[]> {
  const parser = new Parser(text, start);
  const value = parser.argumentList(")");
  return { value, end: parser.pos };
}

/**
 * Reads one literal starting at `start` and returns it with the offset just past it
 * (trailing text is left unread).
 *
 * @example Read the expected value of an assert
 * ```ts
 * import { scanPythonLiteral } from "./python_literal.ts";
 * import assert from "node:assert";
 * const scan = scanPythonLiteral("[1, 2], 'message'", 0);
 * assert.deepEqual(scan.value, [1, 2]);
 * assert.equal(scan.end, 6);
 * ```
 *
 * @throws {PythonLiteralError} when no literal starts there.
 */
export function scanPythonLiteral(text: string, start: number): PythonScan<PythonValue> {
  const parser = new Parser(text, start);
  parser.skipSpace();
  const value = parser.expression();
  return { value, end: parser.pos };
}

/**
 * Parses one Python literal expression (e.g. `{1: [2, 3]}`).
 *
 * @example Parse a big integer
 * ```ts
 * import { parsePythonLiteral } from "./python_literal.ts";
 * import assert from "node:assert";
 * assert.equal(parsePythonLiteral("12345678901234567890"), 12345678901234567890n);
 * ```
 *
 * @throws {PythonLiteralError} naming the line and column of the first fault.
 */
export function parsePythonLiteral(text: string): PythonValue {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.expression();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail("unexpected text after the literal");
  return value;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*\.(?:\d(?:_?\d)*)?|\.\d(?:_?\d)*|\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;

class Parser {
  pos: number;
  readonly text: string;

  constructor(text: string, start = 0) {
    this.text = text;
    this.pos = start;
  }

  /** Reads arguments up to `closing` (left unread) or, when `closing` is "", to the end. */
  argumentList(closing: string): (PythonValue | PyKeyword)[] {
    const args: (PythonValue | PyKeyword)[] = [];
    let sawKeyword = false;
    const atClose = () => closing === "" ? this.atEnd() : this.peek() === closing;
    this.skipSpace();
    while (!atClose()) {
      if (this.atEnd()) this.fail(`expected "${closing}" but the text ended`);
      const start = this.pos;
      const keyword = this.keywordName();
      if (keyword !== undefined) {
        args.push(new PyKeyword(keyword, this.expression()));
        sawKeyword = true;
      } else {
        const value = this.expression();
        if (sawKeyword) this.fail("positional argument follows keyword argument", start);
        args.push(value);
      }
      this.skipSpace();
      if (atClose()) break;
      this.expect(",");
      this.skipSpace();
    }
    return args;
  }

  fail(detail: string, at = this.pos): never {
    throw new PythonLiteralError(this.text, at, detail);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? "";
  }

  skipSpace(): void {
    while (!this.atEnd()) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") this.pos++;
      else if (c === "\\" && /^\\\r?\n/.test(this.text.slice(this.pos, this.pos + 3))) {
        this.pos += this.text[this.pos + 1] === "\r" ? 3 : 2;
      } else if (c === "#") {
        while (!this.atEnd() && this.peek() !== "\n") this.pos++;
      } else break;
    }
  }

  expect(token: string): void {
    if (!this.text.startsWith(token, this.pos)) {
      this.fail(`expected "${token}"${this.atEnd() ? " but the text ended" : ""}`);
    }
    this.pos += token.length;
  }

  name(): string | undefined {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    return match ? match[0] : undefined;
  }

  /** Reads `name=` (not `==`) and returns the name, or leaves the position unchanged. */
  keywordName(): string | undefined {
    const name = this.name();
    if (name === undefined) return undefined;
    let at = this.pos + name.length;
    while (this.text[at] === " " || this.text[at] === "\t") at++;
    if (this.text[at] !== "=" || this.text[at + 1] === "=") return undefined;
    this.pos = at + 1;
    this.skipSpace();
    return name;
  }

  expression(): PythonValue {
    this.skipSpace();
    const c = this.peek();
    if (c === "") this.fail("expected a value but the text ended");
    if (c === "-" || c === "+") return this.signed();
    if (c === "[") return this.sequence("[", "]");
    if (c === "(") return this.parenthesized();
    if (c === "{") return this.braced();
    if (c === "'" || c === '"') return this.strings();
    if (/[0-9.]/.test(c)) return this.number();
    const name = this.name();
    if (name === undefined) this.fail(`unexpected character "${c}"`);
    const quote = this.text[this.pos + name.length];
    if (/^[A-Za-z]{1,2}$/.test(name) && (quote === "'" || quote === '"')) return this.strings();
    return this.named(name);
  }

  signed(): number | bigint {
    const start = this.pos;
    const negative = this.peek() === "-";
    this.pos++;
    this.skipSpace();
    const value = this.expression();
    if (typeof value === "number") return negative ? -value : value;
    if (typeof value === "bigint") return normalizeInt(negative ? -value : value);
    return this.fail("a sign must be followed by a number", start);
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail("malformed number");
    const raw = match[0];
    const start = this.pos;
    this.pos += raw.length;
    const next = this.peek();
    if (/[A-Za-z0-9_]/.test(next)) {
      this.fail(
        next === "j" || next === "J" ? "complex numbers are not supported" : "malformed number",
        start,
      );
    }
    const clean = raw.replaceAll("_", "");
    if (/^0[xXoObB]/.test(clean)) return normalizeInt(BigInt(clean));
    if (/[.eE]/.test(clean)) return Number(clean);
    if (/^0\d/.test(clean) && /[1-9]/.test(clean)) {
      this.fail("leading zeros in a decimal integer are not allowed", start);
    }
    return normalizeInt(BigInt(clean));
  }

  named(name: string): PythonValue {
    const start = this.pos;
    this.pos += name.length;
    switch (name) {
      case "None":
        return null;
      case "True":
        return true;
      case "False":
        return false;
      case "math":
        this.skipSpace();
        if (this.peek() === ".") {
          this.pos++;
          this.skipSpace();
          const attribute = this.name();
          const constants: Record<string, number> = {
            inf: Infinity,
            nan: NaN,
            pi: Math.PI,
            e: Math.E,
          };
          if (attribute !== undefined && attribute in constants) {
            this.pos += attribute.length;
            return constants[attribute];
          }
        }
        return this.fail(`"math" may only be followed by .inf, .nan, .pi or .e`, start);
      case "set":
      case "frozenset":
        return new PySet(this.callItems(name), name === "frozenset");
      case "float":
        return this.floatCall();
      default:
        return this.fail(`name "${name}" is not a literal`, start);
    }
  }

  /** Reads `(iterable?)` after `set`/`frozenset` and returns its items. */
  callItems(name: string): PythonValue[] {
    this.skipSpace();
    this.expect("(");
    this.skipSpace();
    if (this.peek() === ")") {
      this.pos++;
      return [];
    }
    const argStart = this.pos;
    const value = this.expression();
    this.skipSpace();
    if (this.peek() === ",") this.pos++, this.skipSpace();
    this.expect(")");
    if (Array.isArray(value)) return value;
    if (value instanceof PyTuple || value instanceof PySet) return value.items;
    if (typeof value === "string") return [...value];
    if (value instanceof Map) return [...value.keys()];
    return this.fail(`${name}() needs an iterable literal`, argStart);
  }

  floatCall(): number {
    this.skipSpace();
    this.expect("(");
    const argStart = this.pos;
    const value = this.expression();
    this.skipSpace();
    this.expect(")");
    if (typeof value === "number") return value;
    if (typeof value === "bigint") return Number(value);
    if (typeof value === "string") {
      const word = value.trim().toLowerCase().replace(/^\+/, "");
      const special: Record<string, number> = {
        inf: Infinity,
        infinity: Infinity,
        "-inf": -Infinity,
        "-infinity": -Infinity,
        nan: NaN,
        "-nan": NaN,
      };
      if (word in special) return special[word];
      if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(word)) return Number(word);
    }
    return this.fail("float() needs a number or a numeric string", argStart);
  }

  sequence(open: string, close: string): PythonValue[] {
    this.expect(open);
    const items: PythonValue[] = [];
    this.skipSpace();
    while (this.peek() !== close) {
      items.push(this.expression());
      this.skipSpace();
      if (this.peek() === close) break;
      this.expect(",");
      this.skipSpace();
    }
    this.pos++;
    return items;
  }

  parenthesized(): PythonValue {
    this.expect("(");
    this.skipSpace();
    if (this.peek() === ")") {
      this.pos++;
      return new PyTuple([]);
    }
    const first = this.expression();
    this.skipSpace();
    if (this.peek() === ")") {
      this.pos++;
      return first;
    }
    this.expect(",");
    this.skipSpace();
    const items = [first];
    while (this.peek() !== ")") {
      items.push(this.expression());
      this.skipSpace();
      if (this.peek() === ")") break;
      this.expect(",");
      this.skipSpace();
    }
    this.pos++;
    return new PyTuple(items);
  }

  braced(): PySet | Map<PythonValue, PythonValue> {
    this.expect("{");
    this.skipSpace();
    if (this.peek() === "}") {
      this.pos++;
      return new Map();
    }
    const first = this.expression();
    this.skipSpace();
    if (this.peek() !== ":") {
      const items = [first];
      while (this.peek() !== "}") {
        this.expect(",");
        this.skipSpace();
        if (this.peek() === "}") break;
        items.push(this.expression());
        this.skipSpace();
      }
      this.pos++;
      return new PySet(items);
    }
    const map = new Map<PythonValue, PythonValue>();
    let key = first;
    for (;;) {
      this.expect(":");
      map.set(dictKey(map, key), this.expression());
      this.skipSpace();
      if (this.peek() === "}") break;
      this.expect(",");
      this.skipSpace();
      if (this.peek() === "}") break;
      key = this.expression();
      this.skipSpace();
    }
    this.pos++;
    return map;
  }

  /** Reads one or more adjacent string literals and joins them. */
  strings(): string | Uint8Array {
    const start = this.pos;
    const parts: { bytes: boolean; value: string }[] = [];
    for (;;) {
      this.skipSpace();
      const prefix = this.name() ?? "";
      const quote = this.text[this.pos + prefix.length];
      if (quote !== "'" && quote !== '"') break;
      if (!/^(?:[rRuUbB]|[rR][bB]|[bB][rR])?$/.test(prefix)) {
        this.fail(`string prefix "${prefix}" is not supported`);
      }
      this.pos += prefix.length;
      const lower = prefix.toLowerCase();
      parts.push({ bytes: lower.includes("b"), value: this.stringBody(lower.includes("r")) });
    }
    const bytes = parts[0].bytes;
    if (parts.some((part) => part.bytes !== bytes)) {
      this.fail("cannot mix bytes and str literals", start);
    }
    const joined = parts.map((part) => part.value).join("");
    if (!bytes) return joined;
    const out = new Uint8Array(joined.length);
    for (let i = 0; i < joined.length; i++) {
      const code = joined.charCodeAt(i);
      if (code > 0xff) this.fail("bytes literals may only contain ASCII characters", start);
      out[i] = code;
    }
    return out;
  }

  stringBody(raw: boolean): string {
    const start = this.pos;
    const quote = this.peek();
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const delimiter = triple ? quote.repeat(3) : quote;
    this.pos += delimiter.length;
    let out = "";
    for (;;) {
      if (this.atEnd()) this.fail("unterminated string", start);
      if (this.text.startsWith(delimiter, this.pos)) {
        this.pos += delimiter.length;
        return out;
      }
      const c = this.peek();
      if (c === "\n" && !triple) this.fail("unterminated string", start);
      if (c !== "\\") {
        out += c;
        this.pos++;
        continue;
      }
      const next = this.text[this.pos + 1];
      if (next === undefined) this.fail("unterminated string", start);
      if (raw) {
        out += c + next;
        this.pos += 2;
        continue;
      }
      out += this.escape();
    }
  }

  escape(): string {
    const at = this.pos;
    const next = this.text[this.pos + 1];
    this.pos += 2;
    if (next in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[next];
    if (next === "\n") return "";
    if (/[0-7]/.test(next)) {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(this.peek())) digits += this.text[this.pos++];
      return String.fromCodePoint(parseInt(digits, 8));
    }
    const widths: Record<string, number> = { x: 2, u: 4, U: 8 };
    if (next in widths) {
      const hex = this.text.slice(this.pos, this.pos + widths[next]);
      if (!new RegExp(`^[0-9a-fA-F]{${widths[next]}}$`).test(hex)) {
        this.fail(`malformed \\${next} escape`, at);
      }
      this.pos += hex.length;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(`\\${next} escape is out of range`, at);
      return String.fromCodePoint(code);
    }
    if (next === "N") this.fail("named unicode escapes are not supported", at);
    return "\\" + next; // Python keeps unknown escapes as written
  }
}

function normalizeInt(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Python dict keys compare by value: reuse an equal key already in the map. */
function dictKey(map: Map<PythonValue, PythonValue>, key: PythonValue): PythonValue {
  if (typeof key !== "object" || key === null) return key;
  const json = stableKey(key);
  for (const existing of map.keys()) {
    if (typeof existing === "object" && existing !== null && stableKey(existing) === json) {
      return existing;
    }
  }
  return key;
}

function stableKey(value: PythonValue): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof PyTuple) return { tuple: v.items };
    if (v instanceof PySet) return { set: v.items };
    if (v instanceof Uint8Array) return { bytes: [...v] };
    if (v instanceof Map) return { dict: [...v.entries()] };
    return v;
  });
}
