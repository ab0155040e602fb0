/**
 * The flags of `deno task pipeline`, shared by every recipe, and of `deno task
 * worker`. A JSON config file (`--config FILE`) may give any of them by name; flags
 * override it.
 *
 * @module
 */
import { DEFAULT_LIMITS, EARLY_STOP_RULES, type FlagValues, PROBLEM_FORMATS } from "../mod.ts";

/** The recipes, by their `--recipe` name. */
export const RECIPES = [
  "math-self-consistency",
  "math-frontier",
  "code-self-consistency",
  "code-frontier",
  "gold",
  "eval",
  "math-step-self-consistency",
  "math-step-frontier",
  "code-step-self-consistency",
  "code-step-frontier",
] as const;
/** A recipe name. */
export type RecipeName = typeof RECIPES[number];

const EXAMPLES = new URL("./examples/", import.meta.url).pathname;

/** Every flag of `deno task pipeline`. */
export const PIPELINE_FLAGS = {
  recipe: {
    type: "string",
    description: "Recipe to run; all: every recipe the inputs allow",
    choices: [...RECIPES, "all"],
    default: "all",
  },
  schedule: {
    type: "string",
    description:
      "Iteration schedule (JSON); with --iteration K runs that iteration into its own run directory",
  },
  iteration: {
    type: "number",
    description:
      "Iteration of --schedule to run, from 0 (refused before the previous one finished)",
    min: 0,
    integer: true,
  },
  problems: {
    type: "string",
    description:
      "Problems: a JSONL or Parquet file, a folder or quoted glob of shards, or an APPS folder (formats: see README)",
    default: `${EXAMPLES}problems.jsonl`,
  },
  format: {
    type: "string",
    description: "Problems format; detected when absent",
    choices: PROBLEM_FORMATS,
  },
  limit: {
    type: "number",
    description: "Use at most N problems (after --where, --shard, --shuffle)",
    min: 1,
    integer: true,
  },
  where: {
    type: "list",
    description:
      "Keep records whose field matches, e.g. source=amc_aime, lang=python, contest_date>=2024-08-01 (=, !=, >=, <=, >, <; a|b)",
    default: [],
  },
  shard: {
    type: "string",
    description: "Use shard i of n (i/n, from 0): pipelines with 0/n … n-1/n split the problems",
  },
  shuffle: {
    type: "boolean",
    description: "Shuffle the problems (seeded by --seed) through a buffer",
    default: false,
  },
  "shuffle-buffer": {
    type: "number",
    description: "Problems held by --shuffle (memory bound; ≥ the set's size for a full shuffle)",
    default: 1000,
    min: 1,
    integer: true,
  },
  "skip-malformed": {
    type: "boolean",
    description: "Skip (and count) malformed problem or sample lines instead of stopping",
    default: false,
  },
  run: {
    type: "string",
    description: "Run directory (database, pairs, summary)",
    default: "runs/default",
  },
  "pairs-parquet": {
    type: "boolean",
    description: "Also export pairs.parquet (TRL's prompt, chosen, rejected + provenance)",
    default: false,
  },
  seed: {
    type: "number",
    description: "Seed of every random choice (pairs, sampling seeds)",
    default: 0,
    integer: true,
  },
  // Policy samples
  samples: {
    type: "string",
    description:
      "Recorded completions (JSONL) instead of a live server; the default run uses the examples'",
  },
  "base-url": {
    type: "list",
    description:
      "OpenAI-compatible server of the policy model, e.g. http://localhost:8000/v1; repeat for replicas (least in flight first)",
  },
  model: { type: "string", description: "Policy model name on that server" },
  "api-key": {
    type: "string",
    description: "API key (default: OPENAI_API_KEY, else none)",
    secret: true,
  },
  api: {
    type: "string",
    description: "Policy API",
    choices: ["chat", "completions"],
    default: "chat",
  },
  "system-prompt": { type: "string", description: "System message for chat requests" },
  n: {
    type: "number",
    description: "Samples per problem at most (the paper: 10)",
    default: 10,
    min: 1,
    integer: true,
  },
  window: {
    type: "number",
    description: "Samples drawn per window (default: n, one window)",
    min: 1,
    integer: true,
  },
  "early-stop": {
    type: "string",
    description: "Math early-stop rule between windows",
    choices: EARLY_STOP_RULES,
    default: "fixed",
  },
  threshold: {
    type: "number",
    description: "Adaptive-Consistency stop probability",
    default: 0.95,
    min: 0,
    max: 1,
  },
  temperature: {
    type: "number",
    description: "Sampling temperature (the paper: 1.0)",
    default: 1,
    min: 0,
  },
  "top-p": {
    type: "number",
    description: "Nucleus sampling (the paper: 0.9 for math)",
    min: 0,
    max: 1,
  },
  "max-tokens": {
    type: "number",
    description: "Completion tokens at most",
    default: 2048,
    min: 1,
    integer: true,
  },
  stop: { type: "list", description: "Stop sequence for requests", default: [] },
  "n-mode": {
    type: "string",
    description: "How n samples are requested (single: servers rejecting n > 1)",
    choices: ["auto", "multi", "single"],
    default: "auto",
  },
  "max-in-flight": {
    type: "number",
    description: "Requests in flight at most",
    default: 16,
    min: 1,
    integer: true,
  },
  "tokens-per-minute": { type: "number", description: "Tokens per minute at most", min: 1 },
  "max-retries": {
    type: "number",
    description: "Retries of a failed request (429, 5xx, timeouts, broken connections)",
    default: 6,
    min: 0,
    integer: true,
  },
  "request-timeout": {
    type: "number",
    description: "Per-request timeout (ms)",
    default: 600_000,
    min: 1,
  },
  // Frontier model
  "frontier-base-url": {
    type: "string",
    description: "OpenAI-compatible server of the frontier model",
  },
  "frontier-model": { type: "string", description: "Frontier model name" },
  "frontier-api-key": {
    type: "string",
    description: "Frontier API key (default: OPENAI_API_KEY)",
    secret: true,
  },
  "frontier-samples": {
    type: "string",
    description:
      "Recorded frontier completions (JSONL) instead of a frontier server; the default run uses the examples'",
  },
  "frontier-tests": {
    type: "string",
    description: "code-frontier: frontier test cases, or the majority output of its own programs",
    choices: ["cases", "solutions"],
    default: "cases",
  },
  "test-count": {
    type: "number",
    description: "Test inputs or cases to ask the frontier model for",
    default: 10,
    min: 1,
    integer: true,
  },
  "frontier-solutions": {
    type: "number",
    description: "Frontier programs per problem (solutions mode)",
    default: 5,
    min: 1,
    integer: true,
  },
  // Code
  completion: {
    type: "string",
    description:
      "How a completion becomes a program: chat (fenced block) or continuation (prompt + completion, cut at stops)",
    choices: ["auto", "chat", "continuation"],
    default: "auto",
  },
  "program-stop": {
    type: "list",
    description:
      "Stop sequence cutting a continuation (default: \\nclass \\ndef \\n# \\nif \\nprint)",
    default: [],
  },
  "timeout-ms": {
    type: "number",
    description: "Wall-clock limit per execution (ms)",
    default: 5000,
    min: 1,
  },
  "memory-mb": {
    type: "number",
    description: "Memory limit per execution (MiB)",
    default: 512,
    min: 16,
  },
  "pool-size": {
    type: "number",
    description: "Sandbox processes (default: core count)",
    min: 1,
    integer: true,
  },
  // Scale-out
  nats: {
    type: "string",
    description:
      "Run programs on remote workers through this NATS JetStream broker (nats://HOST:4222)",
  },
  "nats-token": { type: "string", description: "Token the NATS broker requires", secret: true },
  "nats-ack-wait": {
    type: "number",
    description: "Time a worker has to answer or extend a job before it is redelivered (ms)",
    default: 30000,
    min: 100,
    integer: true,
  },
  "nats-max-deliver": {
    type: "number",
    description: "Deliveries of one job at most, then its inputs get sandbox_error",
    default: 5,
    min: 1,
    integer: true,
  },
  "nats-outstanding": {
    type: "number",
    description: "Program jobs sent to the workers and not yet answered, at most",
    default: 256,
    min: 1,
    integer: true,
  },
  "min-runs": {
    type: "number",
    description: "Fewest ok runs a test input needs to be kept",
    min: 1,
    integer: true,
  },
  // Labels and pairs
  rules: {
    type: "string",
    description:
      "Labelling rules: default; confident (default labels, pairs at confidence 0.3 or more for code, 0.5 for math, unless --min-confidence); paper (the paper's scripts, first iteration); paper-oss (later iterations: min 5 runs, empty outputs do not vote)",
    choices: ["default", "confident", "paper", "paper-oss"],
    default: "default",
  },
  "min-confidence": {
    type: "number",
    description:
      "Pairs whose confidence (P chosen right and rejected wrong) is lower are not written",
    default: 0,
    min: 0,
    max: 1,
  },
  margin: {
    type: "number",
    description:
      "Code: smallest score gap of a pair (default: 6, for self-consistency and frontier tests)",
    min: 0,
  },
  "min-pass": {
    type: "number",
    description: "Code: share of tests a chosen sample passes (default 0.5)",
    min: 0,
    max: 1,
  },
  "pair-mode": {
    type: "string",
    description: "Math pairs: one random pair per problem, or each positive with a random negative",
    choices: ["one", "each_positive"],
    default: "one",
  },
  "pair-cap": {
    type: "number",
    description: "Pairs per problem at most",
    default: 64,
    min: 1,
    integer: true,
  },
  "min-share": {
    type: "number",
    description: "Smallest vote share a label needs to be kept",
    default: 0,
    min: 0,
    max: 1,
  },
  // Step level (prefix pairs)
  "step-samples": {
    type: "string",
    description:
      "Recorded prefix completions (JSONL, problem_id = prefix id); the default run uses the examples'",
  },
  "step-api": {
    type: "string",
    description:
      "How a prefix is continued: completions (prompt + prefix) or chat (continue_final_message); auto: --api",
    choices: ["auto", "completions", "chat"],
    default: "auto",
  },
  "step-completions": {
    type: "number",
    description: "Completions per prefix (the paper: 3; 5 on its first code iteration)",
    default: 3,
    min: 1,
    integer: true,
  },
  "step-top-p": {
    type: "number",
    description: "Nucleus sampling of prefix completions (the paper: 0.9)",
    default: 0.9,
    min: 0,
    max: 1,
  },
  "step-upper-ratio": {
    type: "number",
    description:
      "Share of a solution's first steps that may end a prefix (default 0.7 math, 0.8 code)",
    min: 0,
    max: 1,
  },
  "step-sample-ratio": {
    type: "number",
    description: "Share of those steps drawn as cut points (the paper: 0.3)",
    default: 0.3,
    min: 0,
    max: 1,
  },
  "step-min-steps": {
    type: "number",
    description: "Fewest steps (non-empty lines) a solution needs to give prefixes",
    default: 5,
    min: 1,
    integer: true,
  },
  "step-prefixes": {
    type: "number",
    description: "Most prefixes per problem (default 10 math, 20 code)",
    min: 1,
    integer: true,
  },
  "step-threshold": {
    type: "number",
    description:
      "Math: completions reaching the label that make a prefix positive (2; later iterations 1)",
    default: 2,
    min: 1,
    integer: true,
  },
  "step-pair-mode": {
    type: "string",
    description:
      "Math step pairs: one per problem (negative among the nearest in steps), or each positive with a random negative",
    choices: ["one", "each_positive"],
    default: "one",
  },
  "step-closest": {
    type: "number",
    description: "Math step pairs, mode one: negatives nearest in steps to draw from",
    default: 5,
    min: 1,
    integer: true,
  },
  "step-min-pass": {
    type: "number",
    description:
      "Code step pairs: share of the tests a chosen prefix's value reaches (the paper: 0.5)",
    default: 0.5,
    min: 0,
    max: 1,
  },
  "step-margin": {
    type: "number",
    description:
      "Code step pairs: a rejected prefix's value is lower by more than this (the paper: 4)",
    default: 4,
    min: 0,
  },
  "step-reduction": {
    type: "string",
    description: "Code: a prefix's value is its completions' average (or maximum) pass count",
    choices: ["avg", "max"],
    default: "avg",
  },
  "step-early-stop": {
    type: "boolean",
    description: "Math: stop a prefix's completions once its class is decided (off: the paper's)",
    default: false,
  },
  // Server
  "no-serve": { type: "boolean", description: "Do not start the live server", default: false },
  host: {
    type: "string",
    description: "Server address (non-loopback needs --token)",
    default: "127.0.0.1",
  },
  port: {
    type: "number",
    description: "Server port (0: any free port)",
    default: 8787,
    min: 0,
    max: 65535,
    integer: true,
  },
  token: {
    type: "string",
    description: "Bearer token the server requires (default: PFPO_TOKEN)",
    secret: true,
  },
  "keep-serving": {
    type: "boolean",
    description: "Keep serving after the run ends, until Ctrl-C",
    default: false,
  },
} as const;

/** Parsed pipeline flags. */
export type PipelineFlags = FlagValues<typeof PIPELINE_FLAGS>;

/** Every flag of `deno task worker`. */
export const WORKER_FLAGS = {
  nats: {
    type: "string",
    description: "The NATS JetStream broker the pipeline uses (nats://HOST:4222) (required)",
  },
  token: { type: "string", description: "Token the broker requires", secret: true },
  "pool-size": {
    type: "number",
    description: "Sandbox processes (default: core count)",
    min: 1,
    integer: true,
  },
  "memory-mb": {
    type: "number",
    description: "Largest memory limit a job may ask for (MiB)",
    default: DEFAULT_LIMITS.memoryMb,
    min: 16,
  },
  id: { type: "string", description: "Worker id in heartbeats (default: host-pid)" },
  "health-every": {
    type: "number",
    description: "Seconds between health lines",
    default: 30,
    min: 0.1,
  },
} as const;

/** Parsed worker flags. */
export type WorkerFlags = FlagValues<typeof WORKER_FLAGS>;
