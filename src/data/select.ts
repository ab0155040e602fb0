/**
 * Selecting records from a stream, the way dataset users expect: filters on the
 * dataset's own fields (`source=amc_aime`, `contest_date>=2024-08-01`), one shard of
 * `n` (`2/8`) so several pipelines can split one dataset, a seeded shuffle through a
 * bounded buffer (as `datasets`' `IterableDataset.shuffle`), and a limit. All of it
 * streams: nothing holds more than the shuffle buffer.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { seededRandom } from "../feedback/random.ts";

/** A comparison of `--where`. */
export type WhereOperator = "=" | "!=" | ">=" | "<=" | ">" | "<";

/** One `--where` condition: a field (dotted for nested fields), an operator, values. */
export interface WhereCondition {
  /** The record's field (dotted for nested fields, e.g. `meta.difficulty`). */
  field: string;
  /** How the field compares with the values. */
  op: WhereOperator;
  /** Alternatives for `=` and `!=` (`a|b`); one value otherwise. */
  values: readonly string[];
}

/** Which records to keep, in which order. */
export interface Selection {
  /** Every condition must hold. */
  where?: readonly WhereCondition[];
  /** Keep only the records whose position among the matching ones is `index` mod `count`. */
  shard?: { index: number; count: number };
  /** Shuffle through a buffer of this many records (0 or absent: no shuffle). */
  shuffleBuffer?: number;
  /** The shuffle's seed. Default 0. */
  seed?: number | string;
  /** At most this many records (after filtering, sharding and shuffling). */
  limit?: number;
}

/** The default shuffle buffer, in records (as `datasets`' default). */
export const DEFAULT_SHUFFLE_BUFFER = 1000;

/**
 * Parses a `--where` condition: `field=value`, `field=a|b`, `field!=value`, or
 * `field>=value` (also `<=`, `>`, `<`; numbers compare as numbers, anything else as
 * text, so ISO dates compare by date).
 *
 * @example A date window
 * ```ts
 * import { parseWhere } from "./select.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseWhere("contest_date>=2024-08-01"), {
 *   field: "contest_date",
 *   op: ">=",
 *   values: ["2024-08-01"],
 * });
 * ```
 */
export function parseWhere(text: string): WhereCondition {
  const match = /^([^=!<>]+?)\s*(!=|>=|<=|=|>|<)\s*(.*)$/s.exec(text);
  if (!match || match[1].trim() === "") {
    throw new ConfigError(
      `Invalid --where "${text}": expected field=value (also !=, >=, <=, >, <; a|b for either)`,
    );
  }
  const op = match[2] as WhereOperator;
  const values = op === "=" || op === "!=" ? match[3].split("|") : [match[3]];
  return { field: match[1].trim(), op, values };
}

/**
 * Parses a `--shard` value `i/n` (shard `i` of `n`, from 0).
 *
 * @example The third of four shards
 * ```ts
 * import { parseShard } from "./select.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new ConfigError(`Invalid --shard "${text}": expected i/n with 0 ≤ i < n, e.g. 0/4`);
  }
  return { index, count };
}

/** True when `record` meets the condition. A missing field meets only `!=`. */
export function matchesWhere(record: unknown, condition: WhereCondition): boolean {
  const value = fieldValue(record, condition.field);
  if (value === undefined || value === null) return condition.op === "!=";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  switch (condition.op) {
    case "=":
      return condition.values.some((v) => same(value, text, v));
    case "!=":
      return !condition.values.some((v) => same(value, text, v));
    default: {
      const order = compare(value, text, condition.values[0]);
      return condition.op === ">="
        ? order >= 0
        : condition.op === "<="
        ? order <= 0
        : condition.op === ">"
        ? order > 0
        : order < 0;
    }
  }
}

function fieldValue(record: unknown, field: string): unknown {
  if (record !== null && typeof record === "object" && field in record) {
    return (record as Record<string, unknown>)[field];
  }
  let value = record;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asNumber(value: unknown, text: string): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function same(value: unknown, text: string, wanted: string): boolean {
  const a = asNumber(value, text);
  const b = asNumber(wanted, wanted);
  return a !== undefined && b !== undefined ? a === b : text === wanted;
}

function compare(value: unknown, text: string, bound: string): number {
  const a = asNumber(value, text);
  const b = asNumber(bound, bound);
  if (a !== undefined && b !== undefined) return a - b;
  return text < bound ? -1 : text > bound ? 1 : 0;
}

/**
 * Streams the items of `source` that the selection keeps: those meeting every
 * `where` condition (on `fields(item)`), then those of the shard, then shuffled,
 * then at most `limit`. Shards of one source partition it: every matching item is
 * in exactly one shard, whatever the shuffle. The same seed gives the same order.
 *
 * @example Two shards partition a stream
 * ```ts
 * import { select } from "./select.ts";
 * import assert from "node:assert";
 * const rows = Array.from({ length: 10 }, (_, i) => ({ i, even: i % 2 === 0 }));
 * const where = [{ field: "even", op: "=", values: ["true"] }] as const;
 * const shard = async (index: number) =>
 *   (await Array.fromAsync(select(rows, { where, shard: { index, count: 2 } }, (r) => r)))
 *     .map((r) => r.i);
 * assert.deepEqual([await shard(0), await shard(1)], [[0, 4, 8], [2, 6]]);
 * ```
 */
export async function* select<T>(
  source: AsyncIterable<T> | Iterable<T>,
  selection: Selection,
  fields: (item: T) => unknown,
): AsyncGenerator<T> {
  const { where = [], shard, shuffleBuffer = 0, limit } = selection;
  if (limit !== undefined && limit <= 0) return;
  let matching = 0;
  let emitted = 0;
  const random = seededRandom("shuffle", selection.seed ?? 0);
  const buffer: Awaited<T>[] = [];
  for await (const item of source) {
    if (where.length && !where.every((c) => matchesWhere(fields(item), c))) continue;
    const position = matching++;
    if (shard && position % shard.count !== shard.index) continue;
    let out = item;
    if (shuffleBuffer > 0) {
      if (buffer.length < shuffleBuffer) {
        buffer.push(item);
        continue;
      }
      const j = random.int(buffer.length);
      out = buffer[j];
      buffer[j] = item;
    }
    yield out;
    if (limit !== undefined && ++emitted >= limit) return;
  }
  for (let i = buffer.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [buffer[i], buffer[j]] = [buffer[j], buffer[i]];
  }
  for (const item of buffer) {
    yield item;
    if (limit !== undefined && ++emitted >= limit) return;
  }
}
