/**
 * pfpo: turn reasoning problems into preference pairs for DPO without human labels.
 * What a pipeline is composed from is exported here, by name and grouped by part
 * of the method; helpers the modules share among themselves stay in their own
 * files and are not part of the public API.
 *
 * @module
 */

// Errors
export { AbortedError, ConfigError, FieldError, PfpoError, toError } from "./src/errors.ts";

// Data model
export {
  CODE_LANGUAGES,
  type CodeLanguage,
  type CodeProblem,
  type CodeProblemBase,
  type FunctionCodeProblem,
  type MathProblem,
  type Problem,
  type ProblemMeta,
  type StdioCodeProblem,
  type TestCase,
} from "./src/model/problem.ts";
export {
  parseRecordedSamples,
  type RecordedSamples,
  type Sample,
  type SampleFailure,
} from "./src/model/sample.ts";
export { type ExecutionResult, type ExecutionStatus } from "./src/model/execution.ts";
export { type FeedbackSource, type ScoredSample, type Vote } from "./src/model/feedback.ts";
export {
  type Pair,
  PAIR_LEVELS,
  type PairDraft,
  type PairLevel,
  type PrefixSide,
  type StepDetail,
} from "./src/model/pair.ts";

// Stream framework: stages and their composition
export {
  compose,
  drain,
  fromIterable,
  pipe,
  type Source,
  type Stage,
  stage,
} from "./src/stream/stage.ts";
export {
  filter,
  flatMap,
  map,
  type MapContext,
  type MapOptions,
  type StageOptions,
} from "./src/stream/map.ts";
export {
  collectFailures,
  type ErrorPolicy,
  type ErrorSink,
  type Failure,
} from "./src/stream/errors.ts";
export { batch, type BatchOptions } from "./src/stream/batch.ts";
export { buffer } from "./src/stream/buffer.ts";
export { tee, type TeeOptions } from "./src/stream/tee.ts";
export { merge, type MergeOptions } from "./src/stream/merge.ts";
export { type Window, window, type WindowOptions, type WindowReason } from "./src/stream/window.ts";
export { abortable, guarded } from "./src/stream/abortable.ts";

// Stages of the method
export { problemSource, type ProblemSourceOptions } from "./src/stages/problems.ts";
export { testInputs, type TestInputsOptions } from "./src/stages/test_inputs.ts";
export { sampleStage, type SampleStageOptions } from "./src/stages/sample.ts";
export {
  extractAnswers,
  extractPrograms,
  type ExtractProgramsOptions,
  type ExtractStageOptions,
  programsOf,
  type Sampled,
  type WithAnswers,
  type WithPrograms,
} from "./src/stages/extract.ts";
export {
  checkRuns,
  type Executable,
  executeAll,
  type ExecuteAllOptions,
  type Executed,
  executeStage,
  type ExecuteStageOptions,
  type ExecutionMatrix,
  inputRuns,
  problemExecutions,
  runLabel,
  SandboxFailureError,
} from "./src/stages/execute.ts";
export {
  type AnswerVoteStageOptions,
  type ExecutedPrograms,
  type OutputVoteOptions,
  sameFor,
  voteAnswers,
  voteOnOutputs,
  voteOutputs,
  type VoteStageOptions,
} from "./src/stages/vote.ts";
export {
  type CodeScoring,
  comparableTests,
  type ProgramsOfSamples,
  scoreCode,
  type ScoreCodeStageOptions,
  type ScoredCode,
  scoredCode,
  type ScoredMath,
  scoredMath,
  type ScoredProblem,
  scoreMath,
  type ScoreMathStageOptions,
  type ScoreStageOptions,
} from "./src/stages/score.ts";
export { type Paired, pairStage, type PairStageOptions } from "./src/stages/pair.ts";
export {
  type Recorded,
  type RecordOptions,
  recordProblem,
  recordStage,
  type RecordTarget,
} from "./src/stages/record.ts";
export {
  prefixStage,
  type PrefixStageOptions,
  type ProblemSolutions,
  type WithPrefixes,
} from "./src/stages/prefixes.ts";
export {
  type CompletionSamplerSettings,
  completionStage,
  type CompletionStageOptions,
  type ProblemPrefixes,
  type WithCompletions,
} from "./src/stages/completions.ts";
export {
  type CodePrefixValueOptions,
  codePrefixValueStage,
  type CompletedPrefixes,
  type MathPrefixValueOptions,
  mathPrefixValueStage,
  type PrefixValueOptions,
  type WithValues,
} from "./src/stages/prefix_values.ts";
export {
  codeStepPairStage,
  mathStepPairStage,
  type StepPairStageOptions,
  type ValuedPrefixes,
} from "./src/stages/step_pairs.ts";

