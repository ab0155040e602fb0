/**
 * Node's `assert` (and `assert/strict`), `util`, `events` and `perf_hooks`, as the
 * realm's `require` serves them (`js_realm_runtime.ts`). Like the runtime, the source of
 * {@link realmModules} is evaluated inside the program's own realm and refers to nothing
 * outside itself, so what a program gets from them is made of its realm's built-ins.
 *
 * They follow Node's documented behaviour:
 *
 * - `assert`: `ok`, `equal` (`==`, `NaN` equal to itself), `strictEqual`
 *   (`Object.is`), `deepEqual` and `deepStrictEqual` (own enumerable properties, type
 *   tags, dates, regular expressions, errors' names and messages, typed arrays, maps and
 *   sets unordered, boxed primitives; the strict one also compares prototypes, symbol
 *   keys and `-0`), their negations, `throws`, `doesNotThrow`, `rejects`,
 *   `doesNotReject`, `match`, `doesNotMatch`, `ifError`, `fail` and `AssertionError`
 *   (`code` `ERR_ASSERTION`, `actual`, `expected`, `operator`); `assert.strict` is the
 *   strict variant. Messages name the values as `util.inspect` shows them.
 * - `util`: `inspect` (Node's layout: one line when it fits in 80 columns, arrays of
 *   more than six items grouped in columns, nesting shown to depth 2), `format`,
 *   `isDeepStrictEqual`, `promisify`, `inherits` and `types`.
 * - `events`: the realm's event emitter class (also as `EventEmitter`) and `once`.
 * - `perf_hooks`: `performance`.
 *
 * @module
 */

/** What the runtime gives the modules: its event emitter class and clock. */
export interface ModuleDeps {
  Emitter: new () => { once(name: string, fn: (...args: unknown[]) => void): unknown };
  performance: unknown;
}

