/**
 * The globals a Node program finds that a fresh V8 context lacks: `global`, `TextEncoder`
 * and `TextDecoder` (UTF-8, as the WHATWG Encoding standard decodes it: invalid
 * sequences become U+FFFD, or throw with `fatal`; a leading byte order mark is dropped
 * unless `ignoreBOM`; `stream` keeps an unfinished sequence for the next call),
 * `structuredClone` (plain data: primitives, arrays, plain objects, dates, regular
 * expressions, maps, sets, array buffers and their views, errors and boxed primitives,
 * cycles kept; anything else throws a `DataCloneError`), `atob` and `btoa`. Like the
 * runtime, the source of {@link realmGlobals} is evaluated inside the program's own realm
 * and refers to nothing outside itself. The runtime (`js_realm_runtime.ts`) defines each
 * where the realm has none (a worker's own realm keeps the host's) and decodes stdin
 * bytes with the realm's `TextDecoder`, taken before the program runs.
 *
 * @module
 */

/** The globals by name; evaluated inside the program's realm. */
export function realmGlobals(): Record<string, unknown> {
  const fromCharCode = String.fromCharCode;
  /** Code units turned into text this many at a time (an argument list's comfortable size). */
  const CHUNK = 8192;

  /** UTF-16 code units collected into text, a chunk at a time. */
  class Units {
    readonly #units = new Uint16Array(CHUNK + 1);
    #count = 0;
    #parts: string[] = [];
    push(unit: number): void {
      this.#units[this.#count++] = unit;
      if (this.#count >= CHUNK) this.#flush();
    }
    point(code: number): void {
      if (code < 0x10000) this.push(code);
      else {
        code -= 0x10000;
        this.push(0xd800 + (code >> 10));
        this.push(0xdc00 + (code & 0x3ff));
      }
    }
    /** Appends text made elsewhere (a run of ASCII bytes) after the units so far. */
    append(text: string): void {
      this.#flush();
      this.#parts.push(text);
    }
    #flush(): void {
      if (this.#count === 0) return;
      this.#parts.push(fromCharCode.apply(null, this.#units.subarray(0, this.#count) as never));
      this.#count = 0;
    }
    text(): string {
      this.#flush();
      return this.#parts.join("");
    }
  }

  function invalid(): never {
    throw new TypeError("The encoded data was not valid for encoding utf-8");
  }

  /**
   * Decodes `bytes` as UTF-8; `used` is how many were consumed (fewer than all only when
   * `flush` is false and they end inside a sequence).
   */
  function decode(bytes: Uint8Array, fatal: boolean, flush: boolean) {
    const out = new Units();
    let needed = 0;
    let seen = 0;
    let code = 0;
    let lower = 0x80;
    let upper = 0xbf;
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (needed === 0) {
        start = i;
        if (byte < 0x80) {
          // A run of ASCII bytes becomes text at once.
          let end = i + 1;
          while (end < bytes.length && end - i < CHUNK && bytes[end] < 0x80) end++;
          out.append(fromCharCode.apply(null, bytes.subarray(i, end) as never));
          i = end - 1;
        } else if (byte >= 0xc2 && byte <= 0xdf) (needed = 1), (code = byte & 0x1f);
        else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) lower = 0xa0;
          if (byte === 0xed) upper = 0x9f;
          needed = 2;
          code = byte & 0x0f;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) lower = 0x90;
          if (byte === 0xf4) upper = 0x8f;
          needed = 3;
          code = byte & 0x07;
        } else if (fatal) invalid();
        else out.push(0xfffd);
        continue;
      }
      if (byte < lower || byte > upper) {
        // The sequence ends before this byte, which starts afresh.
        if (fatal) invalid();
        out.push(0xfffd);
        needed = seen = code = 0;
        lower = 0x80;
        upper = 0xbf;
        i--;
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      code = (code << 6) | (byte & 0x3f);
      if (++seen === needed) {
        out.point(code);
        needed = seen = code = 0;
      }
    }
    if (needed === 0) return { text: out.text(), used: bytes.length };
    if (!flush) return { text: out.text(), used: start };
    if (fatal) invalid();
    out.push(0xfffd);
    return { text: out.text(), used: bytes.length };
  }

  /** The bytes of any buffer source, without copying. */
  function bytesOf(input: unknown): Uint8Array {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) {
      return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    }
    throw new TypeError(
      'The "input" argument must be an instance of ArrayBuffer or ArrayBufferView',
    );
  }

  class TextDecoder {
    readonly encoding = "utf-8";
    readonly fatal: boolean;
    readonly ignoreBOM: boolean;
    /** Bytes of a sequence a streamed call ended inside. */
    #pending = new Uint8Array(0);
    /** Whether a streamed decoding has begun (a byte order mark counts only at its start). */
    #begun = false;
    constructor(label: unknown = "utf-8", options?: { fatal?: boolean; ignoreBOM?: boolean }) {
      if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(String(label).trim())) {
        throw new RangeError(`The encoding "${String(label)}" is not supported`);
      }
      this.fatal = options?.fatal === true;
      this.ignoreBOM = options?.ignoreBOM === true;
    }
    decode(input?: unknown, options?: { stream?: boolean }): string {
      let bytes = bytesOf(input);
      if (this.#pending.length > 0) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
      }
      const stream = options?.stream === true;
      const { text, used } = decode(bytes, this.fatal, !stream);
      this.#pending = bytes.slice(used);
      const first = !this.#begun;
      this.#begun = stream && (this.#begun || text.length > 0);
      return first && !this.ignoreBOM && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    }
  }

  /**
   * UTF-8 bytes of `text` (a lone surrogate as U+FFFD), into `into` when given (the
   * characters that fit whole; `read` counts the code units taken).
   */
  function encode(text: string, into?: Uint8Array): { bytes: Uint8Array; read: number } {
    let length = 0;
    if (!into) {
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        if (unit < 0x80) length += 1;
        else if (unit < 0x800) length += 2;
        else if (unit >= 0xd800 && unit <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
          length += 4;
          i++;
        } else length += 3;
      }
    }
    const out = into ?? new Uint8Array(length);
    if (length === text.length && !into) {
      for (let i = 0; i < length; i++) out[i] = text.charCodeAt(i);
      return { bytes: out, read: length };
    }
    let at = 0;
    let i = 0;
    for (; i < text.length; i++) {
      let code = text.charCodeAt(i);
      let units = 1;
      if (code >= 0xd800 && code <= 0xdfff) {
        if (code <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
          code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00);
          units = 2;
        } else code = 0xfffd;
      }
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (at + size > out.length) break;
      if (size === 1) out[at++] = code;
      else if (size === 2) {
        out[at++] = 0xc0 | (code >> 6);
        out[at++] = 0x80 | (code & 0x3f);
      } else if (size === 3) {
        out[at++] = 0xe0 | (code >> 12);
        out[at++] = 0x80 | ((code >> 6) & 0x3f);
        out[at++] = 0x80 | (code & 0x3f);
      } else {
        out[at++] = 0xf0 | (code >> 18);
        out[at++] = 0x80 | ((code >> 12) & 0x3f);
        out[at++] = 0x80 | ((code >> 6) & 0x3f);
        out[at++] = 0x80 | (code & 0x3f);
      }
      i += units - 1;
    }
    return { bytes: into ? out.subarray(0, at) : out, read: i };
  }

  function isLow(unit: number): boolean {
    return unit >= 0xdc00 && unit <= 0xdfff;
  }

  class TextEncoder {
    readonly encoding = "utf-8";
    encode(input: unknown = ""): Uint8Array {
      return encode(String(input)).bytes;
    }
    encodeInto(input: unknown, destination: Uint8Array): { read: number; written: number } {
      const { bytes, read } = encode(String(input), destination);
      return { read, written: bytes.length };
    }
  }

  /** What `structuredClone` throws for what it cannot copy (a `DOMException`'s name). */
  class DataCloneError extends Error {
    override name = "DataCloneError";
  }

  const ERRORS: Record<string, new (message?: string) => Error> = {
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
  };

  function structuredClone(value: unknown): unknown {
    const copies = new Map<object, unknown>();
    const uncloneable = (what: unknown): never => {
      throw new DataCloneError(`${String(what)} could not be cloned.`);
    };
    const clone = (value: unknown): unknown => {
      if (typeof value === "symbol" || typeof value === "function") return uncloneable(value);
      if (value === null || typeof value !== "object") return value;
      const known = copies.get(value);
      if (known !== undefined) return known;
      const keep = <T>(copy: T): T => (copies.set(value, copy), copy);
      const tag = Object.prototype.toString.call(value);
      if (Array.isArray(value)) {
        const copy = keep(new Array(value.length));
        for (const key of Object.keys(value)) copy[key as never] = clone(value[key as never]);
        return copy;
      }
      if (value instanceof Date) return keep(new Date(value.getTime()));
      if (value instanceof RegExp) return keep(new RegExp(value.source, value.flags));
      if (value instanceof Map) {
        const copy = keep(new Map());
        for (const [key, item] of value) copy.set(clone(key), clone(item));
        return copy;
      }
      if (value instanceof Set) {
        const copy = keep(new Set());
        for (const item of value) copy.add(clone(item));
        return copy;
      }
      if (value instanceof ArrayBuffer) return keep(value.slice(0));
      if (ArrayBuffer.isView(value)) {
        const buffer = clone(value.buffer) as ArrayBuffer;
        const View = value.constructor as new (
          buffer: ArrayBuffer,
          offset: number,
          length: number,
        ) => ArrayBufferView;
        const length = value instanceof DataView
          ? value.byteLength
          : (value as unknown as { length: number }).length;
        return keep(new View(buffer, value.byteOffset, length));
      }
      if (value instanceof Error) {
        const copy = keep(new (ERRORS[value.name] ?? Error)(value.message));
        if (value.stack !== undefined) copy.stack = String(value.stack);
        if ("cause" in value) copy.cause = clone(value.cause);
        return copy;
      }
      if (
        tag === "[object Number]" || tag === "[object String]" ||
        tag === "[object Boolean]" || tag === "[object BigInt]"
      ) return keep(Object((value as { valueOf(): unknown }).valueOf()));
      if (tag !== "[object Object]") {
        return uncloneable(`#<${value.constructor?.name ?? "Object"}>`);
      }
      const copy = keep({} as Record<string, unknown>);
      for (const key of Object.keys(value)) {
        copy[key] = clone((value as Record<string, unknown>)[key]);
      }
      return copy;
    };
    return clone(value);
  }

  const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  /** What `atob` and `btoa` throw for text they cannot take (a `DOMException`'s name). */
  class InvalidCharacterError extends Error {
    override name = "InvalidCharacterError";
  }

  function btoa(data: unknown): string {
    const text = String(data);
    let out = "";
    for (let i = 0; i < text.length; i += 3) {
      const codes = [text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)];
      for (const code of codes) {
        if (code > 0xff) throw new InvalidCharacterError("Invalid character");
      }
      const [a, b, c] = codes;
      const word = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += BASE64[word >> 18] + BASE64[(word >> 12) & 63] +
        (i + 1 < text.length ? BASE64[(word >> 6) & 63] : "=") +
        (i + 2 < text.length ? BASE64[word & 63] : "=");
    }
    return out;
  }

  function atob(data: unknown): string {
    let text = String(data).replace(/[\t\n\f\r ]/g, "");
    if (text.length % 4 === 0) text = text.replace(/==?$/, "");
    if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
      throw new InvalidCharacterError("Failed to decode base64");
    }
    let out = "";
    let bits = 0;
    let buffer = 0;
    for (const char of text) {
      buffer = (buffer << 6) | BASE64.indexOf(char);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += fromCharCode((buffer >> bits) & 0xff);
      }
    }
    return out;
  }

  return { global: globalThis, TextEncoder, TextDecoder, structuredClone, atob, btoa };
}
