/**
 * Windows and early stop, shared by the policy sampler and the recorded-samples
 * sampler. Many problems are drawn at once; each problem's samples are drawn a
 * window at a time, and before every window after the first a caller-supplied
 * decision says whether more are needed. Stopping a problem aborts its requests in
 * flight; their samples are not emitted.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import type { Problem } from "../model/problem.ts";
import type { Sample } from "../model/sample.ts";
import { closeIterator, Notifier } from "../stream/notifier.ts";
import type { Stage } from "../stream/stage.ts";

/** What the decision returns: draw another window, or stop sampling the problem. */
export type WindowDecision = "more" | "stop";

/**
 * Asked before each window after the first, with the samples emitted so far for the
 * problem (failures included).
 */
export type DecideFn = (
  problemId: string,
  samplesSoFar: readonly Sample[],
) => WindowDecision | Promise<WindowDecision>;

/** Window settings shared by the samplers. */
export interface SamplingWindowOptions {
  /** Samples per problem at most. Default 10 (the recorded sampler: all recorded). */
  samples?: number;
  /** Samples drawn per window. Default: all of them in one window. */
  window?: number;
  /** The early-stop decision. Default: always draw every window. */
  decide?: DecideFn;
  /** Cancels the stage: it ends with an {@link AbortedError}. */
  signal?: AbortSignal;
}

/** A problem with every sample drawn for it (failures included), in arrival order. */
export interface ProblemSamples<P extends Problem = Problem> {
  /** The problem sampled. */
  problem: P;
  /** Its samples, failures included, in arrival order. */
  samples: Sample[];
  /** How many samples the problem could have had (the maximum, or fewer recorded). */
  drawable: number;
  /** True when the decision (or `stop`) ended the problem before `drawable` samples. */
  stoppedEarly: boolean;
}

/** A sampling stage that can also be told to stop a problem early. */
export interface SamplingStage<P extends Problem = Problem> extends Stage<P, Sample> {
  /**
   * Stops drawing samples for `problemId` in every running stream of this stage:
   * requests in flight are aborted and no further window is drawn.
   */
  stop(problemId: string): void;
  /**
   * The same sampling, emitting each problem once its drawing has ended (all
   * windows drawn, the decision said stop, or {@link SamplingStage.stop} was called)
   * with all of its samples: what a stage that needs a problem's samples together
   * (voting, scoring) reads.
   */
  grouped<Q extends P>(source: AsyncIterable<Q>): AsyncIterable<ProblemSamples<Q>>;
}

/** How one problem's samples are drawn. */
export interface ProblemDraw {
  /** How many samples this problem can have (the window loop stops there). */
  count: number;
  /**
   * Draws the samples at `indices`, calling `emit` for each as it arrives. Must end
   * (resolve or reject with an {@link AbortedError}) soon after `signal` aborts.
   */
  draw(
    indices: number[],
    context: { signal: AbortSignal; emit: (sample: Sample) => void },
  ): Promise<void>;
}

/** Engine settings for {@link windowedStage}. */
export interface WindowEngineOptions<P extends Problem> extends SamplingWindowOptions {
  /** Problems worked on at once at most. */
  maxActive: number;
  /** Whether another problem should be started now (e.g. the server has free slots). */
  wantMore?: () => boolean;
  /** Prepares a problem (e.g. finds its recorded completions); called in source order. */
  prepare(problem: P, signal: AbortSignal): ProblemDraw | Promise<ProblemDraw>;
}

/**
 * Builds a sampling stage from a per-problem drawer. Samples are emitted in the
 * order they arrive, not by problem or index.
 */
export function windowedStage<P extends Problem>(
  options: WindowEngineOptions<P>,
): SamplingStage<P> {
  const samples = options.samples ?? 10;
  const window = options.window ?? samples;
  for (const [name, value] of [["samples", samples], ["window", window]] as const) {
    if (value !== Infinity && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`Cannot sample: ${name} must be a positive integer, got ${value}`);
    }
  }
  const running = new Set<Map<string, AbortController>>();
  const settings = { ...options, samples, window };
  const stage = (source: AsyncIterable<P>) =>
    run(source, settings, new Map(), running, false) as AsyncGenerator<Sample>;
  return Object.assign(stage, {
    stop(problemId: string) {
      for (const controllers of running) controllers.get(problemId)?.abort();
    },
    grouped<Q extends P>(source: AsyncIterable<Q>) {
      return run(source, settings, new Map(), running, true) as AsyncGenerator<ProblemSamples<Q>>;
    },
  });
}