// Input and output
export { JsonlError, RecordError } from "./src/io/record_error.ts";
export {
  type JsonlWriterOptions,
  readJsonl,
  type ReadJsonlOptions,
  writeJsonl,
} from "./src/io/jsonl.ts";
export { dataFiles } from "./src/io/records.ts";
export {
  type ParquetColumn,
  type ParquetColumnType,
  ParquetFileWriter,
  type ParquetWriterOptions,
} from "./src/io/parquet.ts";
export {
  PROBLEM_FORMATS,
  type ProblemFormat,
  readProblems,
  type ReadProblemsOptions,
} from "./src/data/adapters.ts";
export {
  matchesWhere,
  parseShard,
  parseWhere,
  type Selection,
  type WhereCondition,
  type WhereOperator,
} from "./src/data/select.ts";

// Runs, the run database and metrics
export {
  Metrics,
  type StageFigures,
  type StageMetrics,
  type WaitReason,
} from "./src/metrics/metrics.ts";
export {
  openRunDatabase,
  type OpenRunDatabaseOptions,
  ReadOnlyStoreError,
  RUN_DATABASE_FILE,
} from "./src/store/database.ts";
export {
  type PairFollowOptions,
  PairLog,
  type PairLogOptions,
  type PairReadOptions,
} from "./src/store/pair_log.ts";
export {
  closestName,
  type FlagSpec,
  type FlagSpecs,
  type FlagValue,
  type FlagValues,
  formatHelp,
  parseFlags,
  type ParseFlagsOptions,
  withoutSecrets,
} from "./src/cli/flags.ts";
export { Progress, type ProgressOptions } from "./src/cli/progress.ts";
export { Run, RUN_FILES, type RunOpenOptions } from "./src/run/run.ts";
export {
  type FinishedOutcome,
  FinishedProblems,
  OUTCOME_STATUSES,
  type OutcomeDetail,
  type OutcomeStatus,
  type ProblemOutcome,
} from "./src/run/finished.ts";
export { passAtK } from "./src/eval/pass_at_k.ts";

// Sampling
export {
  parsePythonArgs,
  PyKeyword,
  PySet,
  PythonLiteralError,
  type PythonValue,
  PyTuple,
} from "./src/code/python_literal.ts";
export {
  type ChatProgramOptions,
  type ContinuationProgramOptions,
  extractProgram,
  type ExtractProgramOptions,
} from "./src/code/program.ts";
export { type RetryPolicy } from "./src/sampling/retry.ts";
export { type Lease, RequestLimiter, type RequestLimiterOptions } from "./src/sampling/limiter.ts";
export {
  type ApiMode,
  type ChatMessage,
  type CompletionChoice,
  type CompletionRequest,
  type CompletionResponse,
  Endpoint,
  type EndpointOptions,
  type PromptInput,
  type SamplingParams,
  type TokenUsage,
} from "./src/sampling/client.ts";
export { type ServerOptions } from "./src/sampling/connection.ts";
export {
  BalancedEndpoint,
  type BalancedEndpointOptions,
  type ReplicaStatus,
} from "./src/sampling/balanced.ts";
export {
  type BuildPromptOptions,
  defaultTemplate,
  type PromptTemplate,
} from "./src/sampling/templates.ts";
export { SampleCache } from "./src/sampling/cache.ts";
export {
  type DecideFn,
  type ProblemSamples,
  type SamplingStage,
  type SamplingWindowOptions,
  type WindowDecision,
} from "./src/sampling/windows.ts";
export { type NMode, policySampler, type PolicySamplerOptions } from "./src/sampling/sampler.ts";
export { recordedSampler, type RecordedSamplerOptions } from "./src/sampling/recorded.ts";
export {
  checkRecordedSamples,
  type RecordedSamplesCheck,
  recordedSamplesWarnings,
} from "./src/sampling/recorded_check.ts";
export {
  type DropReason,
  type ParseAssertOptions,
  parseAssertTests,
  parseGeneratedInputs,
  parseGeneratedTests,
  type Validated,
} from "./src/sampling/test_cases.ts";
export {
  type FrontierAnswer,
  frontierAnswers,
  type FrontierCodeOptions,
  type FrontierFailure,
  type FrontierInputs,
  type FrontierOptions,
  type FrontierResultBase,
  frontierSolutions,
  frontierTestCases,
  frontierTestInputs,
  type FrontierTests,
  type JsonMode,
} from "./src/sampling/frontier.ts";
export {
  checkServer,
  type CheckServerOptions,
  type ServerCheck,
  ServerCheckError,
  type ServerProblem,
} from "./src/sampling/server_check.ts";
export {
  type RequestOutcome,
  SamplingHealth,
  type SamplingHealthOptions,
  SamplingStoppedError,
  type UnsampledReason,
} from "./src/sampling/health.ts";

