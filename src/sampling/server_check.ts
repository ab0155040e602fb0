/**
 * The start-up check of a server: before any work, `GET /models` tells whether the
 * server can be reached, whether it accepts the API key, and whether it serves the
 * model, so that a wrong port, key or model name is reported at once instead of
 * as one failed request per problem.
 *
 * @module
 */
import { PfpoError } from "../errors.ts";
import { Endpoint, type EndpointOptions, SamplingRequestError } from "./client.ts";

/** What the start-up check found wrong. */
export type ServerProblem = "unreachable" | "unauthorized" | "unknown_model" | "error";

/** The server cannot be used as configured; the message says what to change. */
export class ServerCheckError extends PfpoError {
  /** What is wrong. */
  readonly problem: ServerProblem;
  /** Creates the error. */
  constructor(problem: ServerProblem, message: string, options?: ErrorOptions) {
    super(message, options);
    this.problem = problem;
  }
}

/** Options for {@link checkServer}. */
export interface CheckServerOptions {
  /** The server's role in messages, e.g. `"policy"` or `"frontier"`. Default `"model"`. */
  role?: string;
  /** How the user sets each setting, named in messages (e.g. `{ model: "--model" }`). */
  hints?: { baseURL?: string; model?: string; apiKey?: string };
  /** Timeout of the check (ms). Default 10 000. */
  timeoutMs?: number;
  /** Cancels the check. */
  signal?: AbortSignal;
}

/** What the check found: the models the server lists, or that it lists none. */
export interface ServerCheck {
  /** False when the server does not answer `GET /models` (404/405): the model name is not checked. */
  listed: boolean;
  /** The models listed. */
  models: string[];
}

/**
 * Checks that the server answers, accepts the key and serves the model. Throws a
 * {@link ServerCheckError} naming the setting to fix; a server without
 * `GET /models` passes with `listed: false`.
 *
 * @example A server that cannot be reached
 * ```ts
 * import { checkServer, ServerCheckError } from "./server_check.ts";
 * import assert from "node:assert";
 * await assert.rejects(
 *   checkServer({ baseURL: "http://127.0.0.1:9/v1", model: "m" }, { role: "policy" }),
 *   (error) => error instanceof ServerCheckError && error.problem === "unreachable",
 * );
 * ```
 */
export async function checkServer(
  endpoint: Endpoint | EndpointOptions,
  options: CheckServerOptions = {},
): Promise<ServerCheck> {
  const server = endpoint instanceof Endpoint ? endpoint : new Endpoint(endpoint);
  const { baseURL, model } = server.options;
  const role = options.role ?? "model";
  const hint = (name: keyof NonNullable<CheckServerOptions["hints"]>, fallback: string) =>
    options.hints?.[name] ?? fallback;
  const where = `Cannot use the ${role} server at ${baseURL}`;
  let models: string[];
  try {
    models = await server.models({ timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (error) {
    if (!(error instanceof SamplingRequestError)) throw error;
    const detail = error.message;
    if (error.kind === "connection" || error.kind === "timeout") {
      throw new ServerCheckError(
        "unreachable",
        `${where}: it cannot be reached (${detail}); start the server or fix ${
          hint("baseURL", "the base URL")
        }`,
        { cause: error },
      );
    }
    if (error.status === 401 || error.status === 403) {
      throw new ServerCheckError(
        "unauthorized",
        `${where}: it refused the API key (${detail}); set ${hint("apiKey", "the API key")}`,
        { cause: error },
      );
    }
    if (error.status === 404 || error.status === 405) return { listed: false, models: [] };
    throw new ServerCheckError("error", `${where}: ${detail}`, { cause: error });
  }
  // Ollama lists "name:latest" and serves it as "name" too.
  if (!models.includes(model) && !models.includes(`${model}:latest`)) {
    const served = models.length ? `it serves ${models.map((m) => `"${m}"`).join(", ")}` : "";
    throw new ServerCheckError(
      "unknown_model",
      `${where}: it does not serve model "${model}"${served ? ` (${served})` : ""}; fix ${
        hint("model", "the model name")
      }`,
    );
  }
  return { listed: true, models };
}
