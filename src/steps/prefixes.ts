/**
 * Prefix cutting: the partial solutions whose values step-level pairs compare.
 *
 * A solution's steps are its non-empty lines; a code solution is first cut at the
 * end of its program, so that nothing after the code block counts. A solution with
 * fewer than `minSteps` (5) steps gives no prefix. From the first
 * `floor(steps × upperRatio)` steps (0.7 for math, 0.8 for code),
 * `floor(that × sampleRatio)` (0.3) cut points are drawn at random without
 * replacement; a prefix is the solution up to and including the line of its cut
 * point (blank lines between steps kept, no newline after the last). A problem pools
 * the prefixes of all its solutions and keeps at most `maxPrefixes` of them, drawn
 * at random (10 for math, 20 for code; `Infinity` keeps all). The draws come from a
 * generator seeded with the seed and the problem id: the same seed gives the same
 * prefixes in any processing order.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type SeededRandom, seededRandom } from "../feedback/random.ts";

/** Settings of {@link cutPrefixes}; every default is the paper's. */
export interface PrefixCutSettings {
  /** Share of a solution's first steps that may end a prefix. Default 0.7 (math), 0.8 (code). */
  upperRatio: number;
  /** Share of those steps drawn as cut points. Default 0.3. */
  sampleRatio: number;
  /** Fewest steps a solution needs to give prefixes. Default 5. */
  minSteps: number;
  /** Most prefixes per problem. Default 10 (math), 20 (code). */
  maxPrefixes: number;
}

/** The paper's prefix settings per problem kind. */
export const PREFIX_DEFAULTS: Readonly<Record<"math" | "code", Readonly<PrefixCutSettings>>> = {
  math: { upperRatio: 0.7, sampleRatio: 0.3, minSteps: 5, maxPrefixes: 10 },
  code: { upperRatio: 0.8, sampleRatio: 0.3, minSteps: 5, maxPrefixes: 20 },
};

/** A partial solution to be completed and valued. */
export interface Prefix {
  /** The problem of the solution it was cut from. */
  problem_id: string;
  /** Index of the solution sample it was cut from. */
  sample: number;
  /** Steps (non-empty lines) it keeps. */
  steps: number;
  /** Steps of the solution it was cut from (after a code solution's cut). */
  of: number;
  /** The prefix text. */
  text: string;
}

/** A solution to cut: a sample's index and text (for code, cut at its program's end). */
export interface Solution {
  /** The sample's index among the problem's samples. */
  index: number;
  /** The solution's text. */
  text: string;
}

/** Options for {@link cutPrefixes}. */
export interface CutPrefixesOptions extends Partial<PrefixCutSettings> {
  /** The problem the solutions answer (seed of the draws, and the prefixes' `problem_id`). */
  problemId: string;
  /** Problem kind: picks the defaults. Default `"math"`. */
  kind?: "math" | "code";
  /** Seed of the draws. Default 0. */
  seed?: number | string;
}

/**
 * The step lines of a solution: indices into `text.split("\n")` of its non-empty
 * lines.
 *
 * @example Blank lines are not steps
 * ```ts
 * import { stepLines } from "./prefixes.ts";
 * import assert from "node:assert";
 * assert.deepEqual(stepLines("a\n\nb\n  \nc"), [0, 2, 4]);
 * ```
 */
export function stepLines(text: string): number[] {
  const lines = text.split("\n");
  return lines.flatMap((line, i) => (line.trim() === "" ? [] : [i]));
}

/**
 * A code solution cut at the end of its program: the completion up to the end of the
 * first occurrence of `program` in it (the rest of the fenced block's text, the
 * closing fence and any explanation after it are dropped). A completion that does not
 * contain its program (e.g. a continuation, whose program starts with the prompt) is
 * returned as it is.
 *
 * @example The explanation after the code block is dropped
 * ```ts
 * import { codeSolutionText } from "./prefixes.ts";
 * import assert from "node:assert";
 * const fence = "`".repeat(3);
 * const completion = `Plan:\n${fence}python\nprint(1)\n${fence}\nThis prints one.`;
 * assert.equal(codeSolutionText(completion, "print(1)"), `Plan:\n${fence}python\nprint(1)`);
 * ```
 */
export function codeSolutionText(completion: string, program: string | undefined): string {
  if (!program) return completion;
  const at = completion.indexOf(program);
  return at < 0 ? completion : completion.slice(0, at + program.length);
}

