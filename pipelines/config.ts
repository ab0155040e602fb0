/**
 * The configuration of `deno task pipeline` and `deno task worker`: their flags (and
 * `--config` file) parsed once, checked, typed and named in camelCase. Recipes and
 * entry points read this, never the raw flags; a flag with choices is one of them.
 *
 * @module
 */
import {
  ConfigError,
  type EarlyStopRuleName,
  parseFlags,
  type ParseFlagsOptions,
  parseShard,
  parseWhere,
  type ProblemFormat,
  withoutSecrets,
} from "../mod.ts";
import { PIPELINE_FLAGS, type PipelineFlags, type RecipeName, WORKER_FLAGS } from "./flags.ts";

/** Every setting of a pipeline run, by its flag's name in camelCase. */
export interface PipelineConfig {
  /** Recipe to run; all: every recipe the inputs allow (default "all") (`--recipe`). */
  recipe: RecipeName | "all";
  /** Iteration schedule (JSON); with --iteration K runs that iteration into its own run directory (`--schedule`). */
  schedule?: string;
  /** Iteration of --schedule to run, from 0 (refused before the previous one finished) (`--iteration`). */
  iteration?: number;
  /** Problems: a JSONL or Parquet file, a folder or quoted glob of shards, or an APPS folder (formats: see README) (`--problems`). */
  problems: string;
  /** Problems format; detected when absent (`--format`). */
  format?: ProblemFormat;
  /** Use at most N problems (after --where, --shard, --shuffle) (`--limit`). */
  limit?: number;
  /** Keep records whose field matches, e.g. source=amc_aime, lang=python, contest_date>=2024-08-01 (=, !=, >=, <=, >, <; a|b) (`--where`). */
  where: string[];
  /** Use shard i of n (i/n, from 0): pipelines with 0/n … n-1/n split the problems (`--shard`). */
  shard?: string;
  /** Shuffle the problems (seeded by --seed) through a buffer (`--shuffle`). */
  shuffle: boolean;
  /** Problems held by --shuffle (memory bound; ≥ the set's size for a full shuffle) (default 1000) (`--shuffle-buffer`). */
  shuffleBuffer: number;
  /** Skip (and count) malformed problem or sample lines instead of stopping (`--skip-malformed`). */
  skipMalformed: boolean;
  /** Run directory (database, pairs, summary) (default "runs/default") (`--run`). */
  run: string;
  /** Also export pairs.parquet (TRL's prompt, chosen, rejected + provenance) (`--pairs-parquet`). */
  pairsParquet: boolean;
  /** Seed of every random choice (pairs, sampling seeds) (default 0) (`--seed`). */
  seed: number;
  /** Recorded completions (JSONL) instead of a live server; the default run uses the examples' (`--samples`). */
  samples?: string;
  /** OpenAI-compatible server of the policy model, e.g. http://localhost:8000/v1; repeat for replicas (least in flight first) (`--base-url`). */
  baseUrl?: string[];
  /** Policy model name on that server (`--model`). */
  model?: string;
  /** API key (default: OPENAI_API_KEY, else none) (`--api-key`). */
  apiKey?: string;
  /** Policy API (default "chat") (`--api`). */
  api: "chat" | "completions";
  /** System message for chat requests (`--system-prompt`). */
  systemPrompt?: string;
  /** Samples per problem at most (the paper: 10) (default 10) (`--n`). */
  n: number;
  /** Samples drawn per window (default: n, one window) (`--window`). */
  window?: number;
  /** Math early-stop rule between windows (default "fixed") (`--early-stop`). */
  earlyStop: EarlyStopRuleName;
  /** Adaptive-Consistency stop probability (default 0.95) (`--threshold`). */
  threshold: number;
  /** Sampling temperature (the paper: 1.0) (default 1) (`--temperature`). */
  temperature: number;
  /** Nucleus sampling (the paper: 0.9 for math) (`--top-p`). */
  topP?: number;
  /** Completion tokens at most (default 2048) (`--max-tokens`). */
  maxTokens: number;
  /** Stop sequence for requests (`--stop`). */
  stop: string[];
  /** How n samples are requested (single: servers rejecting n > 1) (default "auto") (`--n-mode`). */
  nMode: "auto" | "multi" | "single";
  /** Requests in flight at most (default 16) (`--max-in-flight`). */
  maxInFlight: number;
  /** Tokens per minute at most (`--tokens-per-minute`). */
  tokensPerMinute?: number;
  /** Retries of a failed request (429, 5xx, timeouts, broken connections) (default 6) (`--max-retries`). */
  maxRetries: number;
  /** Per-request timeout (ms) (default 600000) (`--request-timeout`). */
  requestTimeout: number;
  /** OpenAI-compatible server of the frontier model (`--frontier-base-url`). */
  frontierBaseUrl?: string;
  /** Frontier model name (`--frontier-model`). */
  frontierModel?: string;
  /** Frontier API key (default: OPENAI_API_KEY) (`--frontier-api-key`). */
  frontierApiKey?: string;
  /** Recorded frontier completions (JSONL) instead of a frontier server; the default run uses the examples' (`--frontier-samples`). */
  frontierSamples?: string;
  /** code-frontier: frontier test cases, or the majority output of its own programs (default "cases") (`--frontier-tests`). */
  frontierTests: "cases" | "solutions";
  /** Test inputs or cases to ask the frontier model for (default 10) (`--test-count`). */
  testCount: number;
  /** Frontier programs per problem (solutions mode) (default 5) (`--frontier-solutions`). */
  frontierSolutions: number;
  /** How a completion becomes a program: chat (fenced block) or continuation (prompt + completion, cut at stops) (default "auto") (`--completion`). */
  completion: "auto" | "chat" | "continuation";
  /** Stop sequence cutting a continuation (default: \nclass \ndef \n# \nif \nprint) (`--program-stop`). */
  programStop: string[];
  /** Wall-clock limit per execution (ms) (default 5000) (`--timeout-ms`). */
  timeoutMs: number;
  /** Memory limit per execution (MiB) (default 512) (`--memory-mb`). */
  memoryMb: number;
  /** Sandbox processes (default: core count) (`--pool-size`). */
  poolSize?: number;
  /** Run programs on remote workers through this NATS JetStream broker (nats://HOST:4222) (`--nats`). */
  nats?: string;
  /** Token the NATS broker requires (`--nats-token`). */
  natsToken?: string;
  /** Time a worker has to answer or extend a job before it is redelivered (ms) (default 30000) (`--nats-ack-wait`). */
  natsAckWait: number;
  /** Deliveries of one job at most, then its inputs get sandbox_error (default 5) (`--nats-max-deliver`). */
  natsMaxDeliver: number;
  /** Program jobs sent to the workers and not yet answered, at most (default 256) (`--nats-outstanding`). */
  natsOutstanding: number;
  /** Fewest ok runs a test input needs to be kept (`--min-runs`). */
  minRuns?: number;
  /** Labelling rules: default; confident (default labels, pairs at confidence 0.3 or more for code, 0.5 for math, unless --min-confidence); paper (the paper's scripts, first iteration); paper-oss (later iterations: min 5 runs, empty outputs do not vote) (default "default") (`--rules`). */
  rules: "default" | "confident" | "paper" | "paper-oss";
  /** Pairs whose confidence (P chosen right and rejected wrong) is lower are not written (default 0) (`--min-confidence`). */
  minConfidence: number;
  /** Code: smallest score gap of a pair (default: 6, for self-consistency and frontier tests) (`--margin`). */
  margin?: number;
  /** Code: share of tests a chosen sample passes (default 0.5) (`--min-pass`). */
  minPass?: number;
  /** Math pairs: one random pair per problem, or each positive with a random negative (default "one") (`--pair-mode`). */
  pairMode: "one" | "each_positive";
  /** Pairs per problem at most (default 64) (`--pair-cap`). */
  pairCap: number;
  /** Smallest vote share a label needs to be kept (default 0) (`--min-share`). */
  minShare: number;
  /** Recorded prefix completions (JSONL, problem_id = prefix id); the default run uses the examples' (`--step-samples`). */
  stepSamples?: string;
  /** How a prefix is continued: completions (prompt + prefix) or chat (continue_final_message); auto: --api (default "auto") (`--step-api`). */
  stepApi: "auto" | "completions" | "chat";
  /** Completions per prefix (the paper: 3; 5 on its first code iteration) (default 3) (`--step-completions`). */
  stepCompletions: number;
  /** Nucleus sampling of prefix completions (the paper: 0.9) (default 0.9) (`--step-top-p`). */
  stepTopP: number;
  /** Share of a solution's first steps that may end a prefix (default 0.7 math, 0.8 code) (`--step-upper-ratio`). */
  stepUpperRatio?: number;
  /** Share of those steps drawn as cut points (the paper: 0.3) (default 0.3) (`--step-sample-ratio`). */
  stepSampleRatio: number;
  /** Fewest steps (non-empty lines) a solution needs to give prefixes (default 5) (`--step-min-steps`). */
  stepMinSteps: number;
  /** Most prefixes per problem (default 10 math, 20 code) (`--step-prefixes`). */
  stepPrefixes?: number;
  /** Math: completions reaching the label that make a prefix positive (2; later iterations 1) (default 2) (`--step-threshold`). */
  stepThreshold: number;
  /** Math step pairs: one per problem (negative among the nearest in steps), or each positive with a random negative (default "one") (`--step-pair-mode`). */
  stepPairMode: "one" | "each_positive";
  /** Math step pairs, mode one: negatives nearest in steps to draw from (default 5) (`--step-closest`). */
  stepClosest: number;
  /** Code step pairs: share of the tests a chosen prefix's value reaches (the paper: 0.5) (default 0.5) (`--step-min-pass`). */
  stepMinPass: number;
  /** Code step pairs: a rejected prefix's value is lower by more than this (the paper: 4) (default 4) (`--step-margin`). */
  stepMargin: number;
  /** Code: a prefix's value is its completions' average (or maximum) pass count (default "avg") (`--step-reduction`). */
  stepReduction: "avg" | "max";
  /** Math: stop a prefix's completions once its class is decided (off: the paper's) (`--step-early-stop`). */
  stepEarlyStop: boolean;
  /** Do not start the live server (`--no-serve`). */
  noServe: boolean;
  /** Server address (non-loopback needs --token) (default "127.0.0.1") (`--host`). */
  host: string;
  /** Server port (0: any free port) (default 8787) (`--port`). */
  port: number;
  /** Bearer token the server requires (default: PFPO_TOKEN) (`--token`). */
  token?: string;
  /** Keep serving after the run ends, until Ctrl-C (`--keep-serving`). */
  keepServing: boolean;
}

