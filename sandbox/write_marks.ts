/**
 * Rewrites a WebAssembly module so that every write to its memory also marks the
 * 256-byte block it lands in, in a second memory of the module (exported as
 * {@link MARKS_EXPORT}): one byte per block, set to 1. An interpreter reset then puts
 * back only the marked blocks instead of the whole memory.
 *
 * Every instruction of every function is decoded; the writes are the store
 * instructions (`i32.store` … `v128.store64_lane`), `memory.fill`, `memory.copy` and
 * `memory.init`. A store may cross into the next block by up to 15 bytes, so whoever
 * restores block `k` restores the first {@link STORE_SPILL} bytes of block `k + 1` as
 * well. An instruction the decoder does not know (atomics, GC, anything newer) makes the
 * rewrite fail with {@link WriteMarksError}: the caller then keeps the module as it is,
 * and the full reset, so a gap here fails closed.
 *
 * Writes from JavaScript into the memory (an import's, or a host's) are not marked: the
 * caller accounts for them.
 *
 * @module
 */
import { PfpoError } from "../src/errors.ts";

/** The module cannot be rewritten (an instruction or layout this rewriter does not know). */
export class WriteMarksError extends PfpoError {}

/** log2 of the block size a mark stands for. */
export const BLOCK_SHIFT = 8;
/** Bytes past a marked block that a store starting in it may reach. */
export const STORE_SPILL = 15;
/** Name under which the rewritten module exports its marks memory. */
export const MARKS_EXPORT = "pfpo_marks";
/**
 * Index in the marks memory, past the blocks' marks, of the byte set before any
 * instruction that changes a table of functions (`table.set`, `table.grow`, `table.fill`,
 * `table.copy`, `table.init`): its owner then compares the table with its pristine
 * entries.
 */
export const TABLE_MARK = 2 ** (32 - BLOCK_SHIFT);

const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

/** Reads a WebAssembly binary. */
class Reader {
  at: number;
  constructor(readonly bytes: Uint8Array, at = 0) {
    this.at = at;
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new WriteMarksError("Unexpected end of the module");
    return this.bytes[this.at++];
  }
  u32(): number {
    let result = 0;
    for (let shift = 0;; shift += 7) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      if (shift > 28) throw new WriteMarksError(`Bad integer at byte ${this.at}`);
    }
  }
  /** Skips a signed LEB128 integer of at most `bits` bits. */
  skipSigned(bits: number): void {
    for (let shift = 0; this.byte() & 0x80; shift += 7) {
      if (shift > bits) throw new WriteMarksError(`Bad integer at byte ${this.at}`);
    }
  }
  skip(n: number): void {
    this.at += n;
  }
}

/** Writes a WebAssembly binary into a buffer that grows as needed. */
class Writer {
  #buffer: Uint8Array;
  length = 0;
  constructor(capacity = 1024) {
    this.#buffer = new Uint8Array(capacity);
  }
  #reserve(n: number): void {
    if (this.length + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.length + n));
    grown.set(this.#buffer.subarray(0, this.length));
    this.#buffer = grown;
  }
  byte(...bytes: number[]): void {
    this.#reserve(bytes.length);
    for (const b of bytes) this.#buffer[this.length++] = b;
  }
  u32(value: number): void {
    this.#reserve(5);
    do {
      let byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value !== 0) byte |= 0x80;
      this.#buffer[this.length++] = byte;
    } while (value !== 0);
  }
  /** Appends bytes as they are. */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
  /** What was written (a view of the buffer, valid until the next write). */
  written(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }
}

/** Value type stored by each store opcode (0x36–0x3e), by opcode; 0 for the rest. */
const STORE_TYPES = new Uint8Array(256);
STORE_TYPES.set([I32, I64, F32, F64, I32, I32, I64, I64, I64], 0x36);

/** SIMD (0xfd) sub-opcodes that store: `v128.store` and the four lane stores. */
const SIMD_STORES = new Set([11, 88, 89, 90, 91]);

/** The scratch locals each rewritten function gets, by value type. */
interface Scratch {
  /** The address of a store, or the destination of a fill, copy or init. */
  address: number;
  /** The second and third operands of a fill, copy or init. */
  second: number;
  count: number;
  value: Record<number, number>;
}

