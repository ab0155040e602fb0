/**
 * Query parameters of the server's routes, validated into numbers with errors that
 * name the parameter at fault (the server answers them with a 400).
 *
 * @module
 */
import { PfpoError } from "../errors.ts";
import { PAIR_LEVELS, type PairLevel } from "../model/pair.ts";

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

/**
 * Parses an optional probability parameter (a decimal number in [0, 1]);
 * `undefined` when absent.
 *
 * @example Read `min_confidence`
 * ```ts
 * import { parseProbabilityParam } from "./params.ts";
 * import assert from "node:assert";
 * assert.equal(parseProbabilityParam("min_confidence", "0.8"), 0.8);
 * assert.equal(parseProbabilityParam("min_confidence", undefined), undefined);
 * assert.throws(() => parseProbabilityParam("min_confidence", "2"), /"min_confidence"/);
 * ```
 */
export function parseProbabilityParam(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(raw)) {
    throw new ParamError(name, `must be a number between 0 and 1, got "${clip(raw)}"`);
  }
  const value = Number(raw);
  if (value > 1) throw new ParamError(name, `must be between 0 and 1, got ${clip(raw)}`);
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

/** Which pairs a reader wants: one level, or the replay mix of step and solution pairs. */
export interface LevelParams {
  level?: PairLevel;
  replayRatio?: number;
}

/**
 * Parses `level` (`step` or `solution`) and `replay_ratio` (every step pair plus
 * this share, 0–1, of the solution pairs); the two do not go together.
 *
 * @example Step pairs only, or the paper's mix
 * ```ts
 * import { parseLevelParams } from "./params.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseLevelParams("step", undefined), { level: "step" });
 * assert.deepEqual(parseLevelParams(undefined, "0.5"), { replayRatio: 0.5 });
 * assert.throws(() => parseLevelParams("steps", undefined), /"level"/);
 * ```
 */
export function parseLevelParams(
  levelRaw: string | undefined,
  replayRaw: string | undefined,
): LevelParams {
  if (levelRaw !== undefined && !(PAIR_LEVELS as readonly string[]).includes(levelRaw)) {
    throw new ParamError(
      "level",
      `must be one of ${PAIR_LEVELS.join(", ")}, got "${clip(levelRaw)}"`,
    );
  }
  if (replayRaw === undefined) {
    return levelRaw === undefined ? {} : { level: levelRaw as PairLevel };
  }
  if (levelRaw !== undefined) {
    throw new ParamError("replay_ratio", `mixes both levels and does not go with "level"`);
  }
  const ratio = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(replayRaw) ? Number(replayRaw) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new ParamError("replay_ratio", `must be a number from 0 to 1, got "${clip(replayRaw)}"`);
  }
  return { replayRatio: ratio };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