/** The settings of `deno task worker`, by its flag's name in camelCase. */
export interface WorkerConfig {
  /** The NATS JetStream broker the pipeline uses (nats://HOST:4222) (required) (`--nats`). */
  nats: string;
  /** Token the broker requires (`--token`). */
  token?: string;
  /** Sandbox processes (default: core count) (`--pool-size`). */
  poolSize?: number;
  /** Largest memory limit a job may ask for (MiB) (default 512) (`--memory-mb`). */
  memoryMb: number;
  /** Worker id in heartbeats (default: host-pid) (`--id`). */
  id?: string;
  /** Seconds between health lines (default 30) (`--health-every`). */
  healthEvery: number;
}

/** A kebab-case flag name in camelCase. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/**
 * Parsed flags under their camelCase names (what {@link PipelineConfig} must equal
 * for the pipeline's flags).
 */
export type CamelFlags<F = PipelineFlags> = {
  [K in keyof F as CamelCase<K & string>]: F[K];
};

/** The flags of `deno task pipeline`'s command line, parsed once. */
export interface PipelineArgs {
  /** `--help` was given: show the flags and run nothing. */
  help: boolean;
  /** Every setting of the run. */
  config: PipelineConfig;
  /**
   * The settings under their flag names, credentials written `"(set)"`: what the
   * run stores in `config.json` and serves in `/v1/stats`.
   */
  shown: PipelineFlags;
}