async function* run<P extends Problem>(
  source: AsyncIterable<P>,
  options: WindowEngineOptions<P> & { samples: number; window: number },
  controllers: Map<string, AbortController>,
  running: Set<Map<string, AbortController>>,
  grouped: boolean,
): AsyncGenerator<Sample | ProblemSamples<P>> {
  const stageController = new AbortController();
  const onOuterAbort = () => stageController.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const notifier = new Notifier();
  const output: (Sample | ProblemSamples<P>)[] = [];
  const tasks = new Set<Promise<void>>();
  const iterator = source[Symbol.asyncIterator]();
  let pulling = false;
  let sourceDone = false;
  let failure: { error: unknown } | undefined;
  let preparing = Promise.resolve();
  running.add(controllers);

  const fail = (error: unknown) => {
    failure ??= { error };
    stageController.abort();
    notifier.notify();
  };

  const start = (problem: P) => {
    const controller = new AbortController();
    const abortProblem = () => controller.abort();
    stageController.signal.addEventListener("abort", abortProblem, { once: true });
    controllers.set(problem.id, controller);
    // Problems are prepared one at a time, in source order.
    const prepared = preparing.then(() => options.prepare(problem, controller.signal));
    preparing = prepared.then(() => {}, () => {});
    const emitted: Sample[] = [];
    const bound = { drawable: 0 };
    const done = () => {
      if (!grouped || stageController.signal.aborted) return;
      const { drawable } = bound;
      output.push({ problem, samples: emitted, drawable, stoppedEarly: emitted.length < drawable });
      notifier.notify();
    };
    const task = prepared
      .then((draw) => {
        bound.drawable = Math.min(options.samples, draw.count);
        return drawWindows(problem, draw, controller.signal, emitted);
      })
      .then(done, (error) => {
        if (!(error instanceof AbortedError) || !controller.signal.aborted) fail(error);
        else done(); // stopped early: the problem ends with what it has
      })
      .finally(() => {
        stageController.signal.removeEventListener("abort", abortProblem);
        if (controllers.get(problem.id) === controller) controllers.delete(problem.id);
        tasks.delete(task);
        notifier.notify();
      });
    tasks.add(task);
  };

  const drawWindows = async (
    problem: P,
    plan: ProblemDraw,
    signal: AbortSignal,
    emitted: Sample[],
  ) => {
    const emit = (sample: Sample) => {
      if (signal.aborted) return;
      emitted.push(sample);
      if (grouped) return;
      output.push(sample);
      notifier.notify();
    };
    const count = Math.min(options.samples, plan.count);
    for (let from = 0; from < count && !signal.aborted; from += options.window) {
      if (from > 0 && options.decide) {
        const decision = await options.decide(problem.id, [...emitted]);
        if (decision === "stop" || signal.aborted) return;
      }
      const indices = [];
      for (let i = from; i < Math.min(from + options.window, count); i++) indices.push(i);
      await plan.draw(indices, { signal, emit });
    }
  };

  const pull = async () => {
    pulling = true;
    try {
      const next = await iterator.next();
      if (next.done) sourceDone = true;
      else start(next.value);
    } catch (error) {
      sourceDone = true;
      fail(error);
    } finally {
      pulling = false;
      notifier.notify();
    }
  };

  try {
    for (;;) {
      if (failure) throw failure.error;
      if (stageController.signal.aborted) throw new AbortedError(options.signal?.reason);
      if (
        !sourceDone && !pulling && tasks.size < options.maxActive &&
        (tasks.size === 0 || (options.wantMore?.() ?? true))
      ) {
        pull();
      }
      if (output.length > 0) {
        yield output.shift()!;
        continue;
      }
      if (sourceDone && !pulling && tasks.size === 0) return;
      await notifier.wait();
    }
  } finally {
    running.delete(controllers);
    options.signal?.removeEventListener("abort", onOuterAbort);
    stageController.abort();
    await closeIterator(iterator, pulling);
    await Promise.allSettled([...tasks]);
  }
}