/** Reads a memarg; returns its offset (the memory index must be 0). */
function memarg(reader: Reader): number {
  const align = reader.u32();
  if (align & 0x40) throw new WriteMarksError("Multiple memories are not supported");
  return reader.u32();
}

/** Skips a block type: empty, a value type, or a type index. */
function blockType(reader: Reader): void {
  const first = reader.bytes[reader.at];
  if (first === 0x40 || (first >= 0x7b && first <= 0x7f) || first === 0x70 || first === 0x6f) {
    reader.skip(1);
  } else if (first === 0x63 || first === 0x64) {
    reader.skip(1);
    reader.skipSigned(33);
  } else {
    reader.skipSigned(33);
  }
}

/** Emits `local.get local`. */
function localGet(out: Writer, local: number): void {
  out.byte(0x20);
  out.u32(local);
}

/** Emits `local.set local`. */
function localSet(out: Writer, local: number): void {
  out.byte(0x21);
  out.u32(local);
}

/**
 * Emits the mark of the block at `address + offset` (its address in scratch local
 * `address`): `marks[(address + offset) >> BLOCK_SHIFT] = 1`. The mark comes before the
 * store; where the sum wraps, the store traps, and the stray mark costs only a copy.
 */
function markStore(out: Writer, scratch: Scratch, offset: number): void {
  localGet(out, scratch.address);
  if (offset !== 0) {
    out.byte(0x41); // i32.const offset
    signed32(out, offset | 0);
    out.byte(0x6a); // i32.add
  }
  out.byte(0x41, BLOCK_SHIFT, 0x76); // i32.const 8; i32.shr_u
  out.byte(0x41, 1); // i32.const 1
  out.byte(0x3a, 0x40, 0x01, 0x00); // i32.store8 align=0 memory=1 offset=0
}

/** Emits `marks[TABLE_MARK] = 1`. */
function markTable(out: Writer): void {
  out.byte(0x41);
  signed32(out, TABLE_MARK);
  out.byte(0x41, 1); // i32.const 1
  out.byte(0x3a, 0x40, 0x01, 0x00); // i32.store8 align=0 memory=1 offset=0
}

/** Writes a 32-bit integer as a signed LEB128. */
function signed32(out: Writer, value: number): void {
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.byte(byte);
      return;
    }
    out.byte(byte | 0x80);
  }
}

/**
 * Emits the marks of the range `[address, address + count)` (scratch locals):
 * `memory.fill 1 (address >> 8, 1, ((address + count + 255) >> 8) - (address >> 8))`,
 * the end in 64-bit arithmetic so that it cannot wrap. A range past the end of memory
 * marks blocks that do not exist yet (the instruction then traps).
 */
function markRange(out: Writer, scratch: Scratch): void {
  const get = (local: number) => localGet(out, local);
  get(scratch.address);
  out.byte(0x41, BLOCK_SHIFT, 0x76); // i32.const 8; i32.shr_u
  out.byte(0x41, 1); // i32.const 1
  get(scratch.address);
  out.byte(0xad); // i64.extend_i32_u
  get(scratch.count);
  out.byte(0xad, 0x7c); // i64.extend_i32_u; i64.add
  out.byte(0x42, 0xff, 0x01, 0x7c); // i64.const 255; i64.add
  out.byte(0x42, BLOCK_SHIFT, 0x88, 0xa7); // i64.const 8; i64.shr_u; i32.wrap_i64
  get(scratch.address);
  out.byte(0x41, BLOCK_SHIFT, 0x76, 0x6b); // i32.const 8; i32.shr_u; i32.sub
  out.byte(0xfc, 11, 0x01); // memory.fill memory=1
}

/**
 * Copies one function body's instructions from `reader` (up to `end`) to `out`, with
 * the marks added after every write.
 */