// Math answers
export { extractAnswer, type ExtractOptions } from "./src/math/extract.ts";
export { normalizeAnswer, type NormalizeOptions } from "./src/math/normalize.ts";
export {
  AnswerComparer,
  compareAnswers,
  type ComparerOptions,
  type Comparison,
  isEquivalent,
  type JudgeOptions,
  parseAnswer,
  type ParsedAnswer,
  type Verification,
  verifyAnswer,
} from "./src/math/equivalence.ts";

// Feedback: votes, scores, confidence and pairs
export { type SeededRandom, seededRandom } from "./src/feedback/random.ts";
export {
  AnswerVote,
  type AnswerVoteOptions,
  type Equivalence,
  isKept,
  type KeepOptions,
  type VoteLeader,
  type VoteProgress,
} from "./src/feedback/answer_vote.ts";
export {
  decideEarlyStop,
  type Decision,
  EARLY_STOP_RULES,
  type EarlyStopRuleName,
  type EarlyStopSettings,
  leaderPosterior,
  resolveEarlyStop,
} from "./src/feedback/early_stop.ts";
export { type FeedbackMetrics, feedbackMetrics } from "./src/feedback/metrics.ts";
export {
  type MathAnswerOptions,
  type MathFeedback,
  MathSelfConsistency,
  type MathSelfConsistencyOptions,
  scoreMathAnswers,
  type ScoreMathOptions,
} from "./src/feedback/math.ts";
export {
  CodeVote,
  type CodeVoteOptions,
  countPasses,
  type CountPassesOptions,
  outputOf,
  type ScoreCodeOptions,
  scoreCodeSamples,
} from "./src/feedback/code.ts";
export {
  appendPairs,
  type AppendPairsOptions,
  type CodePairOptions,
  codePairs,
  type MathPairMode,
  type MathPairOptions,
  mathPairs,
  type PairPolicyOptions,
} from "./src/feedback/pairs.ts";
export {
  type GoldCodeOptions,
  goldCodeScore,
  goldMathFeedback,
  type GoldRuns,
  type GoldScore,
} from "./src/feedback/gold.ts";
export {
  expectedCalibrationError,
  fitLogistic,
  type FitLogisticOptions,
  type LogisticModel,
  predictLogistic,
  type ReliabilityBin,
  reliabilityBins,
} from "./src/feedback/calibration.ts";
export {
  ANSWER_GROUP_FEATURES,
  type AnswerGroupFeatures,
  answerGroupFeatures,
} from "./src/feedback/answer_groups.ts";
export {
  CLUSTER_FEATURES,
  type ClusterFeatures,
  type ClusterOptions,
  clusterPrograms,
  differingInputs,
  type ProgramCluster,
  type ProgramClusters,
} from "./src/feedback/code_clusters.ts";
export { dualAgreement, trustedDualAgreement } from "./src/feedback/codet.ts";
export {
  CODE_CLUSTER_MODEL,
  CODE_PAIR_MODEL,
  CodeTrust,
  type CodeTrustOptions,
  MATH_FRONTIER_MODEL,
  MATH_LABEL_MODEL,
  type MathConfidenceOptions,
  mathLabelConfidence,
} from "./src/feedback/confidence.ts";
export {
  type PaperCodeVariant,
  paperCodeVote,
  paperMathFeedback,
  type PaperMathOptions,
} from "./src/feedback/paper_rules.ts";
export {
  codePairRules,
  codeVoteRules,
  CONFIDENT_MIN_CONFIDENCE,
  isPaperRules,
  ruleMinConfidence,
  type RulePairSettings,
} from "./src/feedback/rules.ts";
export {
  calibrationSvg,
  type CheckedPair,
  type PairQuality,
  pairQuality,
  type YieldRow,
} from "./src/feedback/quality.ts";
export {
  FeedbackStore,
  type FeedbackStoreOptions,
  type PairSamples,
  pairSamplesOf,
  type StoredScore,
  type StoredVote,
} from "./src/feedback/store.ts";

