/**
 * What the code recipes share: the extract → execute stages, the output vote, the
 * code pair policy, and how pseudo labels compare with gold ones.
 *
 * @module
 */
import {
  codePairRules,
  codePairs,
  type CodeProblem,
  type CodeVote,
  codeVoteRules,
  comparableTests,
  compose,
  type Executed,
  executeStage,
  type ExecutionResult,
  extractPrograms,
  type OutputVoteOptions,
  type PairDraft,
  type ProblemSamples,
  type ProgramInput,
  programsOf as programsFromSamples,
  ruleMinConfidence,
  sameFor,
  type Sample,
  type ScoredCode,
  type Stage,
  voteOnOutputs,
  type WithPrograms,
} from "../mod.ts";
import { pairPrompt, problemSeed, programOf, type RecipeContext } from "./context.ts";

export { comparableTests, sameFor };

/** The program of each sample, by sample index (`undefined`: none could be extracted). */
export function programsOf(
  context: RecipeContext,
  problem: CodeProblem,
  samples: readonly Sample[],
): (string | undefined)[] {
  return programsFromSamples(samples, (sample) => programOf(context.config, problem, sample));
}

/**
 * The code recipes' extract → execute stages: each sample's program (`--completion`),
 * run through the run's executor on every one of `runsOf(problem)` (default: one run
 * per input of the problem's `test_inputs`).
 */
export function runPrograms<P extends CodeProblem>(
  context: RecipeContext,
  runsOf?: (problem: P) => readonly ProgramInput[],
): Stage<ProblemSamples<P>, Executed<WithPrograms<ProblemSamples<P>>>> {
  const { run, signal, executor } = context;
  return compose(
    extractPrograms<ProblemSamples<P>>({
      program: (problem, sample) => programOf(context.config, problem, sample),
      ...(runsOf ? { runs: ({ problem }) => runsOf(problem) } : {}),
      signal,
      metrics: run.metrics.stage("extract"),
    }),
    executeStage<WithPrograms<ProblemSamples<P>>>({
      executor,
      concurrency: executor.problemsAtOnce,
      programs: executor.programsAtOnce,
      signal,
      metrics: run.metrics.stage("execute"),
      onExecuted: executor.record,
      onFailed: executor.unfinished,
    }),
  );
}

/**
 * Multi-test-case self-consistency over a problem's programs: every program's
 * results (`results[program][input]`) vote per input; the vote is closed.
 */
export function voteOutputs(
  context: RecipeContext,
  problem: CodeProblem,
  programs: readonly (string | undefined)[],
  results: readonly (ExecutionResult | undefined)[][],
): CodeVote {
  return voteOnOutputs({ problem, programs, results }, outputVoting(context));
}

/** How outputs vote, from the flags (`--min-runs`, `--min-share`, `--rules`). */
export function outputVoting(context: RecipeContext): OutputVoteOptions {
  const { config, run } = context;
  return {
    ...(config.minRuns !== undefined ? { minRuns: config.minRuns } : {}),
    minShare: config.minShare,
    metrics: run.metrics,
    ...codeVoteRules(config.rules),
  };
}

/**
 * The code pair policy from the flags (`--margin`, `--min-pass`, `--pair-cap`,
 * `--rules`, `--min-confidence`): gold pairs are sure; pseudo ones are as
 * confident as the execution matrix's clusters say.
 */
export function codePairPolicy(
  context: RecipeContext,
): (item: ScoredCode<{ problem: CodeProblem }>) => PairDraft[] {
  const { config, run } = context;
  return ({ problem, feedback, scored, scoring }) =>
    codePairs(scored, {
      prompt: pairPrompt(config, problem),
      run: run.name,
      seed: problemSeed(config, problem.id),
      cap: config.pairCap,
      ...codePairRules(config.rules, feedback),
      ...(config.margin !== undefined ? { margin: config.margin } : {}),
      ...(config.minPass !== undefined ? { minPassFraction: config.minPass } : {}),
      confidence: feedback === "gold"
        ? () => 1
        : (chosen, rejected) => scoring.trust?.pairConfidence(chosen.index, rejected.index) ?? 0,
      minConfidence: ruleMinConfidence(config.rules, "code", config.minConfidence),
    });
}

/**
 * How many pseudo expected outputs agree with the gold output of the same input,
 * for problems that carry gold tests (the summary's label accuracy).
 */
export function labelAgreement(
  problem: CodeProblem,
  inputs: readonly string[],
  expected: readonly (string | undefined)[],
): { labels_checked?: number; labels_correct?: number } {
  const same = sameFor(problem);
  const gold = new Map(
    comparableTests(problem, problem.tests ?? []).map((t) => [t.input, t.output]),
  );
  let checked = 0;
  let correct = 0;
  inputs.forEach((input, i) => {
    const truth = gold.get(input);
    const label = expected[i];
    if (truth === undefined || label === undefined) return;
    checked++;
    if (same(truth, label)) correct++;
  });
  return checked ? { labels_checked: checked, labels_correct: correct } : {};
}
