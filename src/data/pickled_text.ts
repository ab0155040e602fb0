/**
 * Reads a Python pickle whose whole content is one `str`, the way LiveCodeBench
 * stores its private tests (`pickle.dumps(json.dumps(tests))`, zlib-compressed,
 * base64-encoded). Only the opcodes a pickled string uses are understood; anything
 * else is refused, so no pickle program is ever run.
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import { PfpoError } from "../errors.ts";

/** Bytes that are not a pickled string (or not zlib, or not base64). */
export class PickleError extends PfpoError {}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The string held by a pickle of protocol 2 to 5.
 *
 * @example A pickle of "hi" (protocol 4)
 * ```ts
 * import { unpickleString } from "./pickled_text.ts";
 * import assert from "node:assert";
 * const bytes = new Uint8Array([0x80, 4, 0x95, 6, 0, 0, 0, 0, 0, 0, 0, 0x8c, 2, 104, 105, 0x94, 0x2e]);
 * assert.equal(unpickleString(bytes), "hi");
 * ```
 */
export function unpickleString(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let text: string | undefined;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new PickleError("Cannot read the pickle: it ends early");
  };
  const take = (length: number) => {
    need(length);
    if (text !== undefined) {
      throw new PickleError("Cannot read the pickle: it holds more than a string");
    }
    text = decoder.decode(bytes.subarray(at, at + length));
    at += length;
  };
  while (at < bytes.length) {
    const op = bytes[at++];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        at += 1;
        break;
      case 0x95: // FRAME
        need(8);
        at += 8;
        break;
      case 0x8c: // SHORT_BINUNICODE
        need(1);
        take(bytes[at++]);
        break;
      case 0x58: // BINUNICODE
        need(4);
        at += 4;
        take(view.getUint32(at - 4, true));
        break;
      case 0x8d: // BINUNICODE8
        need(8);
        at += 8;
        take(Number(view.getBigUint64(at - 8, true)));
        break;
      case 0x94: // MEMOIZE
        break;
      case 0x71: // BINPUT
        need(1);
        at += 1;
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        at += 4;
        break;
      case 0x2e: // STOP
        if (text === undefined) throw new PickleError("Cannot read the pickle: it holds no string");
        return text;
      default:
        throw new PickleError(
          `Cannot read the pickle: opcode 0x${op.toString(16)} at byte ${
            at - 1
          } is not part of a pickled string`,
        );
    }
  }
  throw new PickleError("Cannot read the pickle: it has no STOP opcode");
}

/**
 * Decodes LiveCodeBench's compressed text: base64, then zlib, then a pickled string.
 *
 * @example Round trip of a value made by Python
 * ```ts
 * import { decodeCompressedText } from "./pickled_text.ts";
 * import assert from "node:assert";
 * // base64(zlib(pickle.dumps('[{"input": "1\\n", "output": "1\\n", "testtype": "stdin"}]')))
 * const text = decodeCompressedText(
 *   "eJxrYJlaxwABPVXR1UqZeQWlJUpWCkrGMXmGCkYKQEpJR0Epv7QEKm4GEShJLS4pqSxIBQkVl6Rk5inV6iggaTeMyTNF12qKU2vsFD0AXywocA==",
 * );
 * assert.equal(JSON.parse(text)[0].output, "6\n");
 * ```
 */
export function decodeCompressedText(base64: string): string {
  let compressed: Uint8Array;
  try {
    compressed = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch (cause) {
    throw new PickleError("Cannot decode the text: it is not base64", { cause });
  }
  let bytes: Uint8Array;
  try {
    bytes = inflateSync(compressed);
  } catch (cause) {
    throw new PickleError("Cannot decode the text: it is not zlib-compressed", { cause });
  }
  return unpickleString(bytes);
}
