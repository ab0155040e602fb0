/**
 * pfpo: turn reasoning problems into preference pairs for DPO without human labels.
 * Everything a pipeline is composed from is exported here.
 *
 * @module
 */

export * from "./src/errors.ts";
export * from "./src/model/problem.ts";
export * from "./src/model/sample.ts";
export * from "./src/model/execution.ts";
export * from "./src/model/feedback.ts";
export * from "./src/model/pair.ts";
export * from "./src/metrics/metrics.ts";
export * from "./src/store/database.ts";
export * from "./src/store/pair_log.ts";
export * from "./src/stream/stage.ts";
export * from "./src/stream/map.ts";
export * from "./src/stream/errors.ts";
export * from "./src/stream/batch.ts";
export * from "./src/stream/buffer.ts";
export * from "./src/stream/tee.ts";
export * from "./src/stream/merge.ts";
export * from "./src/stream/window.ts";
export * from "./src/stream/abortable.ts";
export * from "./src/io/jsonl.ts";
export * from "./src/io/record_error.ts";
export * from "./src/io/records.ts";
export * from "./src/io/parquet.ts";
export * from "./src/io/pair_parquet.ts";
export * from "./src/data/adapters.ts";
export * from "./src/data/python_repr.ts";
export * from "./src/data/select.ts";
export * from "./src/data/code_datasets.ts";
export * from "./src/data/livecodebench.ts";
export * from "./src/data/pickled_text.ts";
export * from "./src/cli/flags.ts";
export * from "./src/cli/progress.ts";
export * from "./src/run/run.ts";
export * from "./src/run/finished.ts";
export * from "./src/eval/pass_at_k.ts";

// Sampling
export * from "./src/code/python_literal.ts";
export * from "./src/code/program.ts";
export * from "./src/sampling/retry.ts";
export * from "./src/sampling/limiter.ts";
export * from "./src/sampling/client.ts";
export * from "./src/sampling/connection.ts";
export * from "./src/sampling/balanced.ts";
export * from "./src/sampling/metrics.ts";
export * from "./src/sampling/templates.ts";
export * from "./src/sampling/cache.ts";
export * from "./src/sampling/windows.ts";
export * from "./src/sampling/sampler.ts";
export * from "./src/sampling/recorded.ts";
export * from "./src/sampling/recorded_check.ts";
export * from "./src/sampling/test_cases.ts";
export * from "./src/sampling/frontier.ts";
export * from "./src/sampling/server_check.ts";
export * from "./src/sampling/health.ts";

// Math answers
export * from "./src/math/mod.ts";

// Feedback
export * from "./src/feedback/random.ts";
export * from "./src/feedback/answer_vote.ts";
export * from "./src/feedback/early_stop.ts";
export * from "./src/feedback/metrics.ts";
export * from "./src/feedback/math.ts";
export * from "./src/feedback/code.ts";
export * from "./src/feedback/pairs.ts";
export * from "./src/feedback/gold.ts";
export * from "./src/feedback/calibration.ts";
export * from "./src/feedback/answer_groups.ts";
export * from "./src/feedback/code_clusters.ts";
export * from "./src/feedback/codet.ts";
export * from "./src/feedback/confidence.ts";
export * from "./src/feedback/paper_rules.ts";
export * from "./src/feedback/rules.ts";
export * from "./src/feedback/quality.ts";
export * from "./src/feedback/store.ts";

// Step level
export * from "./src/steps/prefixes.ts";
export * from "./src/steps/completions.ts";
export * from "./src/steps/values.ts";
export * from "./src/steps/step_pairs.ts";
export * from "./src/steps/step_confidence.ts";

// Server
export * from "./src/server/app.ts";
export * from "./src/server/run_status.ts";
export * from "./src/server/auth.ts";
export * from "./src/server/consumers.ts";
export * from "./src/server/pair_stream.ts";
export * from "./src/server/params.ts";
export * from "./src/server/problems.ts";
export * from "./src/server/server.ts";
export * from "./src/client/pair_client.ts";

// Sandbox
export * from "./sandbox/mod.ts";

// Stages of the method
export * from "./src/stages/problems.ts";
export * from "./src/stages/test_inputs.ts";
export * from "./src/stages/sample.ts";
export * from "./src/stages/extract.ts";
export * from "./src/stages/execute.ts";
export * from "./src/stages/vote.ts";
export * from "./src/stages/score.ts";
export * from "./src/stages/pair.ts";
export * from "./src/stages/record.ts";
export * from "./src/stages/prefixes.ts";
export * from "./src/stages/completions.ts";
export * from "./src/stages/prefix_values.ts";
export * from "./src/stages/step_pairs.ts";

// Scale-out
export * from "./src/scale/broker.ts";
export * from "./src/scale/messages.ts";
export * from "./src/scale/fleet.ts";
export * from "./src/scale/remote_executor.ts";
export * from "./src/scale/worker.ts";
