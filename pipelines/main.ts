/**
 * The entry point behind `deno task pipeline`: opens (or resumes) the run
 * directory, serves the dashboard and the pair stream, runs the chosen recipe(s),
 * and ends with the JSONL export of pairs and a summary.
 *
 * @module
 */
import {
  calibrationSvg,
  checkServer,
  ConfigError,
  dataFiles,
  FeedbackStore,
  formatHelp,
  ProblemDetailRecorder,
  type ProblemOutcome,
  Progress,
  readProblems,
  Run,
  RUN_FILES,
  runDatabaseProblems,
  type RunningServer,
  SamplingHealth,
  SamplingStoppedError,
  ServerBindError,
  type ServerCheck,
  startServer,
  toError,
} from "../mod.ts";
import { join } from "node:path";
import { runCommand } from "./command.ts";
import { parsePipelineArgs, type PipelineArgs, type PipelineConfig } from "./config.ts";
import { PIPELINE_FLAGS, type PipelineFlags, type RecipeName, RECIPES } from "./flags.ts";
import {
  EXAMPLE_PROBLEMS,
  frontierEndpoint,
  policyServers,
  problemReading,
  type RecipeContext,
  type RecipeReport,
  recordedPath,
} from "./context.ts";
import { RecipeExecutor } from "./execute.ts";
import { recordedSamplesFigures, recordedSamplesNotes } from "./recorded_samples.ts";
import { mathSelfConsistency } from "./math_self_consistency.ts";
import { mathFrontier } from "./math_frontier.ts";
import { codeSelfConsistency } from "./code_self_consistency.ts";
import { codeFrontier } from "./code_frontier.ts";
import { gold, hasGold } from "./gold.ts";
import { evaluate } from "./eval.ts";
import { mathStepFrontier, mathStepSelfConsistency } from "./math_steps.ts";
import { codeStepFrontier, codeStepSelfConsistency } from "./code_steps.ts";
import { CALIBRATION_SVG, formatSummary, summarize } from "./summary.ts";
import {
  iterationArgs,
  iterationDir,
  iterationRecipes,
  loadSchedule,
  type Schedule,
  ScheduleError,
} from "./schedule.ts";

const RUNNERS: Record<RecipeName, (context: RecipeContext) => Promise<RecipeReport>> = {
  "math-self-consistency": mathSelfConsistency,
  "math-frontier": mathFrontier,
  "code-self-consistency": codeSelfConsistency,
  "code-frontier": codeFrontier,
  gold,
  eval: evaluate,
  "math-step-self-consistency": mathStepSelfConsistency,
  "math-step-frontier": mathStepFrontier,
  "code-step-self-consistency": codeStepSelfConsistency,
  "code-step-frontier": codeStepFrontier,
};

const USAGE =
  `Usage: deno task pipeline [--recipe NAME] [--problems FILE] [--samples FILE | --base-url URL --model NAME]
                          [--frontier-base-url URL --frontier-model NAME] [--run DIR] [--seed N] [--no-serve]
       deno task pipeline --schedule FILE --iteration K [flags that override the schedule's]

With no arguments, every recipe runs on the example problems with their recorded
completions. Recipes: ${RECIPES.join(", ")}; "all" runs each that the inputs allow.`;

/** The iteration of a schedule this invocation runs. */
interface PlannedIteration {
  schedule: Schedule;
  k: number;
  recipes: RecipeName[];
}

/**
 * Parses the command line; with `--schedule FILE --iteration K`, the iteration's
 * settings come first and the command line's own flags override them.
 */
async function resolveArgs(
  args: string[],
): Promise<PipelineArgs & { planned?: PlannedIteration }> {
  const parsed = parsePipelineArgs(args);
  const { schedule: path, iteration: k } = parsed.config;
  if (parsed.help || path === undefined || k === undefined) return parsed;
  const schedule = await loadSchedule(path);
  const scheduled = iterationArgs(schedule, k);
  try {
    parsePipelineArgs(scheduled);
  } catch (error) {
    throw new ScheduleError(
      `Cannot read schedule ${schedule.path}: iterations[${k}]: ${toError(error).message}`,
    );
  }
  return {
    ...parsePipelineArgs([...scheduled, ...args]),
    planned: { schedule, k, recipes: iterationRecipes(schedule.iterations[k]) },
  };
}

/** The recipes `--recipe` (or the schedule's iteration) names, in the order they run. */
function chosenRecipes(config: PipelineConfig, planned?: PlannedIteration): RecipeName[] {
  if (planned) return planned.recipes;
  if (config.recipe !== "all") return [config.recipe];
  const frontier = Boolean(
    config.frontierBaseUrl || config.frontierSamples || config.problems === EXAMPLE_PROBLEMS,
  );
  return RECIPES.filter((r) => frontier || !r.includes("frontier"));
}

/**
 * How many problems the chosen recipes will finish in this invocation (one streaming
 * pass over the problems file), for the progress line's ETA.
 */
