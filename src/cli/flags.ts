/**
 * Command-line flags and JSON config files, declared once: `node:util` `parseArgs`
 * does the parsing (it stands in for `@std/cli`'s `parseArgs`), this module adds
 * types, ranges, choices, a config file that flags override, and `--help` text.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError, toError } from "../errors.ts";

/** One flag of a command. */
export type FlagSpec =
  | {
    type: "string";
    description: string;
    default?: string;
    choices?: readonly string[];
    short?: string;
    /** A credential: never written to files or served (see {@link withoutSecrets}). */
    secret?: boolean;
  }
  | {
    type: "number";
    description: string;
    default?: number;
    min?: number;
    max?: number;
    integer?: boolean;
  }
  | { type: "boolean"; description: string; default?: boolean; short?: string }
  | { type: "list"; description: string; default?: readonly string[] };

/** A command's flags by name (kebab-case, as typed on the command line). */
export type FlagSpecs = Record<string, FlagSpec>;

/** A flag's parsed value: a string flag with `choices` is one of them (a literal type). */
export type FlagValue<S extends FlagSpec> = S extends
  { type: "string"; choices: readonly (infer C)[] } ? C
  : S extends { type: "string" } ? string
  : S extends { type: "number" } ? number
  : S extends { type: "boolean" } ? boolean
  : string[];

/** Parsed values: flags with a default are always present. */
export type FlagValues<S extends FlagSpecs> =
  & { [K in keyof S as S[K] extends { default: unknown } ? K : never]: FlagValue<S[K]> }
  & { [K in keyof S as S[K] extends { default: unknown } ? never : K]?: FlagValue<S[K]> };

/**
 * The parsed values with every `secret` flag's value replaced by `"(set)"`: what a
 * run may write to `config.json` or serve in `/v1/stats`.
 *
 * @example A token is kept out of the stored configuration
 * ```ts
 * import { withoutSecrets } from "./flags.ts";
 * import assert from "node:assert";
 * const specs = {
 *   model: { type: "string", description: "Model" },
 *   token: { type: "string", description: "Token", secret: true },
 * } as const;
 * assert.deepEqual(withoutSecrets({ model: "m", token: "s3cret" }, specs), {
 *   model: "m",
 *   token: "(set)",
 * });
 * ```
 */
export function withoutSecrets<T extends Record<string, unknown>>(
  values: T,
  specs: FlagSpecs,
): T {
  const shown: Record<string, unknown> = { ...values };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "string" && spec.secret && shown[name] !== undefined) shown[name] = "(set)";
  }
  return shown as T;
}

/** Options for {@link parseFlags}. */
export interface ParseFlagsOptions {
  /** The flag naming a JSON config file whose keys are flag names. Default `"config"`. */
  configFlag?: string;
  /** Reads the config file (injectable for tests). Default `Deno.readTextFileSync`. */
  readFile?: (path: string) => string;
}

/**
 * Parses `args` against `specs`. A JSON config file (`--config FILE`) may give any
 * flag by name (kebab-case or snake_case); flags on the command line override it.
 * Unknown flags, unknown config keys and bad values throw a {@link ConfigError}
 * that names them.
 *
 * @example Parse flags with defaults
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * import assert from "node:assert";
 * const specs = {
 *   samples: { type: "number", description: "Samples per problem", default: 8, min: 1 },
 *   model: { type: "string", description: "Model name" },
 * } as const;
 * const values = parseFlags(["--samples", "4"], specs);
 * assert.equal(values.samples, 4);
 * assert.equal(values.model, undefined);
 * ```
 */
export function parseFlags<S extends FlagSpecs>(
  args: string[],
  specs: S,
  options: ParseFlagsOptions = {},
): FlagValues<S> & { help: boolean; positionals: string[] } {
  const configFlag = options.configFlag ?? "config";
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {
    help: { type: "boolean", short: "h" },
    [configFlag]: { type: "string" },
  };
  for (const [name, spec] of Object.entries(specs)) {
    parseOptions[name] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      ...(spec.type === "list" ? { multiple: true } : {}),
      ...("short" in spec && spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: parseOptions, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = unknownFlag(args, parseOptions);
    if (unknown) throw new ConfigError(unknown);
    throw new ConfigError(`Invalid command line: ${toError(error).message}`);
  }
  const fromFile = typeof parsed.values[configFlag] === "string"
    ? readConfig(parsed.values[configFlag] as string, specs, options.readFile)
    : {};
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = parsed.values[name];
    if (raw !== undefined) values[name] = coerce(name, spec, raw, `--${name}`);
    else if (name in fromFile) {
      values[name] = coerce(name, spec, fromFile[name], `"${name}" in the config file`);
    } else if (spec.default !== undefined) values[name] = spec.default;
  }
  return {
    ...(values as FlagValues<S>),
    help: parsed.values.help === true,
    positionals: parsed.positionals,
  };
}