/**
 * The prefixes of one solution: cut points drawn from its first steps.
 *
 * @example A ten-step solution gives two prefixes
 * ```ts
 * import { cutSolution } from "./prefixes.ts";
 * import { seededRandom } from "../feedback/random.ts";
 * import assert from "node:assert";
 * const text = Array.from({ length: 10 }, (_, i) => `step ${i + 1}`).join("\n");
 * const cuts = cutSolution(text, { upperRatio: 0.7, sampleRatio: 0.3, minSteps: 5 }, seededRandom(1));
 * assert.equal(cuts.length, 2); // floor(floor(10 × 0.7) × 0.3)
 * assert.ok(cuts.every((cut) => cut.steps <= 7 && cut.text.endsWith(`step ${cut.steps}`)));
 * ```
 */
export function cutSolution(
  text: string,
  settings: Omit<PrefixCutSettings, "maxPrefixes">,
  random: SeededRandom,
): { steps: number; of: number; text: string }[] {
  const steps = stepLines(text);
  if (steps.length < settings.minSteps) return [];
  const upper = Math.floor(steps.length * settings.upperRatio);
  const count = Math.floor(upper * settings.sampleRatio);
  if (upper === 0 || count === 0) return [];
  const lines = text.split("\n");
  return sampleIndices(upper, count, random).map((step) => ({
    steps: step + 1,
    of: steps.length,
    text: lines.slice(0, steps[step] + 1).join("\n"),
  }));
}

/**
 * The prefixes of a problem: every solution cut, pooled, at most `maxPrefixes`
 * kept at random, in solution order then cut order. Identical prefix texts (two
 * solutions that begin alike) are kept once, the first.
 *
 * @example At most P prefixes, the same ones for the same seed
 * ```ts
 * import { cutPrefixes } from "./prefixes.ts";
 * import assert from "node:assert";
 * const solutions = [0, 1, 2, 3].map((index) => ({
 *   index,
 *   text: Array.from({ length: 20 }, (_, i) => `s${index} step ${i}`).join("\n"),
 * }));
 * const a = cutPrefixes(solutions, { problemId: "p", seed: 3 });
 * assert.equal(a.length, 10); // 4 × 4 cut points, capped at 10
 * assert.deepEqual(a, cutPrefixes(solutions, { problemId: "p", seed: 3 }));
 * ```
 */
export function cutPrefixes(
  solutions: readonly Solution[],
  options: CutPrefixesOptions,
): Prefix[] {
  const settings = prefixSettings(options);
  const random = seededRandom(options.seed ?? 0, options.problemId, "prefixes");
  const seen = new Set<string>();
  const pooled: Prefix[] = [];
  for (const solution of [...solutions].sort((a, b) => a.index - b.index)) {
    for (const cut of cutSolution(solution.text, settings, random)) {
      if (seen.has(cut.text)) continue;
      seen.add(cut.text);
      pooled.push({ problem_id: options.problemId, sample: solution.index, ...cut });
    }
  }
  if (pooled.length <= settings.maxPrefixes) return pooled;
  const keep = new Set(sampleIndices(pooled.length, settings.maxPrefixes, random));
  return pooled.filter((_, i) => keep.has(i));
}

/** The settings of `options` over the kind's defaults, checked. */
export function prefixSettings(options: CutPrefixesOptions): PrefixCutSettings {
  const defaults = PREFIX_DEFAULTS[options.kind ?? "math"];
  const settings: PrefixCutSettings = {
    upperRatio: options.upperRatio ?? defaults.upperRatio,
    sampleRatio: options.sampleRatio ?? defaults.sampleRatio,
    minSteps: options.minSteps ?? defaults.minSteps,
    maxPrefixes: options.maxPrefixes ?? defaults.maxPrefixes,
  };
  for (const key of ["upperRatio", "sampleRatio"] as const) {
    if (!(settings[key] > 0 && settings[key] <= 1)) {
      throw new ConfigError(`Invalid prefix ${key}: must be in (0, 1], got ${settings[key]}`);
    }
  }
  if (!(settings.minSteps >= 1) || !(settings.maxPrefixes >= 1)) {
    throw new ConfigError(
      `Invalid prefix settings: minSteps and maxPrefixes must be at least 1, got ${settings.minSteps} and ${settings.maxPrefixes}`,
    );
  }
  return settings;
}

/** `count` distinct indices below `n`, drawn uniformly, in increasing order. */
function sampleIndices(n: number, count: number, random: SeededRandom): number[] {
  const positions = Array.from({ length: n }, (_, i) => i);
  const take = Math.min(count, n);
  for (let i = 0; i < take; i++) {
    const j = i + random.int(n - i);
    [positions[i], positions[j]] = [positions[j], positions[i]];
  }
  return positions.slice(0, take).sort((a, b) => a - b);
}
