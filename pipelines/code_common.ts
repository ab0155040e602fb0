/**
 * What the code recipes share: a problem's programs, and turning scores into
 * stored scores, pairs and the problem's outcome.
 *
 * @module
 */
import {
  appendPairs,
  codePairRules,
  codePairs,
  type CodeProblem,
  type CodeTrust,
  type CodeVote,
  codeVoteRules,
  comparableTests,
  compose,
  type Executed,
  executeStage,
  type ExecutionResult,
  type FeedbackSource,
  inputRuns,
  map,
  type OutputVoteOptions,
  pairSamplesOf,
  type ProblemSamples,
  type ProgramInput,
  programsOf as programsFromSamples,
  ruleMinConfidence,
  sameFor,
  type Sample,
  scoreCodeSamples,
  type Stage,
  type Vote,
  voteOnOutputs,
} from "../mod.ts";
import type { RecipeName } from "./flags.ts";

export { comparableTests, sameFor };
import { pairPrompt, problemKey, problemSeed, programOf, type RecipeContext } from "./context.ts";

/** The program of each sample, by sample index (`undefined`: none could be extracted). */
export function programsOf(
  context: RecipeContext,
  problem: CodeProblem,
  samples: readonly Sample[],
): (string | undefined)[] {
  return programsFromSamples(samples, (sample) => programOf(context.flags, problem, sample));
}

/** A problem's samples, their programs and the runs every program gets. */
export interface ProblemPrograms<P extends CodeProblem> {
  problem: P;
  samples: Sample[];
  programs: (string | undefined)[];
  runs: readonly ProgramInput[];
}

/**
 * The code recipes' extract → execute stages: each sample's program, run on every
 * one of `inputsOf(problem)` through the run's executor.
 */
export function runPrograms<P extends CodeProblem>(
  context: RecipeContext,
  inputsOf: (problem: P) => readonly string[],
): Stage<ProblemSamples<P>, Executed<ProblemPrograms<P>>> {
  const { run, signal, executor } = context;
  return compose(
    map(({ problem, samples }: ProblemSamples<P>): ProblemPrograms<P> => ({
      problem,
      samples,
      programs: programsOf(context, problem, samples),
      runs: inputRuns(problem, inputsOf(problem)),
    }), { signal, name: "extract", metrics: run.metrics.stage("extract") }),
    executeStage<ProblemPrograms<P>>({
      executor,
      concurrency: executor.problemsAtOnce,
      programs: executor.programsAtOnce,
      signal,
      metrics: run.metrics.stage("execute"),
      onExecuted: executor.record,
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
  const { flags, run } = context;
  return {
    ...(flags["min-runs"] !== undefined ? { minRuns: flags["min-runs"] } : {}),
    minShare: flags["min-share"],
    metrics: run.metrics,
    ...codeVoteRules(flags.rules),
  };
}

/** How a code problem's samples were scored. */
export interface CodeScoring {
  feedback: FeedbackSource;
  /** Each sample's score, by sample index. */
  score: (index: number) => number;
  /** The best score possible. */
  maxScore: number;
  /** The votes behind the tests (self-consistency), to store. */
  votes?: Vote[];
  /** The matrix's clusters, which give each pair its confidence (gold pairs: 1). */
  trust?: CodeTrust;
  /** Extra figures for the problem's outcome. */
  detail?: Record<string, number | string | boolean>;
}

/**
 * Scores the samples, pairs them with the code pair policy, stores votes, scores
 * and pairs, and records the problem as finished.
 */
export function finishCodeProblem(
  context: RecipeContext,
  recipe: RecipeName,
  group: { problem: CodeProblem; samples: readonly Sample[]; programs: (string | undefined)[] },
  scoring: CodeScoring,
): void {
  const { flags, run } = context;
  const { problem, samples, programs } = group;
  const scored = scoreCodeSamples(samples, {
    score: scoring.score,
    maxScore: scoring.maxScore,
    feedback: scoring.feedback,
    program: (index) => programs[index],
  });
  const { trust } = scoring;
  const drafts = scoring.maxScore > 0
    ? codePairs(scored, {
      prompt: pairPrompt(flags, problem),
      run: run.name,
      seed: problemSeed(flags, problem.id),
      cap: flags["pair-cap"],
      ...codePairRules(flags.rules, scoring.feedback),
      ...(flags.margin !== undefined ? { margin: flags.margin } : {}),
      ...(flags["min-pass"] !== undefined ? { minPassFraction: flags["min-pass"] } : {}),
      confidence: scoring.feedback === "gold"
        ? () => 1
        : (chosen, rejected) => trust?.pairConfidence(chosen.index, rejected.index) ?? 0,
      minConfidence: ruleMinConfidence(flags.rules, "code", flags["min-confidence"]),
    })
    : [];
  const pairs = appendPairs(run.pairs, drafts, { metrics: run.metrics });
  context.feedback.savePairSamples(pairSamplesOf(pairs, scored));
  if (scoring.votes) context.feedback.saveVotes(scoring.feedback, scoring.votes);
  context.feedback.saveScores(scored);
  const outcome = {
    status: scoring.maxScore > 0 ? "done" : "no_tests",
    detail: {
      recipe,
      samples: samples.length,
      programs: programs.filter((p) => p !== undefined).length,
      tests: scoring.maxScore,
      pairs: drafts.length,
      new_pairs: pairs.length,
      ...scoring.detail,
    },
  };
  run.finishProblem(problemKey(recipe, problem.id), outcome);
  context.onProblem(problem.id, outcome);
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
