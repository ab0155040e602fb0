/**
 * Iteration schedules: the paper's training recipe as a JSON file. Each iteration
 * names its policy endpoint and model (the model trained by the iteration before,
 * which the user fills in), its problem split, its label source, and any pipeline
 * setting by flag name (filters, pair rules, step settings). Iteration K runs into
 * its own run directory (`<runs>/iter-K`), only once iteration K−1 has finished, and
 * the run directories of earlier iterations stay as they are, so their pairs remain
 * available for replay.
 *
 * ```json
 * {
 *   "name": "mathstral-math",
 *   "runs": "runs/mathstral-math",
 *   "iterations": [
 *     {
 *       "policy": { "base_url": "http://localhost:8000/v1", "model": "my-sft-model", "api": "completions" },
 *       "frontier": { "base_url": "https://api.openai.com/v1", "model": "gpt-4o" },
 *       "problems": "data/split-0.jsonl",
 *       "kind": "math",
 *       "labels": "frontier",
 *       "replay_ratio": 1.0,
 *       "settings": { "n": 10, "top-p": 0.9, "step-threshold": 2 }
 *     }
 *   ]
 * }
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { ConfigError, openRunDatabase, PairLog, RUN_FILES } from "../mod.ts";
import { PIPELINE_FLAGS, type RecipeName } from "./flags.ts";

/** A schedule file is unreadable or invalid; the message names the file and field. */
export class ScheduleError extends ConfigError {}

/** Iteration K was asked for before iteration K−1 finished. */
export class ScheduleOrderError extends ConfigError {}

/** An OpenAI-compatible endpoint of a schedule. */
export interface ScheduleEndpoint {
  base_url: string;
  model: string;
  api?: "chat" | "completions";
}

/** One iteration of a schedule. */
export interface ScheduleIteration {
  /** What the iteration is, for people reading the file. */
  note?: string;
  /** The policy that samples: the model the previous iteration trained (the SFT model first). */
  policy: ScheduleEndpoint;
  /** The frontier model, for `labels: "frontier"`. */
  frontier?: ScheduleEndpoint;
  /** The iteration's problem split (a problems file or folder). */
  problems: string;
  /** `"math"` or `"code"`. */
  kind: "math" | "code";
  /** Where labels come from: `"frontier"` or `"self_consistency"`. */
  labels: "frontier" | "self_consistency";
  /** Share of solution pairs trained with the step pairs (the pair stream's `replay_ratio`). */
  replay_ratio?: number;
  /** Any pipeline setting, by flag name (without `--`). */
  settings?: Record<string, unknown>;
}

/** A parsed schedule. */
export interface Schedule {
  /** The file it was read from. */
  path: string;
  name: string;
  /** The directory holding one run directory per iteration. */
  runs: string;
  iterations: ScheduleIteration[];
}

const SETTINGS_OWNED = [
  "recipe",
  "run",
  "problems",
  "base-url",
  "model",
  "api",
  "schedule",
  "iteration",
];

/**
 * Reads and checks a schedule file: every iteration needs a policy (base URL and
 * model), problems, a kind and a label source; settings must be pipeline flags.
 */