function rewriteInstructions(
  reader: Reader,
  end: number,
  out: Writer,
  scratch: Scratch,
  functionTables: Set<number>,
): void {
  let copied = reader.at;
  const copyTo = (at: number) => {
    out.raw(reader.bytes.subarray(copied, at));
    copied = at;
  };
  const set = (local: number) => localSet(out, local);
  const get = (local: number) => localGet(out, local);
  /** Marks a change of table `table` (by the instruction at `start`) if it holds functions. */
  const changeTable = (start: number, table: number) => {
    if (!functionTables.has(table)) return;
    copyTo(start);
    markTable(out);
  };
  /** Rewrites a store whose opcode starts at `start`: its block marked, then the store. */
  const store = (start: number, type: number, offset: number) => {
    copyTo(start);
    set(scratch.value[type]);
    set(scratch.address);
    markStore(out, scratch, offset);
    get(scratch.address);
    get(scratch.value[type]);
    copyTo(reader.at);
  };
  /** Rewrites a fill, copy or init (three i32 operands, the first the destination). */
  const bulk = (start: number) => {
    copyTo(start);
    set(scratch.count);
    set(scratch.second);
    set(scratch.address);
    markRange(out, scratch);
    get(scratch.address);
    get(scratch.second);
    get(scratch.count);
    copyTo(reader.at);
  };
  while (reader.at < end) {
    const start = reader.at;
    const op = reader.byte();
    if (STORE_TYPES[op] !== 0) {
      store(start, STORE_TYPES[op], memarg(reader));
      continue;
    }
    switch (op) {
      case 0x00: // unreachable
      case 0x01: // nop
      case 0x05: // else
      case 0x0a: // throw_ref
      case 0x0b: // end
      case 0x0f: // return
      case 0x19: // catch_all
      case 0x1a: // drop
      case 0x1b: // select
      case 0xd1: // ref.is_null
      case 0xd3: // ref.eq
      case 0xd4: // ref.as_non_null
        break;
      case 0x02: // block
      case 0x03: // loop
      case 0x04: // if
      case 0x06: // try
        blockType(reader);
        break;
      case 0x07: // catch
      case 0x08: // throw
      case 0x09: // rethrow
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x10: // call
      case 0x12: // return_call
      case 0x14: // call_ref
      case 0x15: // return_call_ref
      case 0x18: // delegate
      case 0x20: // local.get
      case 0x21: // local.set
      case 0x22: // local.tee
      case 0x23: // global.get
      case 0x24: // global.set
      case 0x25: // table.get
      case 0xd2: // ref.func
      case 0xd5: // br_on_null
      case 0xd6: // br_on_non_null
        reader.u32();
        break;
      case 0x26: // table.set
        changeTable(start, reader.u32());
        break;
      case 0x0e: { // br_table
        const n = reader.u32();
        for (let i = 0; i <= n; i++) reader.u32();
        break;
      }
      case 0x11: // call_indirect
      case 0x13: // return_call_indirect
        reader.u32();
        reader.u32();
        break;
      case 0x1c: { // select with types
        const n = reader.u32();
        for (let i = 0; i < n; i++) {
          if (![I32, I64, F32, F64, V128, 0x70, 0x6f].includes(reader.byte())) {
            throw new WriteMarksError(`Unknown value type in select at byte ${reader.at - 1}`);
          }
        }
        break;
      }
      case 0x1f: { // try_table
        blockType(reader);
        const n = reader.u32();
        for (let i = 0; i < n; i++) {
          const kind = reader.byte();
          if (kind > 3) throw new WriteMarksError(`Unknown catch kind at byte ${reader.at - 1}`);
          if (kind < 2) reader.u32(); // the tag
          reader.u32(); // the label
        }
        break;
      }
      case 0x3f: // memory.size
      case 0x40: // memory.grow
        if (reader.byte() !== 0) throw new WriteMarksError("Multiple memories are not supported");
        break;
      case 0x41: // i32.const
        reader.skipSigned(32);
        break;
      case 0x42: // i64.const
        reader.skipSigned(64);
        break;
      case 0x43: // f32.const
        reader.skip(4);
        break;
      case 0x44: // f64.const
        reader.skip(8);
        break;
      case 0xd0: // ref.null
        reader.skipSigned(33);
        break;
      case 0xfc:
        miscellaneous(reader, start, bulk, (table) => changeTable(start, table));
        break;
      case 0xfd:
        simd(reader, start, store);
        break;
      default:
        if (op >= 0x28 && op <= 0x35) memarg(reader); // loads
        else if (!(op >= 0x45 && op <= 0xc4)) { // numeric instructions have no immediates
          throw new WriteMarksError(`Unknown opcode 0x${op.toString(16)} at byte ${start}`);
        }
    }
  }
  if (reader.at !== end) throw new WriteMarksError(`A function body overruns at byte ${end}`);
  copyTo(end);
}

/**
 * The 0xfc instructions: saturating truncations, bulk memory and tables (`table` gets
 * the index of a table the instruction changes, before it).
 */
