/**
 * The NATS JetStream broker behind scale-out: connecting with a clear error when it
 * cannot be reached, and the streams and consumers that carry execution jobs and
 * their results. The pipeline creates them; workers wait until they exist.
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { PfpoError, toError } from "../errors.ts";

/** The broker could not be reached, or refused the connection. */
export class BrokerUnreachableError extends PfpoError {}

/** The broker answered but cannot carry jobs (e.g. JetStream is off). */
export class BrokerSetupError extends PfpoError {}

/** The command that starts a broker for these jobs, for messages. */
export const START_BROKER_HINT = "nats-server -js -a 127.0.0.1 -p 4222 -sd /var/lib/pfpo-nats";

/** Stream of execution jobs (work queue, shared by every worker). */
export const JOB_STREAM = "PFPO_JOBS";
/** Subject execution jobs are published on. */
export const JOB_SUBJECT = "pfpo.jobs.execute";
/** The one durable consumer all workers pull jobs from. */
export const WORKER_CONSUMER = "pfpo-workers";
/** Stream of execution results (work queue, one subject per run). */
export const RESULT_STREAM = "PFPO_RESULTS";
/** Prefix of the subjects results are published on (`pfpo.results.<run id>`). */
export const RESULT_SUBJECT_PREFIX = "pfpo.results";
/** Subject prefix of the workers' heartbeats (`pfpo.workers.<worker id>`). */
export const WORKER_HEARTBEAT_PREFIX = "pfpo.workers";
/** How long jobs and results are kept when nobody takes them. */
const RETENTION_NS = 7 * 24 * 3600 * 1e9;
/** How long a job id is remembered to refuse a second copy (`Nats-Msg-Id`). */
const DUPLICATE_WINDOW_NS = 30 * 60 * 1e9;

/** How the job queue redelivers (the pipeline sets it; every worker shares it). */
export interface DeliveryPolicy {
  /** Time a worker has to answer or extend (`working()`) a job before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries of one job at most; then the pipeline records a `sandbox_error`. */
  maxDeliver: number;
}

/** The default delivery policy: 30 s to answer or extend, five deliveries. */
export const DEFAULT_DELIVERY: DeliveryPolicy = { ackWaitMs: 30_000, maxDeliver: 5 };

/** Options for {@link connectBroker}. */
export interface ConnectBrokerOptions {
  /** Token the broker requires (`authorization { token }` in its configuration). */
  token?: string;
  /** User the broker requires, with `pass`. */
  user?: string;
  /** The user's password. */
  pass?: string;
  /** A name shown in the broker's connection list. */
  name?: string;
  /** Time to wait for the first connection. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Connects to the broker at `url`; after the first connection the client reconnects
 * forever (a restarted broker is found again). Throws {@link BrokerUnreachableError}
 * saying how to start one when nothing answers.
 */
export async function connectBroker(
  url: string,
  options: ConnectBrokerOptions = {},
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: url,
      ...(options.token ? { token: options.token } : {}),
      ...(options.user ? { user: options.user, pass: options.pass ?? "" } : {}),
      ...(options.name ? { name: options.name } : {}),
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
    });
  } catch (error) {
    const detail = toError(error).message;
    if (/authori[sz]ation/i.test(detail)) {
      throw new BrokerUnreachableError(
        `The NATS broker at ${url} refused the credentials: ${detail}; give the token the broker expects (--nats-token for the pipeline, --token for a worker)`,
        { cause: error },
      );
    }
    throw new BrokerUnreachableError(
      `Cannot reach the NATS broker at ${url}: ${detail}; start one with \`${START_BROKER_HINT}\` ` +
        `(Debian package nats-server) or give its address with --nats`,
      { cause: error },
    );
  }
}

async function manager(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc);
  } catch (error) {
    throw new BrokerSetupError(
      `The NATS broker at ${nc.getServer()} has no JetStream: ${
        toError(error).message
      }; start it with -js (\`${START_BROKER_HINT}\`)`,
      { cause: error },
    );
  }
}

/** The subject a run's results are published on. */
export function resultSubject(runId: string): string {
  return `${RESULT_SUBJECT_PREFIX}.${runId}`;
}

/**
 * Creates (or updates) the job and result streams, the workers' consumer with
 * `policy`, and the run's result consumer. Idempotent.
 */
export async function ensureQueues(
  nc: NatsConnection,
  options: { runId: string; policy: DeliveryPolicy },
): Promise<JetStreamManager> {
  const jsm = await manager(nc);
  await upsertStream(jsm, {
    name: JOB_STREAM,
    subjects: [JOB_SUBJECT],
    duplicate_window: DUPLICATE_WINDOW_NS,
  });
  await upsertStream(jsm, {
    name: RESULT_STREAM,
    subjects: [`${RESULT_SUBJECT_PREFIX}.>`],
    duplicate_window: 2 * 60 * 1e9,
  });
  const workers = {
    durable_name: WORKER_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: options.policy.ackWaitMs * 1e6,
    max_deliver: options.policy.maxDeliver,
    max_ack_pending: -1,
    filter_subject: JOB_SUBJECT,
  };
  await upsertConsumer(jsm, JOB_STREAM, workers);
  await upsertConsumer(jsm, RESULT_STREAM, {
    durable_name: resultConsumer(options.runId),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30 * 1e9,
    max_ack_pending: -1,
    filter_subject: resultSubject(options.runId),
  });
  return jsm;
}

/** The durable name of a run's result consumer. */
export function resultConsumer(runId: string): string {
  return `pfpo-run-${runId}`;
}

async function upsertStream(
  jsm: JetStreamManager,
  config: { name: string; subjects: string[]; duplicate_window: number },
): Promise<void> {
  const full = {
    ...config,
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: RETENTION_NS,
  };
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, full);
  } catch (error) {
    if (!/not found/i.test(toError(error).message)) throw setupError(error);
    await jsm.streams.add(full).catch((e) => {
      throw setupError(e);
    });
  }
}

async function upsertConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Parameters<JetStreamManager["consumers"]["add"]>[1] & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, config);
  } catch (error) {
    if (!/not found/i.test(toError(error).message)) throw setupError(error);
    await jsm.consumers.add(stream, config).catch((e) => {
      throw setupError(e);
    });
  }
}

function setupError(error: unknown): BrokerSetupError {
  return new BrokerSetupError(
    `Cannot set up the job queues on the NATS broker: ${toError(error).message}`,
    { cause: error },
  );
}

/**
 * Follows the connection's state until it closes: says when the broker is lost and
 * found again, and reports each change to `onChange`.
 */
export async function watchConnection(
  nc: NatsConnection,
  options: { log: (line: string) => void; onChange: (connected: boolean) => void },
): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect") {
      options.onChange(false);
      options.log(`Lost the NATS broker at ${nc.getServer()}: reconnecting`);
    } else if (status.type === "reconnect") {
      options.onChange(true);
      options.log(`Reconnected to the NATS broker at ${nc.getServer()}`);
    }
  }
}