/**
 * Parses `deno task pipeline`'s command line (and its `--config` file) into its
 * typed configuration. A bad value, a positional argument, `--iteration` without
 * `--schedule` (or the other way round), a malformed `--shard` or `--where`, or a
 * `--base-url` that is not an http(s) URL throws a `ConfigError` naming the flag.
 *
 * @example Flags become typed settings
 * ```ts
 * import { parsePipelineArgs } from "./config.ts";
 * import assert from "node:assert";
 * const { config } = parsePipelineArgs(["--recipe", "gold", "--min-share", "0.6"]);
 * assert.equal(config.recipe, "gold");
 * assert.equal(config.minShare, 0.6);
 * assert.throws(() => parsePipelineArgs(["--shard", "4/4"]), /Invalid --shard "4\/4"/);
 * ```
 */
export function parsePipelineArgs(args: string[], options: ParseFlagsOptions = {}): PipelineArgs {
  const { help, positionals, ...flags } = parseFlags(args, PIPELINE_FLAGS, options);
  refusePositionals(positionals);
  // Checked in config_test.ts: CamelFlags and PipelineConfig are the same type.
  const config: PipelineConfig = camelCased(flags);
  checkPipelineConfig(config);
  return { help, config, shown: withoutSecrets(flags, PIPELINE_FLAGS) };
}