export async function loadSchedule(path: string): Promise<Schedule> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new ScheduleError(`Cannot read schedule ${path}: ${(error as Error).message}`);
  }
  const fail = (field: string, detail: string): never => {
    throw new ScheduleError(`Cannot read schedule ${path}: field "${field}" ${detail}`);
  };
  const record = (value: unknown, field: string) =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : fail(field, "must be a JSON object");
  const text = (value: unknown, field: string) =>
    typeof value === "string" && value.trim() !== ""
      ? value
      : fail(field, value === undefined ? "is missing" : "must be a non-empty string");
  const oneOf = <T extends string>(value: unknown, field: string, choices: readonly T[]): T =>
    choices.includes(value as T)
      ? value as T
      : fail(field, `must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  const endpoint = (value: unknown, field: string): ScheduleEndpoint => {
    const r = record(value, field);
    return {
      base_url: text(r.base_url, `${field}.base_url`),
      model: text(r.model, `${field}.model`),
      ...(r.api !== undefined
        ? { api: oneOf(r.api, `${field}.api`, ["chat", "completions"] as const) }
        : {}),
    };
  };
  const top = record(raw, "(schedule)");
  if (!Array.isArray(top.iterations) || top.iterations.length === 0) {
    fail("iterations", "must be a non-empty array");
  }
  const iterations = (top.iterations as unknown[]).map((value, k): ScheduleIteration => {
    const at = `iterations[${k}]`;
    const r = record(value, at);
    const labels = oneOf(r.labels, `${at}.labels`, ["frontier", "self_consistency"] as const);
    const settings = r.settings === undefined ? {} : record(r.settings, `${at}.settings`);
    for (const key of Object.keys(settings)) {
      if (!(key in PIPELINE_FLAGS)) fail(`${at}.settings.${key}`, "is not a pipeline setting");
      if (SETTINGS_OWNED.includes(key)) {
        fail(`${at}.settings.${key}`, "is set by the schedule itself, not in settings");
      }
    }
    const replay = r.replay_ratio;
    if (replay !== undefined && !(typeof replay === "number" && replay >= 0 && replay <= 1)) {
      fail(`${at}.replay_ratio`, `must be a number from 0 to 1, got ${JSON.stringify(replay)}`);
    }
    return {
      ...(typeof r.note === "string" ? { note: r.note } : {}),
      policy: endpoint(r.policy, `${at}.policy`),
      ...(r.frontier !== undefined ? { frontier: endpoint(r.frontier, `${at}.frontier`) } : {}),
      problems: text(r.problems, `${at}.problems`),
      kind: oneOf(r.kind, `${at}.kind`, ["math", "code"] as const),
      labels,
      ...(replay !== undefined ? { replay_ratio: replay as number } : {}),
      settings,
    };
  });
  iterations.forEach((iteration, k) => {
    if (iteration.labels === "frontier" && !iteration.frontier) {
      fail(
        `iterations[${k}].frontier`,
        'is missing: "labels": "frontier" needs the frontier model',
      );
    }
  });
  return {
    path,
    name: text(top.name, "name"),
    runs: text(top.runs, "runs"),
    iterations,
  };
}

/** The run directory of iteration `k`. */
export function iterationDir(schedule: Schedule, k: number): string {
  return join(schedule.runs, `iter-${k}`);
}

/** The recipes of an iteration: solution-level and step-level pairs from its label source. */
export function iterationRecipes(iteration: ScheduleIteration): RecipeName[] {
  const labels = iteration.labels === "frontier" ? "frontier" : "self-consistency";
  return [`${iteration.kind}-${labels}`, `${iteration.kind}-step-${labels}`] as RecipeName[];
}

/**
 * The command-line flags iteration `k` runs with (the user's own flags are parsed
 * after them and win). Refuses `k` out of range, and `k` before iteration `k − 1`
 * has finished.
 */
export function iterationArgs(schedule: Schedule, k: number): string[] {
  const iteration = schedule.iterations[k];
  if (!Number.isInteger(k) || iteration === undefined) {
    throw new ScheduleError(
      `Cannot run iteration ${k} of ${schedule.path}: it has iterations 0 to ${
        schedule.iterations.length - 1
      }`,
    );
  }
  if (k > 0 && !iterationFinished(schedule, k - 1)) {
    throw new ScheduleOrderError(
      `Cannot run iteration ${k} of ${schedule.path}: iteration ${k - 1} has not finished (${
        iterationDir(schedule, k - 1)
      }); run it first with --iteration ${k - 1}`,
    );
  }
  const { policy, frontier } = iteration;
  const args = [
    "--run",
    iterationDir(schedule, k),
    "--problems",
    iteration.problems,
    "--base-url",
    policy.base_url,
    "--model",
    policy.model,
    ...(policy.api ? ["--api", policy.api] : []),
    ...(frontier
      ? ["--frontier-base-url", frontier.base_url, "--frontier-model", frontier.model]
      : []),
  ];
  for (const [key, value] of Object.entries(iteration.settings ?? {})) {
    if (value === false || value === null) continue;
    if (value === true) args.push(`--${key}`);
    else if (Array.isArray(value)) {
      for (const item of value) args.push(`--${key}`, String(item));
    } else args.push(`--${key}`, String(value));
  }
  return args;
}

/** True when iteration `k`'s run directory holds a run that finished. */
export function iterationFinished(schedule: Schedule, k: number): boolean {
  const path = join(iterationDir(schedule, k), RUN_FILES.database);
  try {
    Deno.statSync(path);
  } catch {
    return false;
  }
  const db = openRunDatabase(path, { readOnly: true });
  try {
    return new PairLog(db, { readOnly: true }).isFinished();
  } finally {
    db.close();
  }
}