/** Builds the modules (by name without `node:`); evaluated inside the program's realm. */
export function realmModules({ Emitter, performance }: ModuleDeps): Record<string, unknown> {
  const is = Object.is;
  const keysOf = Object.keys;
  const getPrototypeOf = Object.getPrototypeOf;
  const symbolsOf = Object.getOwnPropertySymbols;
  const tagOf = (value: unknown) => Object.prototype.toString.call(value);
  const hasOwn = Object.hasOwn;
  const isPrototypeOf = Object.prototype.isPrototypeOf;
  const enumerable = (value: object, key: PropertyKey) =>
    Object.prototype.propertyIsEnumerable.call(value, key);
  const isPrimitive = (value: unknown) =>
    value === null || (typeof value !== "object" && typeof value !== "function");
  const bothNaN = (a: unknown, b: unknown) => a !== a && b !== b;
  const isIndex = (key: string) => /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;

  /** How to unwrap a boxed primitive, by its type tag. */
  const UNBOX: Record<string, (value: unknown) => unknown> = {
    "[object Number]": (value) => Number.prototype.valueOf.call(value),
    "[object String]": (value) => String.prototype.valueOf.call(value),
    "[object Boolean]": (value) => Boolean.prototype.valueOf.call(value),
    "[object BigInt]": (value) => BigInt.prototype.valueOf.call(value),
    "[object Symbol]": (value) => Symbol.prototype.valueOf.call(value),
  };
  /** The primitive in a boxed primitive (`new Number(1)`), or undefined for another object. */
  function unboxed(value: object): { value: unknown } | undefined {
    const unbox = UNBOX[tagOf(value)];
    try {
      return unbox ? { value: unbox(value) } : undefined;
    } catch {
      return undefined; // a tag that lies
    }
  }

  /** Pairs of objects being compared, so that cycles compare equal where they meet. */
  type Memo = { a: Map<object, number>; b: Map<object, number>; depth: number };

  /** Node's deep equality: `strict` for `deepStrictEqual`, loose for `deepEqual`. */
  function deepEqual(a: unknown, b: unknown, strict: boolean, memo?: Memo): boolean {
    if (a === b) return a !== 0 || !strict || is(a, b);
    if (strict) {
      if (typeof a !== "object") return typeof a === "number" && bothNaN(a, b);
      if (typeof b !== "object" || a === null || b === null) return false;
      if (getPrototypeOf(a) !== getPrototypeOf(b)) return false;
    } else {
      if (a === null || typeof a !== "object") {
        // deno-lint-ignore eqeqeq
        return (b === null || typeof b !== "object") && (a == b || bothNaN(a, b));
      }
      if (b === null || typeof b !== "object") return false;
    }
    const x = a as Record<PropertyKey, unknown>;
    const y = b as Record<PropertyKey, unknown>;
    const tag = tagOf(x);
    if (tag !== tagOf(y)) return false;
    if (tag === "[object Object]") return keysEqual(x, y, strict, memo, () => true, false);
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) {
        if (hasOwn(x, i) !== hasOwn(y, i)) return false;
      }
      return keysEqual(x, y, strict, memo, (key) => !isIndex(key), true);
    }
    if (x instanceof Date) {
      if (!(y instanceof Date) || x.getTime() !== y.getTime()) return false;
    } else if (x instanceof RegExp) {
      if (
        !(y instanceof RegExp) || x.source !== y.source || x.flags !== y.flags ||
        x.lastIndex !== y.lastIndex
      ) return false;
    } else if (x instanceof Error) {
      if (!(y instanceof Error) || x.message !== y.message || x.name !== y.name) return false;
    } else if (ArrayBuffer.isView(x)) {
      if (!ArrayBuffer.isView(y) || x.byteLength !== y.byteLength) return false;
      const floats = !strict && (x instanceof Float32Array || x instanceof Float64Array);
      const [p, q] = floats ? [x as unknown as Float64Array, y as unknown as Float64Array] : [
        new Uint8Array(x.buffer, x.byteOffset, x.byteLength),
        new Uint8Array(y.buffer, y.byteOffset, y.byteLength),
      ];
      for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
      return keysEqual(x, y, strict, memo, (key) => !isIndex(key), false);
    } else if (x instanceof Set || x instanceof Map) {
      if (x.size !== (y as unknown as Set<unknown>).size) return false;
    } else if (x instanceof ArrayBuffer) {
      if (!(y instanceof ArrayBuffer) || x.byteLength !== y.byteLength) return false;
      const p = new Uint8Array(x);
      const q = new Uint8Array(y);
      for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
    } else {
      const boxed = unboxed(x);
      if (boxed) {
        const other = unboxed(y);
        if (!other || !is(boxed.value, other.value)) return false;
      } else if (
        Array.isArray(y) || ArrayBuffer.isView(y) || y instanceof Date ||
        y instanceof RegExp || y instanceof Error || y instanceof Set || y instanceof Map ||
        y instanceof ArrayBuffer || unboxed(y)
      ) return false;
    }
    return keysEqual(x, y, strict, memo, () => true, false);
  }

  /**
   * The own enumerable properties `wanted` of `x` and `y` (and, for `strict`, their own
   * enumerable symbols), the items of arrays, sets and maps, compared deeply.
   */
  function keysEqual(
    x: Record<PropertyKey, unknown>,
    y: Record<PropertyKey, unknown>,
    strict: boolean,
    memo: Memo | undefined,
    wanted: (key: string) => boolean,
    items: boolean,
  ): boolean {
    const keys: PropertyKey[] = keysOf(x).filter(wanted);
    if (keys.length !== keysOf(y).filter(wanted).length) return false;
    for (const key of keys) if (!enumerable(y, key)) return false;
    if (strict) {
      const own = (value: object) => symbolsOf(value).filter((key) => enumerable(value, key));
      const symbols = own(x);
      if (symbols.length !== own(y).length) return false;
      for (const key of symbols) if (!enumerable(y, key)) return false;
      keys.push(...symbols);
    }
    memo ??= { a: new Map(), b: new Map(), depth: 0 };
    const seenA = memo.a.get(x);
    const seenB = memo.b.get(y);
    if (seenA !== undefined && seenB !== undefined) return seenA === seenB;
    memo.depth++;
    memo.a.set(x, memo.depth);
    memo.b.set(y, memo.depth);
    let equal = true;
    if (items) {
      for (let i = 0; equal && i < (x as unknown as unknown[]).length; i++) {
        equal = deepEqual(x[i], y[i], strict, memo);
      }
    }
    if (equal && x instanceof Set) equal = setsEqual(x, y as unknown as Set<unknown>, strict, memo);
    if (equal && x instanceof Map) {
      equal = mapsEqual(x, y as unknown as Map<unknown, unknown>, strict, memo);
    }
    for (let i = 0; equal && i < keys.length; i++) {
      equal = deepEqual(x[keys[i]], y[keys[i]], strict, memo);
    }
    memo.a.delete(x);
    memo.b.delete(y);
    return equal;
  }

  /** Each item of `x` paired with an equal, still unpaired item of `y` (unordered). */
  function setsEqual(x: Set<unknown>, y: Set<unknown>, strict: boolean, memo: Memo): boolean {
    const unpaired = new Set<unknown>();
    for (const item of y) if (!isPrimitive(item) || !x.has(item)) unpaired.add(item);
    for (const item of x) {
      if (isPrimitive(item) && y.has(item)) continue;
      let found = false;
      for (const other of unpaired) {
        if (deepEqual(item, other, strict, memo)) {
          unpaired.delete(other);
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return unpaired.size === 0;
  }

  /** Each entry of `x` paired with an entry of `y` with equal key and value (unordered). */
  function mapsEqual(
    x: Map<unknown, unknown>,
    y: Map<unknown, unknown>,
    strict: boolean,
    memo: Memo,
  ): boolean {
    const unpaired = new Map<unknown, unknown>();
    for (const [key, value] of y) {
      if (!isPrimitive(key) || !x.has(key)) unpaired.set(key, value);
    }
    for (const [key, value] of x) {
      if (isPrimitive(key) && y.has(key)) {
        if (deepEqual(value, y.get(key), strict, memo)) continue;
        return false;
      }
      let found = false;
      for (const [otherKey, otherValue] of unpaired) {
        if (deepEqual(key, otherKey, strict, memo) && deepEqual(value, otherValue, strict, memo)) {
          unpaired.delete(otherKey);
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return unpaired.size === 0;
  }

  // -- util.inspect ----------------------------------------------------------------------

  /** Columns `util.inspect` fits a value's one-line form in. */
  const BREAK_LENGTH = 80;
  /** Items of an array `util.inspect` shows. */
  const MAX_ARRAY_LENGTH = 100;

  /** A string as Node quotes it: single quotes unless it holds one, then double, then backticks. */
  function quoted(text: string): string {
    const quote = !text.includes("'")
      ? "'"
      : !text.includes('"')
      ? '"'
      : !text.includes("`") && !text.includes("${")
      ? "`"
      : "'";
    let out = "";
    for (const char of text) {
      const code = char.codePointAt(0)!;
      if (char === quote || char === "\\") out += `\\${char}`;
      else if (char === "\n") out += "\\n";
      else if (char === "\t") out += "\\t";
      else if (char === "\r") out += "\\r";
      else if (char === "\b") out += "\\b";
      else if (char === "\f") out += "\\f";
      else if (char === "\v") out += "\\v";
      else if (code < 0x20 || code === 0x7f) {
        out += `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
      } else out += char;
    }
    return `${quote}${out}${quote}`;
  }

  function propertyKey(key: PropertyKey): string {
    if (typeof key === "symbol") return `[${String(key)}]`;
    const name = String(key);
    return /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(name) ? name : quoted(name);
  }

  function functionBase(fn: (...args: unknown[]) => unknown): string {
    const source = Function.prototype.toString.call(fn);
    const name = typeof fn.name === "string" ? fn.name : "";
    if (source.startsWith("class") && /^class\b/.test(source)) {
      const base = getPrototypeOf(fn);
      const extended = typeof base === "function" && base.name ? ` extends ${base.name}` : "";
      return `[class ${name || "(anonymous)"}${extended}]`;
    }
    const kind = getPrototypeOf(fn)?.[Symbol.toStringTag] ?? "Function";
    return `[${kind}${name ? `: ${name}` : " (anonymous)"}]`;
  }

  /**
   * Array entries (more than six) in columns when they are short and alike, as Node's
   * `util.inspect` lays them out; `more` when the last entry counts the items not shown.
   */
  function grouped(output: string[], value: unknown[], indentation: number, more: boolean) {
    const count = more ? output.length - 1 : output.length;
    const separator = 2;
    const widths = output.slice(0, count).map((entry) => entry.length);
    const total = widths.reduce((sum, width) => sum + width + separator, 0);
    const widest = Math.max(...widths);
    const cell = widest + separator;
    if (!(cell * 3 + indentation < BREAK_LENGTH && (total / cell > 5 || widest <= 6))) {
      return output;
    }
    // About square, a character being 2.5 times as high as wide; at most what fits in a
    // line, and 12 columns (Node's default `compact`, 3, times 4).
    const biased = Math.max(cell - 3 - Math.sqrt(cell - total / output.length), 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biased * count) / biased),
      Math.floor((BREAK_LENGTH - indentation) / cell),
      12,
    );
    if (columns <= 1) return output;
    const columnWidths: number[] = [];
    for (let i = 0; i < columns; i++) {
      let width = 0;
      for (let j = i; j < count; j += columns) width = Math.max(width, widths[j]);
      columnWidths.push(width + separator);
    }
    let numeric = true;
    for (let i = 0; i < output.length; i++) {
      if (typeof value[i] !== "number" && typeof value[i] !== "bigint") numeric = false;
    }
    const rows: string[] = [];
    for (let i = 0; i < count; i += columns) {
      const last = Math.min(i + columns, count) - 1;
      let row = "";
      for (let j = i; j < last; j++) {
        const text = `${output[j]}, `;
        row += numeric ? text.padStart(columnWidths[j - i]) : text.padEnd(columnWidths[j - i]);
      }
      row += numeric ? output[last].padStart(columnWidths[last - i] - separator) : output[last];
      rows.push(row);
    }
    if (more) rows.push(output[count]);
    return rows;
  }

  /** `util.inspect(value, { depth })`. */
  function inspect(value: unknown, options?: { depth?: number | null }): string {
    const maxDepth = options?.depth === null ? Infinity : options?.depth ?? 2;
    const seen: object[] = [];
    const circular = new Map<object, number>();
    /** Depth of the container formatted last: Node keeps on one line only the innermost three. */
    let current = 0;
    return format(value, 0, 0);

    function format(value: unknown, depth: number, indentation: number): string {
      if (typeof value === "string") return quoted(value);
      if (typeof value === "number") return is(value, -0) ? "-0" : String(value);
      if (typeof value === "bigint") return `${value}n`;
      if (typeof value === "symbol") return String(value);
      if (value === undefined || value === null || typeof value === "boolean") {
        return String(value);
      }
      const object = value as Record<PropertyKey, unknown>;
      if (seen.includes(object)) {
        if (!circular.has(object)) circular.set(object, circular.size + 1);
        return `[Circular *${circular.get(object)}]`;
      }
      const result = formatObject(object, depth, indentation);
      const ref = circular.get(object);
      return ref === undefined ? result : `<ref *${ref}> ${result}`;
    }

    function formatObject(
      object: Record<PropertyKey, unknown>,
      depth: number,
      indentation: number,
    ): string {
      const proto = getPrototypeOf(object);
      const constructorName: string | null = proto === null
        ? null
        : String(Object.getOwnPropertyDescriptor(proto, "constructor")?.value?.name ?? "Object");
      /** The name before a container's brace (none for a plain object or array). */
      const prefix = (kind: string, size?: number) => {
        const name = constructorName ?? `[${kind}: null prototype]`;
        const sized = size === undefined ? name : `${name}(${size})`;
        return sized === "Object" || sized === "Array" ? "" : `${sized} `;
      };
      const keys: PropertyKey[] = keysOf(object);
      for (const symbol of symbolsOf(object)) if (enumerable(object, symbol)) keys.push(symbol);
      let base = "";
      if (typeof object === "function") {
        base = functionBase(object as unknown as (...args: unknown[]) => unknown);
        if (keys.length === 0) return base;
      } else if (object instanceof Date) {
        return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
      } else if (object instanceof RegExp) {
        return `/${object.source}/${object.flags}`;
      } else if (object instanceof Error) {
        return String(object.stack ?? `${object.name}: ${object.message}`);
      }
      const boxed = unboxed(object);
      if (boxed) {
        const kind = typeof boxed.value;
        return `[${kind[0].toUpperCase()}${kind.slice(1)}: ${
          format(boxed.value, depth, indentation)
        }]`;
      }
      const list = Array.isArray(object) ||
          (ArrayBuffer.isView(object) && !(object instanceof DataView))
        ? object as unknown as unknown[]
        : undefined;
      const open = list
        ? `${
          Array.isArray(object)
            ? prefix("Array", constructorName === "Array" ? undefined : list.length)
            : `${constructorName}(${list.length}) `
        }[`
        : object instanceof Map
        ? `${prefix("Map", object.size)}{`
        : object instanceof Set
        ? `${prefix("Set", object.size)}{`
        : `${base ? "" : prefix("Object")}{`;
      const close = list ? "]" : "}";
      const size = list
        ? list.length
        : object instanceof Map || object instanceof Set
        ? object.size
        : 0;
      if (
        size === 0 &&
        keys.filter((key) => !list || typeof key !== "string" || !isIndex(key)).length === 0
      ) {
        return `${base ? `${base} ` : ""}${open}${close}`;
      }
      if (depth > maxDepth) {
        return list && Array.isArray(object)
          ? "[Array]"
          : `[${constructorName ?? "Object: null prototype"}]`;
      }
      seen.push(object);
      current = depth;
      const inner = indentation + 2;
      const output: string[] = [];
      let more = false;
      if (list) {
        let holes = 0;
        const shown = Math.min(list.length, MAX_ARRAY_LENGTH);
        const flushHoles = () => {
          if (holes > 0) output.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
          holes = 0;
        };
        for (let i = 0; i < shown; i++) {
          if (!hasOwn(list, i)) {
            holes++;
            continue;
          }
          flushHoles();
          output.push(format(list[i], depth + 1, inner));
        }
        flushHoles();
        if (list.length > shown) {
          const left = list.length - shown;
          output.push(`... ${left} more item${left > 1 ? "s" : ""}`);
          more = true;
        }
      } else if (object instanceof Map) {
        for (const [key, item] of object) {
          output.push(`${format(key, depth + 1, inner)} => ${format(item, depth + 1, inner)}`);
        }
      } else if (object instanceof Set) {
        for (const item of object) output.push(format(item, depth + 1, inner));
      }
      for (const key of keys) {
        if (!list || typeof key !== "string" || !isIndex(key)) {
          output.push(property(object, key, depth, inner));
        }
      }
      seen.pop();
      const entries = output.length;
      const rows = list && entries > 6 ? grouped(output, list, indentation, more) : output;
      const lead = base ? `${base} ` : "";
      if (current - depth < 3 && rows.length === entries) {
        const start = rows.length + indentation + open.length + base.length + 10;
        const length = rows.reduce((sum, row) => sum + row.length, rows.length + start);
        if (
          start + 2 * rows.length <= BREAK_LENGTH && length <= BREAK_LENGTH &&
          !rows.some((row) => row.includes("\n"))
        ) return `${lead}${open} ${rows.join(", ")} ${close}`;
      }
      const pad = `\n${" ".repeat(indentation)}`;
      return `${lead}${open}${pad}  ${rows.join(`,${pad}  `)}${pad}${close}`;
    }

    function property(
      object: Record<PropertyKey, unknown>,
      key: PropertyKey,
      depth: number,
      indentation: number,
    ): string {
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      const shown = descriptor && !("value" in descriptor)
        ? descriptor.get ? descriptor.set ? "[Getter/Setter]" : "[Getter]" : "[Setter]"
        : format(object[key], depth + 1, indentation);
      return `${propertyKey(key)}: ${shown}`;
    }
  }

  /** `util.format`: `%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%O`, `%c`, `%%`, then the rest inspected. */
  function formatText(...args: unknown[]): string {
    const first = args[0];
    let at = 0;
    let text = "";
    if (typeof first === "string") {
      at = 1;
      text = first.replace(/%([sdifjoOc%])/g, (match, directive: string) => {
        if (directive === "%") return "%";
        if (at >= args.length) return match;
        const arg = args[at++];
        switch (directive) {
          case "s":
            return typeof arg === "string"
              ? arg
              : typeof arg === "bigint"
              ? `${arg}n`
              : typeof arg === "object" && arg !== null
              ? inspect(arg, { depth: 0 })
              : String(is(arg, -0) ? "-0" : arg);
          case "d":
            return typeof arg === "bigint" ? `${arg}n` : String(Number(arg));
          case "i":
            return typeof arg === "bigint" ? `${arg}n` : String(parseInt(String(arg)));
          case "f":
            return String(parseFloat(String(arg)));
          case "j":
            try {
              return JSON.stringify(arg);
            } catch {
              return "[Circular]";
            }
          case "c":
            return "";
          default:
            return inspect(arg, { depth: directive === "o" ? 4 : 2 });
        }
      });
    }
    for (; at < args.length; at++) {
      const arg = args[at];
      text += (text || at > 0 ? " " : "") + (typeof arg === "string" ? arg : inspect(arg));
    }
    return text;
  }

  // -- assert ------------------------------------------------------------------------------

  class AssertionError extends Error {
    readonly code = "ERR_ASSERTION";
    actual: unknown;
    expected: unknown;
    operator: string;
    generatedMessage: boolean;
    constructor(
      options: { message?: unknown; actual?: unknown; expected?: unknown; operator?: string },
    ) {
      super(String(options.message ?? "Failed"));
      // Node names the code in the stack's first line (written when first read).
      this.name = "AssertionError [ERR_ASSERTION]";
      void this.stack;
      this.name = "AssertionError";
      this.actual = options.actual;
      this.expected = options.expected;
      this.operator = options.operator ?? "fail";
      this.generatedMessage = options.message === undefined;
    }
  }

  /** Throws `message` when it is an error, else an AssertionError (with `generated` when none was given). */
  function raise(
    message: unknown,
    generated: string,
    actual: unknown,
    expected: unknown,
    operator: string,
  ): never {
    if (message instanceof Error) throw message;
    const error = new AssertionError({
      message: message === undefined ? generated : message,
      actual,
      expected,
      operator,
    });
    error.generatedMessage = message === undefined;
    throw error;
  }

  const show = (value: unknown) => inspect(value);

  function ok(...args: unknown[]): void {
    if (args.length === 0) {
      raise(undefined, "No value argument passed to `assert.ok()`", undefined, true, "==");
    }
    if (!args[0]) {
      raise(args[1], "The expression evaluated to a falsy value", args[0], true, "==");
    }
  }

  function pair(
    test: (a: unknown, b: unknown) => boolean,
    operator: string,
    describe: (a: string, b: string) => string,
  ) {
    return (actual: unknown, expected: unknown, message?: unknown) => {
      if (!test(actual, expected)) {
        raise(message, describe(show(actual), show(expected)), actual, expected, operator);
      }
    };
  }

  // deno-lint-ignore eqeqeq
  const looseEqual = (a: unknown, b: unknown) => a == b || bothNaN(a, b);
  const equal = pair(looseEqual, "==", (a, b) => `${a} == ${b}`);
  const notEqual = pair((a, b) => !looseEqual(a, b), "!=", (a, b) => `${a} != ${b}`);
  const strictEqual = pair(
    is,
    "strictEqual",
    (a, b) => `Expected values to be strictly equal:\n\n${a} !== ${b}\n`,
  );
  const notStrictEqual = pair(
    (a, b) => !is(a, b),
    "notStrictEqual",
    (a) => `Expected "actual" to be strictly unequal to: ${a}`,
  );
  const deepEqualAssert = pair(
    (a, b) => deepEqual(a, b, false),
    "deepEqual",
    (a, b) =>
      `Expected values to be loosely deep-equal:\n\n${a}\n\nshould loosely deep-equal\n\n${b}`,
  );
  const notDeepEqual = pair(
    (a, b) => !deepEqual(a, b, false),
    "notDeepEqual",
    (a, b) => `"${a}" should not loosely deep-equal "${b}"`,
  );
  const deepStrictEqual = pair(
    (a, b) => deepEqual(a, b, true),
    "deepStrictEqual",
    (a, b) => `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${a}\n- ${b}`,
  );
  const notDeepStrictEqual = pair(
    (a, b) => !deepEqual(a, b, true),
    "notDeepStrictEqual",
    (a) => `Expected "actual" not to be strictly deep-equal to: ${a}`,
  );

  /**
   * Throws an AssertionError (`message`, else Node's own) unless the thrown `error` is what
   * `expected` asks for: an instance of a class, a string a RegExp matches, a validation
   * function's `true`, or an object whose every property the error has (deep-strictly equal,
   * or a string matched by a RegExp).
   */
  function checkError(error: unknown, expected: unknown, message: unknown, operator: string) {
    let generated: string | undefined;
    if (expected instanceof RegExp) {
      if (!expected.test(String(error))) {
        generated = `The input did not match the regular expression ${expected}. Input:\n\n${
          show(String(error))
        }\n`;
      }
    } else if (typeof expected === "function") {
      if (expected.prototype !== undefined && error instanceof expected) return;
      if (isPrototypeOf.call(Error, expected) || expected === Error) {
        const name = error instanceof Error ? String(error.constructor?.name ?? error.name) : "";
        generated = `The error is expected to be an instance of "${expected.name}". Received ${
          error instanceof Error
            ? `"${name}"${error.message ? `\n\nError message:\n\n${error.message}` : ""}`
            : `"${show(error)}"`
        }`;
      } else {
        const returned = Reflect.apply(expected, {}, [error]);
        if (returned !== true) {
          generated = `The ${
            expected.name ? `"${expected.name}" ` : ""
          }validation function is expected to return "true". Received ${show(returned)}`;
        }
      }
    } else if (typeof expected === "object" && expected !== null) {
      const keys = Object.keys(expected);
      if (expected instanceof Error) keys.push("name", "message");
      const got = (typeof error === "object" && error !== null ? error : {}) as Record<
        string,
        unknown
      >;
      const differing = keys.find((key) => {
        const want = (expected as Record<string, unknown>)[key];
        return !(want instanceof RegExp && typeof got[key] === "string"
          ? want.test(got[key] as string)
          : deepEqual(got[key], want, true));
      });
      if (differing !== undefined) {
        generated = `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${
          show(got[differing])
        }\n- ${show((expected as Record<string, unknown>)[differing])}`;
      }
    }
    if (generated !== undefined) raise(message, generated, error, expected, operator);
  }

  /** For `doesNotThrow`/`doesNotReject`: whether `error` is of the kind `expected` names. */
  function isKind(error: unknown, expected: unknown): boolean {
    if (expected instanceof RegExp) return expected.test(String(error));
    if (typeof expected !== "function") {
      throw new TypeError(
        'The "expected" argument must be of type function or an instance of RegExp',
      );
    }
    if (expected.prototype !== undefined && error instanceof expected) return true;
    if (isPrototypeOf.call(Error, expected)) return false;
    return Reflect.apply(expected, {}, [error]) === true;
  }

  /** `throws`/`rejects` arguments: the expected error, if any, and the message. */
  function expectation(rest: unknown[]): { expected: unknown; message: unknown } {
    return typeof rest[0] === "string" && rest.length === 1
      ? { expected: undefined, message: rest[0] }
      : { expected: rest[0], message: rest[1] };
  }

  function missing(expected: unknown, message: unknown, what: string, operator: string): never {
    const named = typeof expected === "function" && expected.name ? ` (${expected.name})` : "";
    const detail = typeof message === "string" ? `: ${message}` : ".";
    raise(
      message instanceof Error ? message : undefined,
      `Missing expected ${what}${named}${detail}`,
      undefined,
      expected,
      operator,
    );
  }

  function unwanted(error: unknown, message: unknown, what: string, operator: string): never {
    const detail = typeof message === "string" ? `: ${message}` : ".";
    const actual = error instanceof Error ? error.message : String(error);
    raise(
      undefined,
      `Got unwanted ${what}${detail}\nActual message: "${actual}"`,
      error,
      undefined,
      operator,
    );
  }

  type Outcome = { error: unknown } | undefined;

  /** `throws` and `rejects` once it is known whether (and what) the call threw. */
  function expectFailure(outcome: Outcome, rest: unknown[], what: string, operator: string) {
    const { expected, message } = expectation(rest);
    if (!outcome) missing(expected, message, what, operator);
    if (expected !== undefined) checkError(outcome.error, expected, message, operator);
  }

  /** `doesNotThrow` and `doesNotReject` once it is known whether (and what) the call threw. */
  function expectSuccess(outcome: Outcome, rest: unknown[], what: string, operator: string) {
    if (!outcome) return;
    const { expected, message } = expectation(rest);
    if (expected === undefined || isKind(outcome.error, expected)) {
      unwanted(outcome.error, message, what, operator);
    }
    throw outcome.error;
  }

  function caught(fn: unknown): Outcome {
    if (typeof fn !== "function") throw new TypeError('The "fn" argument must be of type function');
    try {
      fn();
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  async function settled(promiseOrFn: unknown): Promise<Outcome> {
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  const throws = (fn: unknown, ...rest: unknown[]) =>
    expectFailure(caught(fn), rest, "exception", "throws");
  const doesNotThrow = (fn: unknown, ...rest: unknown[]) =>
    expectSuccess(caught(fn), rest, "exception", "doesNotThrow");
  const rejects = async (promiseOrFn: unknown, ...rest: unknown[]) =>
    expectFailure(await settled(promiseOrFn), rest, "rejection", "rejects");
  const doesNotReject = async (promiseOrFn: unknown, ...rest: unknown[]) =>
    expectSuccess(await settled(promiseOrFn), rest, "rejection", "doesNotReject");

  function matching(wanted: boolean, operator: string) {
    return (text: unknown, pattern: unknown, message?: unknown) => {
      if (!(pattern instanceof RegExp)) {
        throw new TypeError('The "regexp" argument must be an instance of RegExp.');
      }
      if (typeof text !== "string" || pattern.test(text) !== wanted) {
        const generated = typeof text !== "string"
          ? `The "string" argument must be of type string. Received type ${typeof text} (${
            show(text)
          })`
          : wanted
          ? `The input did not match the regular expression ${pattern}. Input:\n\n${show(text)}\n`
          : `The input was expected to not match the regular expression ${pattern}. Input:\n\n${
            show(text)
          }\n`;
        raise(message, generated, text, pattern, operator);
      }
    };
  }

  function ifError(value: unknown): void {
    if (value === null || value === undefined) return;
    const text = value instanceof Error ? value.message : show(value);
    raise(undefined, `ifError got unwanted exception: ${text}`, value, null, "ifError");
  }

  function fail(message?: unknown): never {
    raise(message, "Failed", undefined, undefined, "fail");
  }

  const common = {
    ok,
    fail,
    throws,
    doesNotThrow,
    rejects,
    doesNotReject,
    match: matching(true, "match"),
    doesNotMatch: matching(false, "doesNotMatch"),
    ifError,
    strictEqual,
    notStrictEqual,
    deepStrictEqual,
    notDeepStrictEqual,
    AssertionError,
  };
  const assert = Object.assign((...args: unknown[]) => ok(...args), common, {
    equal,
    notEqual,
    deepEqual: deepEqualAssert,
    notDeepEqual,
  });
  const strict: typeof assert = Object.assign((...args: unknown[]) => ok(...args), common, {
    equal: strictEqual,
    notEqual: notStrictEqual,
    deepEqual: deepStrictEqual,
    notDeepEqual: notDeepStrictEqual,
  });
  Object.assign(assert, { strict });
  Object.assign(strict, { strict });

  // -- util, events, perf_hooks ------------------------------------------------------------

  const util = {
    inspect,
    format: formatText,
    isDeepStrictEqual: (a: unknown, b: unknown) => deepEqual(a, b, true),
    promisify: (fn: (...args: unknown[]) => void) => (...args: unknown[]) =>
      new Promise((resolve, reject) =>
        fn(...args, (error: unknown, value: unknown) => error ? reject(error) : resolve(value))
      ),
    inherits: (child: { prototype: object }, parent: { prototype: object }) => {
      Object.setPrototypeOf(child.prototype, parent.prototype);
      Object.setPrototypeOf(child, parent);
    },
    types: {
      isDate: (value: unknown) => value instanceof Date,
      isRegExp: (value: unknown) => value instanceof RegExp,
      isMap: (value: unknown) => value instanceof Map,
      isSet: (value: unknown) => value instanceof Set,
      isPromise: (value: unknown) => value instanceof Promise,
      isTypedArray: (value: unknown) => ArrayBuffer.isView(value) && !(value instanceof DataView),
      isNativeError: (value: unknown) => value instanceof Error,
    },
  };

  const events = Object.assign(Emitter, {
    EventEmitter: Emitter,
    /** Resolves with the arguments of `emitter`'s next `name` event. */
    once: (emitter: InstanceType<typeof Emitter>, name: string) =>
      new Promise((resolve) => emitter.once(name, (...args) => resolve(args))),
  });

  return {
    assert,
    "assert/strict": strict,
    util,
    events,
    perf_hooks: { performance },
  };
}
