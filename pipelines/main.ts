/**
 * The entry point behind `deno task pipeline`.
 *
 * @module
 */
import { ConfigError, formatHelp, parseFlags, Progress, readProblems, toError } from "../mod.ts";
import type { ProblemFormat } from "../mod.ts";
import { PROBLEM_FORMATS } from "../mod.ts";

const DEFAULT_PROBLEMS = new URL("./examples/problems.jsonl", import.meta.url).pathname;

const FLAGS = {
  problems: {
    type: "string",
    description: "Problems file (JSONL; GSM8K, MATH-500, HumanEval, MBPP) or APPS folder",
    default: DEFAULT_PROBLEMS,
  },
  format: {
    type: "string",
    description: "Problems format; detected when absent",
    choices: PROBLEM_FORMATS,
  },
  "skip-malformed": {
    type: "boolean",
    description: "Skip (and count) malformed lines instead of stopping",
    default: false,
  },
} as const;

const USAGE = "Usage: deno task pipeline [options]";

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, FLAGS);
  if (flags.help) {
    console.log(formatHelp(USAGE, FLAGS));
    return;
  }
  let skipped = 0;
  const counts = new Map<string, number>();
  const progress = new Progress({ label: "problems" });
  for await (
    const problem of readProblems(flags.problems, {
      format: flags.format as ProblemFormat | undefined,
      skipMalformed: flags["skip-malformed"],
      onSkip: (error) => {
        skipped++;
        console.error(`Skipped: ${error.message}`);
      },
    })
  ) {
    const kind = problem.kind === "code" ? `code (${problem.style})` : "math";
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    progress.add();
  }
  progress.done();
  console.log(`Problems in ${flags.problems}:`);
  for (const [kind, n] of counts) console.log(`  ${kind.padEnd(16)} ${n}`);
  if (skipped) console.log(`  skipped lines    ${skipped}`);
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    const err = toError(error);
    console.error(
      err instanceof ConfigError ? `${err.message}\n\n${USAGE} (see --help)` : err.message,
    );
    Deno.exit(err instanceof ConfigError ? 2 : 1);
  }
}