function miscellaneous(
  reader: Reader,
  start: number,
  bulk: (start: number) => void,
  table: (index: number) => void,
): void {
  const sub = reader.u32();
  if (sub <= 7) return; // trunc_sat
  switch (sub) {
    case 8: // memory.init data memory
      reader.u32();
      if (reader.byte() !== 0) throw new WriteMarksError("Multiple memories are not supported");
      bulk(start);
      return;
    case 9: // data.drop
    case 13: // elem.drop
    case 16: // table.size
      reader.u32();
      return;
    case 15: // table.grow
    case 17: // table.fill
      table(reader.u32());
      return;
    case 10: // memory.copy to from
      if (reader.byte() !== 0 || reader.byte() !== 0) {
        throw new WriteMarksError("Multiple memories are not supported");
      }
      bulk(start);
      return;
    case 11: // memory.fill
      if (reader.byte() !== 0) throw new WriteMarksError("Multiple memories are not supported");
      bulk(start);
      return;
    case 12: // table.init element table
      reader.u32();
      table(reader.u32());
      return;
    case 14: // table.copy to from
      table(reader.u32());
      reader.u32();
      return;
    default:
      throw new WriteMarksError(`Unknown instruction 0xfc ${sub} at byte ${start}`);
  }
}

/** The 0xfd (SIMD) instructions. */
function simd(
  reader: Reader,
  start: number,
  store: (start: number, type: number, offset: number) => void,
): void {
  const sub = reader.u32();
  if (SIMD_STORES.has(sub)) {
    const offset = memarg(reader);
    if (sub !== 11) reader.skip(1); // the lane
    // The lane byte is part of the instruction: copied with it.
    store(start, V128, offset);
    return;
  }
  if (sub <= 10 || sub === 92 || sub === 93) memarg(reader); // loads
  else if (sub >= 84 && sub <= 87) { // load lane
    memarg(reader);
    reader.skip(1);
  } else if (sub === 12 || sub === 13) reader.skip(16); // v128.const, i8x16.shuffle
  else if (sub >= 21 && sub <= 34) reader.skip(1); // extract and replace lane
  else if (sub > 0x113) {
    throw new WriteMarksError(`Unknown instruction 0xfd ${sub} at byte ${start}`);
  }
}

/** Parameter counts of the module's function types, by type index. */
function parameterCounts(section: Uint8Array): number[] {
  const reader = new Reader(section);
  const counts: number[] = [];
  const n = reader.u32();
  for (let i = 0; i < n; i++) {
    if (reader.byte() !== 0x60) throw new WriteMarksError("Only function types are supported");
    const params = reader.u32();
    reader.skip(params);
    reader.skip(reader.u32());
    counts.push(params);
  }
  return counts;
}

/**
 * Checks that the module imports neither memory nor table (the marks memory is index 1,
 * and the tables' indices are the table section's).
 */
function checkImports(section: Uint8Array): void {
  const reader = new Reader(section);
  const n = reader.u32();
  for (let i = 0; i < n; i++) {
    reader.skip(reader.u32()); // module
    reader.skip(reader.u32()); // name
    const kind = reader.byte();
    if (kind === 0) reader.u32(); // function
    else if (kind === 1) throw new WriteMarksError("An imported table is not supported");
    else if (kind === 2) throw new WriteMarksError("An imported memory is not supported");
    else if (kind === 3) reader.skip(2); // global
    else if (kind === 4) { // tag
      reader.skip(1);
      reader.u32();
    } else throw new WriteMarksError(`Unknown import kind ${kind}`);
  }
}

/**
 * The indices of the tables (the module imports none) that hold functions, whose changes
 * are marked; tables of JavaScript references (Pyodide's) are its owner's to put back.
 */
function tablesOfFunctions(section: Uint8Array): Set<number> {
  const reader = new Reader(section);
  const tables = new Set<number>();
  const n = reader.u32();
  for (let i = 0; i < n; i++) {
    const type = reader.byte();
    if (type === 0x40) throw new WriteMarksError("Tables with initializers are not supported");
    if (type === 0x63 || type === 0x64) throw new WriteMarksError("Typed tables are not supported");
    if (type !== 0x6f) tables.add(i);
    const flags = reader.byte();
    reader.u32();
    if (flags & 1) reader.u32();
  }
  return tables;
}