/** The message for the first unknown `--flag` of `args`, with the closest known one. */
function unknownFlag(args: string[], known: Record<string, unknown>): string | undefined {
  for (const arg of args) {
    if (arg === "--") return undefined;
    if (!arg.startsWith("--")) continue;
    const name = arg.slice(2).split("=")[0];
    if (name in known) continue;
    const near = closestName(name, Object.keys(known));
    return `Unknown flag --${name}${near ? `: did you mean --${near}?` : ""}`;
  }
  return undefined;
}

/**
 * The candidate closest to `name` by edit distance (a typo, a missing or extra
 * letter, swapped letters), or `undefined` when none is close: at most a third of
 * the name's letters may differ (at least 2).
 *
 * @example Suggest a flag for a typo
 * ```ts
 * import { closestName } from "./flags.ts";
 * import assert from "node:assert";
 * assert.equal(closestName("sampels", ["samples", "seed", "model"]), "samples");
 * assert.equal(closestName("frobnicate", ["samples", "seed"]), undefined);
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(name) && name.length >= 3
      ? 1
      : editDistance(name, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Damerau–Levenshtein distance (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

function readConfig(
  path: string,
  specs: FlagSpecs,
  readFile: (path: string) => string = Deno.readTextFileSync,
): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFile(path));
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${toError(error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`Cannot read config file ${path}: it must hold a JSON object`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const name = key.replaceAll("_", "-");
    if (!(name in specs)) {
      const near = closestName(name, Object.keys(specs));
      throw new ConfigError(
        `Cannot read config file ${path}: unknown key "${key}"${
          near ? `; did you mean "${near}"?` : ""
        }`,
      );
    }
    out[name] = value;
  }
  return out;
}

function coerce(name: string, spec: FlagSpec, raw: unknown, where: string): unknown {
  const bad = (detail: string) => new ConfigError(`Invalid value for ${where}: ${detail}`);
  switch (spec.type) {
    case "boolean":
      if (typeof raw !== "boolean") throw bad(`expected true or false, got ${JSON.stringify(raw)}`);
      return raw;
    case "list": {
      const items = Array.isArray(raw) ? raw : [raw];
      if (!items.every((item) => typeof item === "string")) throw bad("expected strings");
      return items;
    }
    case "string": {
      if (typeof raw !== "string") throw bad(`expected a string, got ${JSON.stringify(raw)}`);
      if (spec.choices && !spec.choices.includes(raw)) {
        throw bad(`"${raw}" is not one of ${spec.choices.join(", ")}`);
      }
      return raw;
    }
    case "number": {
      const value = typeof raw === "number"
        ? raw
        : typeof raw === "string" && raw.trim() !== ""
        ? Number(raw)
        : NaN;
      if (!Number.isFinite(value)) throw bad(`expected a number, got ${JSON.stringify(raw)}`);
      if (spec.integer && !Number.isInteger(value)) {
        throw bad(`expected a whole number, got ${value}`);
      }
      if (spec.min !== undefined && value < spec.min) {
        throw bad(`must be at least ${spec.min}, got ${value}`);
      }
      if (spec.max !== undefined && value > spec.max) {
        throw bad(`must be at most ${spec.max}, got ${value}`);
      }
      return value;
    }
  }
  throw new ConfigError(`Unknown flag type for --${name}`);
}

/**
 * Formats `--help` text: every flag with its value type, default and description.
 *
 * @example Describe a flag
 * ```ts
 * import { formatHelp } from "./flags.ts";
 * import assert from "node:assert";
 * const text = formatHelp("Usage: run", { seed: { type: "number", description: "Seed", default: 0 } });
 * assert.match(text, /--seed N\s+Seed \(default: 0\)/);
 * ```
 */
export function formatHelp(usage: string, specs: FlagSpecs, configFlag = "config"): string {
  const rows: [string, string][] = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === "boolean"
      ? ""
      : spec.type === "number"
      ? " N"
      : spec.type === "list"
      ? " VALUE (repeatable)"
      : spec.choices
      ? ` ${spec.choices.join("|")}`
      : " VALUE";
    const shown =
      spec.default === undefined || (Array.isArray(spec.default) && spec.default.length === 0)
        ? ""
        : ` (default: ${Array.isArray(spec.default) ? spec.default.join(", ") : spec.default})`;
    return [`--${name}${value}`, `${spec.description}${shown}`];
  });
  rows.push([
    `--${configFlag} FILE`,
    "JSON file of flag values (keys are flag names); flags override it",
  ]);
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.min(34, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const lines = rows.map(([flag, text]) =>
    flag.length + 2 > width
      ? `  ${flag}\n  ${" ".repeat(width)}${text}`
      : `  ${flag.padEnd(width)}${text}`
  );
  return `${usage}\n\nOptions:\n${lines.join("\n")}\n`;
}
