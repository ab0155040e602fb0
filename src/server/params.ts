/**
 * Query parameters of the server's routes, validated into numbers with errors that
 * name the parameter at fault (the server answers them with a 400).
 *
 * @module
 */
import { PfpoError } from "../errors.ts";

/** A request parameter is missing or invalid; `parameter` names it. */
export class ParamError extends PfpoError {
  /** The name of the offending parameter, e.g. `after`. */
  readonly parameter: string;
  /** Creates an error for `parameter` with a detail message. */
  constructor(parameter: string, detail: string) {
    super(`Invalid parameter "${parameter}": ${detail}`);
    this.parameter = parameter;
  }
}

/** Bounds for {@link parseIntParam}. */
export interface IntParamOptions {
  /** Value when the parameter is absent. */
  fallback: number;
  /** Smallest accepted value. Default 0. */
  min?: number;
  /** Largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/**
 * Parses an integer parameter written in decimal digits, within bounds.
 *
 * @example Read `limit` with a default
 * ```ts
 * import { parseIntParam } from "./params.ts";
 * import assert from "node:assert";
 * assert.equal(parseIntParam("limit", undefined, { fallback: 100 }), 100);
 * assert.equal(parseIntParam("limit", "7", { fallback: 100 }), 7);
 * assert.throws(() => parseIntParam("limit", "-1", { fallback: 100 }), /"limit"/);
 * ```
 */
export function parseIntParam(
  name: string,
  raw: string | undefined,
  options: IntParamOptions,
): number {
  const { fallback, min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ParamError(name, `must be an integer, got "${clip(raw)}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ParamError(name, `must be between ${min} and ${max}, got ${clip(raw)}`);
  }
  return value;
}

/** A reader's shard of the pair log: pairs with `seq % shards == shard`. */
export interface ShardParams {
  shard: number;
  shards: number;
}

/** Most shards a reader may ask for. */
export const MAX_SHARDS = 4096;

/**
 * Parses `shard` and `shards` together: both absent means no sharding, and `shard`
 * must be below `shards`.
 *
 * @example Split the log in two
 * ```ts
 * import { parseShardParams } from "./params.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseShardParams("1", "2"), { shard: 1, shards: 2 });
 * assert.deepEqual(parseShardParams(undefined, undefined), { shard: 0, shards: 1 });
 * assert.throws(() => parseShardParams("2", "2"), /"shard"/);
 * ```
 */
export function parseShardParams(
  shardRaw: string | undefined,
  shardsRaw: string | undefined,
): ShardParams {
  if (shardRaw !== undefined && shardsRaw === undefined) {
    throw new ParamError("shards", `is required with "shard"`);
  }
  const shards = parseIntParam("shards", shardsRaw, { fallback: 1, min: 1, max: MAX_SHARDS });
  const shard = parseIntParam("shard", shardRaw, { fallback: 0, max: shards - 1 });
  return { shard, shards };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