// Step-level pairs
export {
  codeSolutionText,
  cutPrefixes,
  type CutPrefixesOptions,
  type Prefix,
  type PrefixCutSettings,
  type Solution,
} from "./src/steps/prefixes.ts";
export {
  continuationFailure,
  ContinuationUnsupportedError,
  prefixId,
  type PrefixProblem,
  prefixProblem,
  prefixSampler,
  type PrefixSamplerOptions,
} from "./src/steps/completions.ts";
export {
  codePrefixValue,
  type CodeValueReduction,
  firstDraw,
  mathCompletionValue,
  type MathValueOptions,
  type PrefixClass,
  prefixClass,
} from "./src/steps/values.ts";
export {
  type CodeStepPairOptions,
  codeStepPairs,
  type MathStepPairOptions,
  mathStepPairs,
  type StepPairMode,
  type StepPairOptions,
  type ValuedPrefix,
} from "./src/steps/step_pairs.ts";
export { type CompletionTally, stepPairConfidence } from "./src/steps/step_confidence.ts";

// Sandbox
export { SandboxPool, type SandboxPoolOptions, type SandboxRunOptions } from "./sandbox/pool.ts";
export {
  DEFAULT_LIMITS,
  type SandboxCall,
  type SandboxJob,
  type SandboxLimits,
} from "./sandbox/job.ts";
export {
  type ExecuteOptions,
  type Executor,
  type ProgramInput,
  type ProgramJob,
} from "./sandbox/executor.ts";
export { ExecutionCache, type ExecutionCacheOptions } from "./sandbox/cache.ts";
export {
  canonicalFromPython,
  type CompareOptions,
  type Expected,
  judge,
  judgeTests,
  type OutputMatch,
  sameOutput,
  sameResult,
  sameValue,
  type TestReport,
  type Verdict,
} from "./sandbox/judge.ts";

// Live server and trainer client
export { createApp, type ServerApp, type ServerAppOptions } from "./src/server/app.ts";
export { TOKEN_ENV } from "./src/server/auth.ts";
export {
  type FinishedProblem,
  ProblemDetailRecorder,
  type ProblemDetailRecorderOptions,
  type ProblemDetailSource,
  type ProblemExecution,
  type ProblemParts,
  runDatabaseProblems,
} from "./src/server/problems.ts";
export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  type RunningServer,
  ServerBindError,
  startServer,
  type StartServerOptions,
} from "./src/server/server.ts";
export {
  type ReconnectInfo,
  streamPairs,
  type StreamPairsOptions,
} from "./src/client/pair_client.ts";

// Scale-out
export {
  BrokerUnreachableError,
  type ConnectBrokerOptions,
  type DeliveryPolicy,
} from "./src/scale/broker.ts";
export { type FleetWorker, type WorkerHeartbeat } from "./src/scale/fleet.ts";
export {
  RemoteExecutor,
  type RemoteExecutorOptions,
  type RemoteStatus,
} from "./src/scale/remote_executor.ts";
export {
  ExecutionWorker,
  type ExecutionWorkerOptions,
  type WorkerCounts,
} from "./src/scale/worker.ts";