/** The type index of every function the module defines. */
function functionTypes(section: Uint8Array): number[] {
  const reader = new Reader(section);
  return Array.from({ length: reader.u32() }, () => reader.u32());
}

/** Rewrites the code section: scratch locals and marks in every body. */
function rewriteCode(
  section: Uint8Array,
  types: number[],
  params: number[],
  functionTables: Set<number>,
): Uint8Array {
  const reader = new Reader(section);
  const out = new Writer();
  const n = reader.u32();
  if (n !== types.length) throw new WriteMarksError("Function and code sections disagree");
  out.u32(n);
  for (let f = 0; f < n; f++) {
    const size = reader.u32();
    const end = reader.at + size;
    const body = new Writer();
    const groups = reader.u32();
    let locals = params[types[f]];
    const declared = reader.at;
    for (let g = 0; g < groups; g++) {
      locals += reader.u32();
      const type = reader.byte();
      if (type === 0x63 || type === 0x64) reader.skipSigned(33);
    }
    const scratch: Scratch = {
      address: locals,
      second: locals + 1,
      count: locals + 2,
      value: {
        [I32]: locals + 3,
        [I64]: locals + 4,
        [F32]: locals + 5,
        [F64]: locals + 6,
        [V128]: locals + 7,
      },
    };
    body.u32(groups + 5);
    body.raw(reader.bytes.subarray(declared, reader.at));
    body.byte(4, I32, 1, I64, 1, F32, 1, F64, 1, V128);
    rewriteInstructions(reader, end, body, scratch, functionTables);
    const bytes = body.written();
    out.u32(bytes.length);
    out.raw(bytes);
  }
  return out.written();
}

/** Appends the marks memory (one byte per block of the largest memory) to the memory section. */
function addMarksMemory(section: Uint8Array): Uint8Array {
  const reader = new Reader(section);
  if (reader.u32() !== 1) throw new WriteMarksError("Exactly one memory is supported");
  const flags = reader.byte();
  if (flags & ~1) throw new WriteMarksError("Only a 32-bit unshared memory is supported");
  reader.u32();
  if (flags & 1) reader.u32();
  const out = new Writer();
  out.u32(2);
  out.raw(section.subarray(1));
  // One byte per block of a 4 GiB memory, and a page for the table mark.
  const pages = TABLE_MARK / 65536 + 1;
  out.byte(1);
  out.u32(pages);
  out.u32(pages);
  return out.written();
}

/** Appends the export of the marks memory to the export section. */
function exportMarks(section: Uint8Array): Uint8Array {
  const reader = new Reader(section);
  const n = reader.u32();
  const out = new Writer();
  out.u32(n + 1);
  out.raw(section.subarray(reader.at));
  const name = new TextEncoder().encode(MARKS_EXPORT);
  out.u32(name.length);
  out.raw(name);
  out.byte(0x02);
  out.u32(1);
  return out.written();
}

/**
 * `wasm` with every write to its memory marking its block in the exported marks
 * memory; throws {@link WriteMarksError} when the module has an instruction or layout
 * this rewriter does not know.
 */
export function markWrites(wasm: Uint8Array): Uint8Array {
  const reader = new Reader(wasm, 8);
  const out = new Writer();
  out.raw(wasm.subarray(0, 8));
  let params: number[] = [];
  let types: number[] = [];
  let functionTables = new Set<number>();
  let sawMemory = false;
  let sawExport = false;
  while (reader.at < wasm.length) {
    const id = reader.byte();
    const size = reader.u32();
    let section = wasm.subarray(reader.at, reader.at + size);
    reader.skip(size);
    if (id === 1) params = parameterCounts(section);
    else if (id === 2) checkImports(section);
    else if (id === 3) types = functionTypes(section);
    else if (id === 5) {
      section = addMarksMemory(section);
      sawMemory = true;
    } else if (id === 7) {
      section = exportMarks(section);
      sawExport = true;
    } else if (id === 4) functionTables = tablesOfFunctions(section);
    else if (id === 10) section = rewriteCode(section, types, params, functionTables);
    out.byte(id);
    out.u32(section.length);
    out.raw(section);
  }
  if (!sawMemory || !sawExport) {
    throw new WriteMarksError("The module must define its memory and have exports");
  }
  return out.written().slice();
}