/** The flags of `deno task worker`'s command line, parsed once. */
export type WorkerArgs = { help: true } | { help: false; config: WorkerConfig };

/**
 * Parses `deno task worker`'s command line into its typed configuration; a bad
 * value, a positional argument or a missing `--nats` throws a `ConfigError`
 * naming the flag.
 *
 * @example The broker is required
 * ```ts
 * import { parseWorkerArgs } from "./config.ts";
 * import assert from "node:assert";
 * const args = parseWorkerArgs(["--nats", "nats://127.0.0.1:4222", "--pool-size", "4"]);
 * assert.ok(!args.help && args.config.poolSize === 4);
 * assert.throws(() => parseWorkerArgs([]), /Missing --nats/);
 * ```
 */
export function parseWorkerArgs(args: string[], options: ParseFlagsOptions = {}): WorkerArgs {
  const { help, positionals, ...flags } = parseFlags(args, WORKER_FLAGS, options);
  if (help) return { help };
  refusePositionals(positionals);
  const { nats, ...rest } = camelCased(flags);
  if (nats === undefined) {
    throw new ConfigError("Missing --nats: the broker's address, e.g. nats://HOST:4222");
  }
  return { help, config: { nats, ...rest } };
}

/** `flags` under their camelCase names. */
function camelCased<F extends object>(flags: F): CamelFlags<F> {
  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flags)) {
    config[name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return config as CamelFlags<F>;
}

function refusePositionals(positionals: readonly string[]): void {
  if (positionals.length) {
    throw new ConfigError(
      `Unexpected argument "${positionals[0]}": every setting is a flag (see --help)`,
    );
  }
}

/** The checks of values that the flags' types alone do not make. */
function checkPipelineConfig(config: PipelineConfig): void {
  if (config.iteration !== undefined && config.schedule === undefined) {
    throw new ConfigError("Unexpected --iteration: it goes with --schedule FILE");
  }
  if (config.schedule !== undefined && config.iteration === undefined) {
    throw new ConfigError("Missing --iteration: --schedule runs one iteration at a time (from 0)");
  }
  if (config.shard !== undefined) parseShard(config.shard);
  config.where.forEach(parseWhere);
  for (const url of config.baseUrl ?? []) checkHttpUrl("--base-url", url);
  if (config.frontierBaseUrl !== undefined) {
    checkHttpUrl("--frontier-base-url", config.frontierBaseUrl);
  }
}

function checkHttpUrl(flag: string, text: string): void {
  if (!/^https?:$/.test(URL.parse(text)?.protocol ?? "")) {
    throw new ConfigError(
      `Invalid value for ${flag}: "${text}" is not an http(s) URL, e.g. http://localhost:8000/v1`,
    );
  }
}