async function expectedTotal(
  config: PipelineConfig,
  recipes: RecipeName[],
  run: Run,
): Promise<number> {
  const counts = { math: 0, code: 0, gold: 0 };
  for await (
    const problem of readProblems(config.problems, {
      ...problemReading(config),
      skipMalformed: true,
    })
  ) {
    counts[problem.kind]++;
    if (hasGold(problem)) counts.gold++;
  }
  const per = (recipe: RecipeName) =>
    recipe === "gold" || recipe === "eval"
      ? counts.gold
      : recipe.startsWith("math")
      ? counts.math
      : counts.code;
  return Math.max(0, recipes.reduce((sum, recipe) => sum + per(recipe), 0) - run.finishedCount());
}

/** Settings a resumed run must share with the run it resumes. */
const IDENTITY = [
  "problems",
  "shard",
  "seed",
  "recipe",
  // Sampling settings: the samples a run holds were drawn with them.
  "samples",
  "model",
  "api",
  "system-prompt",
  "n",
  "temperature",
  "top-p",
  "max-tokens",
  "stop",
] as const;

/** Checks, before any work, that the files named exist and the servers answer. */
async function preflight(config: PipelineConfig, signal: AbortSignal): Promise<void> {
  const files = {
    problems: config.problems,
    samples: config.samples,
    "frontier-samples": config.frontierSamples,
  };
  for (const [flag, path] of Object.entries(files)) {
    if (path === undefined) continue;
    try {
      // A glob of shards must match a file; anything else must exist.
      await (flag === "problems" && /[*?[{]/.test(path) ? dataFiles(path) : Deno.stat(path));
    } catch (error) {
      throw new ConfigError(`Cannot read --${flag} ${path}: ${toError(error).message}`);
    }
  }
  if (!config.baseUrl) {
    for (const note of await recordedSamplesNotes(config, recordedPath(config), signal)) {
      console.error(`Warning: ${note}`);
    }
  } else {
    for (const server of policyServers(config)) {
      await checkServer(server, {
        role: "policy",
        hints: { baseURL: "--base-url", model: "--model", apiKey: "--api-key or OPENAI_API_KEY" },
        signal,
      }).then(warnUnlisted("policy"));
    }
  }
  const frontier = frontierEndpoint(config);
  if (frontier) {
    await checkServer(frontier, {
      role: "frontier",
      hints: {
        baseURL: "--frontier-base-url",
        model: "--frontier-model",
        apiKey: "--frontier-api-key or OPENAI_API_KEY",
      },
      signal,
    }).then(warnUnlisted("frontier"));
  }
}

function warnUnlisted(role: string) {
  return (check: ServerCheck) => {
    if (!check.listed) {
      console.error(
        `Note: the ${role} server does not list its models; the model name is not checked`,
      );
    }
  };
}

/** Runs the pipeline with command-line `args`; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const { help, config, shown, planned } = await resolveArgs(args);
  if (help) {
    console.log(formatHelp(USAGE, PIPELINE_FLAGS));
    return 0;
  }
  const recipes = chosenRecipes(config, planned);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(130);
    console.error("\nStopping: finishing work in flight (Ctrl-C again to quit at once)");
    controller.abort(new Error("Interrupted"));
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    await preflight(config, controller.signal);
    const run = await Run.open(config.run, { config: { ...shown, recipes }, identity: IDENTITY });
    return await runPipeline(config, { shown, recipes, run, controller, planned });
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

async function runPipeline(
  config: PipelineConfig,
  setup: {
    shown: PipelineFlags;
    recipes: RecipeName[];
    run: Run;
    controller: AbortController;
    planned?: PlannedIteration;
  },
): Promise<number> {
  const { shown, recipes, run, controller, planned } = setup;
  const details = new ProblemDetailRecorder({ fallback: runDatabaseProblems(run.db) });
  const executor = new RecipeExecutor({
    details,
    db: run.db,
    metrics: run.metrics,
    timeoutMs: config.timeoutMs,
    memoryMb: config.memoryMb,
    ...(config.poolSize ? { size: config.poolSize } : {}),
    ...(config.nats
      ? {
        remote: {
          url: config.nats,
          runDir: run.dir,
          ...(config.natsToken ? { token: config.natsToken } : {}),
          ackWaitMs: config.natsAckWait,
          maxDeliver: config.natsMaxDeliver,
          maxOutstanding: config.natsOutstanding,
        },
      }
      : {}),
  });
  let server: RunningServer | undefined;
  let started = false;
  const health = new SamplingHealth({
    metrics: run.metrics,
    onNewReason: ({ reason, example, message }) =>
      console.error(`\nSampling failed (${reason}) for ${example}: ${message}`),
  });
  try {
    const finishedBefore = run.finishedCount();
    const expected = await expectedTotal(config, recipes, run);
    const progress = new Progress({ label: "problems", total: expected });
    // A broker that cannot be reached is said at once, not at the first program.
    if (config.nats) await executor.executor();
    if (!config.noServe) {
      try {
        server = await startServer({
          host: config.host,
          port: config.port,
          ...(config.token ? { token: config.token } : {}),
          db: run.db,
          pairLog: run.pairs,
          metrics: run.metrics,
          config: { ...shown, recipes },
          progress: () => ({
            problems_finished: finishedBefore + progress.count,
            problems_expected: finishedBefore + expected,
          }),
          problems: details,
          remote: () => executor.remoteStatus(),
        });
      } catch (error) {
        if (error instanceof ServerBindError) {
          throw new ConfigError(
            `${error.message}; pass --port 0 (any free port) or --no-serve`,
            { cause: error },
          );
        }
        throw error;
      }
      console.log(
        `Dashboard: ${server.url}/   pairs: ${server.url}/v1/pairs/stream   metrics: ${server.url}/metrics`,
      );
    }
    started = true;
    console.log(
      `${run.resumed ? "Resuming" : "Starting"} run ${run.dir}: ${
        recipes.join(", ")
      } on ${config.problems}`,
    );
    if (planned) console.log(scheduleNote(planned, server?.url));
    const began = performance.now();
    let pairs = 0;
    let stopped: string | undefined;
    const reports: RecipeReport[] = [];
    const feedback = new FeedbackStore(run.db);
    for (const recipe of recipes) {
      if (controller.signal.aborted) break;
      const context: RecipeContext = {
        recipe,
        config,
        run,
        feedback,
        signal: controller.signal,
        executor,
        health,
        onProblem: (_id: string, outcome: ProblemOutcome) => {
          pairs += outcome.detail.new_pairs ?? 0;
          progress.add(1, `new pairs ${pairs}`);
        },
      };
      try {
        reports.push(await RUNNERS[recipe](context));
      } catch (error) {
        if (controller.signal.aborted) break;
        if (error instanceof SamplingStoppedError) {
          stopped = error.message;
          break;
        }
        throw error;
      }
    }
    progress.done();
    const exported = await run.exportPairs({ parquet: config.pairsParquet });
    const summary = await summarize(run, reports, {
      wallSeconds: (performance.now() - began) / 1000,
      unsampled: health.reasons(),
      ...(config.baseUrl
        ? {}
        : { recorded: await recordedSamplesFigures(run, recipes, recordedPath(config)) }),
    });
    const text = formatSummary(summary);
    await run.writeSummary(summary, text);
    if (summary.pair_quality) {
      await Deno.writeTextFile(
        join(run.dir, CALIBRATION_SVG),
        calibrationSvg(summary.pair_quality, `Pair confidence calibration: ${run.name}`),
      );
    }
    console.log(`\n${text}`);
    console.log(
      `Pairs: ${join(run.dir, RUN_FILES.pairs)}${
        config.pairsParquet ? ` and ${RUN_FILES.pairsParquet}` : ""
      } (${exported})   summary: ${join(run.dir, RUN_FILES.summaryText)}`,
    );
    console.log(`Dashboard and pair stream later: deno task serve --run ${run.dir}`);
    if (controller.signal.aborted) {
      console.log("Interrupted: run the same command again to resume");
      return 130;
    }
    if (stopped || health.unsampled > 0) {
      if (stopped) console.error(stopped);
      console.error(
        `${health.unsampled} problem${
          health.unsampled === 1 ? "" : "s"
        } could not be sampled and stay unfinished: fix the server, then run the same command again to retry them`,
      );
      return 1;
    }
    if (executor.unexecuted > 0) {
      const n = executor.unexecuted;
      console.error(
        `${n} problem${n === 1 ? "" : "s"} could not be executed in the sandbox and stay ` +
          "unfinished (the reasons are above): run the same command again to retry them",
      );
      return 1;
    }
    run.finish();
    if (server && config.keepServing) {
      console.log(`Still serving ${server.url}/ (Ctrl-C to stop)`);
      await new Promise<void>((resolve) =>
        controller.signal.addEventListener("abort", () => resolve())
      );
    }
    return 0;
  } finally {
    await executor.close();
    await server?.shutdown();
    if (started) run.close();
    else await run.discard();
  }
}

/** Where the iteration's pairs are served, with its replay mix, and where earlier ones are. */
function scheduleNote(planned: PlannedIteration, url: string | undefined): string {
  const { schedule, k } = planned;
  const ratio = schedule.iterations[k].replay_ratio;
  const mix = ratio === undefined ? "" : `?replay_ratio=${ratio}`;
  const earlier = Array.from(
    { length: k },
    (_, i) => join(iterationDir(schedule, i), RUN_FILES.pairs),
  );
  return [
    `Schedule ${schedule.name}, iteration ${k} of ${schedule.iterations.length - 1}` +
    (url ? `: train from ${url}/v1/pairs/stream${mix}` : ""),
    ...(earlier.length
      ? [`Earlier iterations' pairs (kept for replay): ${earlier.join(", ")}`]
      : []),
  ].join("\n");
}

if (import.meta.main) await runCommand(main, { usage: USAGE.split("\n")[0] });
