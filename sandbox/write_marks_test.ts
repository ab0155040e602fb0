import assert from "node:assert";
import {
  BLOCK_SHIFT,
  MARKS_EXPORT,
  markWrites,
  TABLE_MARK,
  WriteMarksError,
} from "./write_marks.ts";
import { pyodideUrl } from "./process.ts";

function u32(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function section(id: number, ...contents: number[][]): number[] {
  const body = [...u32(contents.length), ...contents.flat()];
  return [id, ...u32(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...u32(bytes.length), ...bytes];
}

const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
const get = (i: number) => [0x20, i];

/** The functions of the test module: name, parameter types, body. */
const FUNCTIONS: [string, number[], number[]][] = [
  ["store32", [I32, I32], [...get(0), ...get(1), 0x36, 2, 0]],
  ["store64_at_300", [I32, I64], [...get(0), ...get(1), 0x37, 3, ...u32(300)]],
  ["store8", [I32, I32], [...get(0), ...get(1), 0x3a, 0, 0]],
  ["storef64", [I32, F64], [...get(0), ...get(1), 0x39, 3, 0]],
  ["fill", [I32, I32, I32], [...get(0), ...get(1), ...get(2), 0xfc, 11, 0]],
  ["copy", [I32, I32, I32], [...get(0), ...get(1), ...get(2), 0xfc, 10, 0, 0]],
  ["init", [I32, I32, I32], [...get(0), ...get(1), ...get(2), 0xfc, 8, 0, 0]],
  // A store inside a block and a loop, past a branch: the rewrite keeps the structure.
  // deno-fmt-ignore
  ["store_in_loop", [I32, I32], [
    0x02, 0x40, 0x03, 0x40, ...get(0), ...get(1), 0x36, 2, 0, 0x0c, 1, 0x0b, 0x0b,
  ]],
  // ref.null func; i32.const 1; table.grow 0; drop
  ["grow_table", [], [0xd0, 0x70, 0x41, 1, 0xfc, 15, 0, 0x1a]],
];

/** A module with one memory (4 pages), the functions above and a passive data segment. */
function testModule(extraBody: number[] = []): Uint8Array {
  const types = FUNCTIONS.map(([, params]) => [0x60, ...u32(params.length), ...params, 0]);
  const bodies = FUNCTIONS.map(([, , body], i) => {
    const code = [0, ...body, ...(i === 0 ? extraBody : []), 0x0b];
    return [...u32(code.length), ...code];
  });
  const segment = new Array(600).fill(7);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, ...types),
    ...section(3, ...FUNCTIONS.map((_, i) => u32(i))),
    ...section(4, [0x70, 0x00, 1]),
    ...section(5, [0x01, 4, 16]),
    ...section(
      7,
      [...name("memory"), 0x02, 0],
      ...FUNCTIONS.map(([fn], i) => [...name(fn), 0x00, ...u32(i)]),
    ),
    0x0c,
    1,
    1, // data count: one segment
    ...section(10, ...bodies),
    ...section(11, [0x01, ...u32(segment.length), ...segment]),
  ]);
}

function instantiate(bytes: Uint8Array) {
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
  );
  const exports = instance.exports as Record<string, (...args: unknown[]) => void> & {
    memory: WebAssembly.Memory;
  };
  const marks = new Uint8Array((instance.exports[MARKS_EXPORT] as WebAssembly.Memory).buffer);
  return { exports, marks, heap: new Uint8Array(exports.memory.buffer) };
}

/** The indices of the marked blocks, then clears them. */
function taken(marks: Uint8Array): number[] {
  const marked = [...marks.subarray(0, 1024).keys()].filter((i) => marks[i] === 1);
  marks.fill(0);
  return marked;
}

const block = (address: number) => address >> BLOCK_SHIFT;

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

Deno.test("every kind of write marks the blocks it lands in, and still writes", () => {
  const { exports, marks, heap } = instantiate(markWrites(testModule()));
  assert.deepEqual(taken(marks), []);
  exports.store32(1000, 0x01020304);
  assert.deepEqual(taken(marks), [block(1000)]);
  assert.deepEqual([...heap.subarray(1000, 1004)], [4, 3, 2, 1]);
  // The offset counts: the address is 2000, the write lands at 2300.
  exports.store64_at_300(2000, 5n);
  assert.deepEqual(taken(marks), [block(2300)]);
  assert.equal(heap[2300], 5);
  exports.store8(65535, 9);
  assert.deepEqual(taken(marks), [block(65535)]);
  exports.storef64(4096, 1.5);
  assert.deepEqual(taken(marks), [block(4096)]);
  exports.fill(5000, 1, 1000);
  assert.deepEqual(taken(marks), range(block(5000), block(5999)));
  assert.equal(heap[5999], 1);
  exports.copy(70_000, 5000, 300);
  assert.deepEqual(taken(marks), range(block(70_000), block(70_299)));
  assert.equal(heap[70_299], 1);
  exports.init(3000, 0, 600);
  assert.deepEqual(taken(marks), range(block(3000), block(3599)));
  assert.equal(heap[3599], 7);
  exports.store_in_loop(9000, 3);
  assert.deepEqual(taken(marks), [block(9000)]);
  // A change of the function table sets the table mark (a reset cannot undo it).
  assert.equal(marks[TABLE_MARK], 0);
  exports.grow_table();
  assert.equal(marks[TABLE_MARK], 1);
  assert.deepEqual(taken(marks), []);
  // A write that traps leaves memory alone; a stray mark only costs a copy.
  assert.throws(() => exports.store32(4 * 65536, 1), WebAssembly.RuntimeError);
  assert.throws(() => exports.fill(4 * 65536 - 10, 1, 100), WebAssembly.RuntimeError);
});

Deno.test("a module the rewriter does not know is refused, not rewritten", () => {
  // An atomic store (0xfe prefix): not decoded, so not rewritten.
  const atomic = testModule([...get(0), ...get(1), 0xfe, 0x17, 2, 0]);
  assert.throws(() => markWrites(atomic), WriteMarksError);
  assert.throws(
    () => markWrites(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 10, 5])),
    WriteMarksError,
  );
});

Deno.test("Pyodide's module rewrites to a valid module that exports its marks", async () => {
  const wasm = await Deno.readFile(new URL("pyodide.asm.wasm", pyodideUrl()));
  const marked = markWrites(wasm);
  assert.ok(WebAssembly.validate(marked as Uint8Array<ArrayBuffer>));
  const exports = WebAssembly.Module.exports(
    new WebAssembly.Module(marked as Uint8Array<ArrayBuffer>),
  );
  assert.ok(exports.some((e) => e.name === MARKS_EXPORT && e.kind === "memory"));
  assert.ok(exports.some((e) => e.name === "memory" && e.kind === "memory"));
});
