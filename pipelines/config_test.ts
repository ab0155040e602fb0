import assert from "node:assert/strict";
import { ConfigError } from "../mod.ts";
import {
  type CamelFlags,
  parsePipelineArgs,
  parseWorkerArgs,
  type PipelineConfig,
  type WorkerConfig,
} from "./config.ts";
import { PIPELINE_FLAGS, type WorkerFlags } from "./flags.ts";

// PipelineConfig is exactly the parsed flags under camelCase names: each is
// assignable to the other, so a flag added without its documented field (or a
// field without its flag) does not compile. The same holds for the worker's, whose
// --nats is required.
const toConfig = (flags: CamelFlags): PipelineConfig => flags;
const toFlags = (config: PipelineConfig): CamelFlags => config;
type WorkerSettings = CamelFlags<WorkerFlags> & { nats: string };
const toWorker = (flags: WorkerSettings): WorkerConfig => flags;
const fromWorker = (config: WorkerConfig): WorkerSettings => config;

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

Deno.test("parsePipelineArgs() names every flag in camelCase with its parsed value", () => {
  const { help, config, shown } = parsePipelineArgs([
    ...["--recipe", "gold", "--min-share", "0.6", "--where", "a=1", "--where", "b=2"],
    ...["--shard", "1/4", "--base-url", "http://localhost:8000/v1", "--api-key", "s3cret"],
    ...["--schedule", "plan.json", "--iteration", "0", "--port", "0"],
  ]);
  const typed = toFlags(toConfig(config));
  assert.equal(help, false);
  assert.equal(typed.recipe, "gold");
  assert.equal(typed.minShare, 0.6);
  assert.deepEqual(typed.where, ["a=1", "b=2"]);
  assert.deepEqual(typed.baseUrl, ["http://localhost:8000/v1"]);
  assert.equal(typed.apiKey, "s3cret");
  assert.equal(typed.iteration, 0);
  assert.equal(typed.shuffleBuffer, 1000);
  for (const name of Object.keys(PIPELINE_FLAGS)) {
    const value = (config as unknown as Record<string, unknown>)[camel(name)];
    const stored = (shown as Record<string, unknown>)[name];
    assert.equal(stored, name === "api-key" ? "(set)" : value, name);
  }
  const names = new Set(Object.keys(PIPELINE_FLAGS).map(camel));
  assert.deepEqual(Object.keys(config).filter((key) => !names.has(key)), []);
});

Deno.test("parsePipelineArgs() reads --help and a config file that flags override", () => {
  const readFile = () => JSON.stringify({ recipe: "eval", min_share: 0.4 });
  const { help, config } = parsePipelineArgs(
    ["--config", "c.json", "--min-share", "0.7", "--help"],
    { readFile },
  );
  assert.equal(help, true);
  assert.equal(config.recipe, "eval");
  assert.equal(config.minShare, 0.7);
});

Deno.test("PipelineConfig types a flag with choices as one of them", () => {
  const { config } = parsePipelineArgs([]);
  // @ts-expect-error: not an API the flag allows
  const api: PipelineConfig["api"] = "responses";
  assert.equal(api, "responses");
  assert.ok(["chat", "completions"].includes(config.api));
});

/** Each bad command line, and the message of the ConfigError it gives. */
const BAD_PIPELINE: [string[], string][] = [
  [["--recipe", "nope"], 'Invalid value for --recipe: "nope" is not one of math-self-consistency'],
  [["--n", "0"], "Invalid value for --n: must be at least 1, got 0"],
  [["--n", "2.5"], "Invalid value for --n: expected a whole number, got 2.5"],
  [["--temperature", "hot"], 'Invalid value for --temperature: expected a number, got "hot"'],
  [["--min-share", "1.5"], "Invalid value for --min-share: must be at most 1, got 1.5"],
  [["--top-p", "2"], "Invalid value for --top-p: must be at most 1, got 2"],
  [["--port", "70000"], "Invalid value for --port: must be at most 65535, got 70000"],
  [["--api", "responses"], 'Invalid value for --api: "responses" is not one of chat, completions'],
  [["--shard", "4/4"], 'Invalid --shard "4/4": expected i/n with 0 ≤ i < n, e.g. 0/4'],
  [["--where", "nope"], 'Invalid --where "nope": expected field=value'],
  [
    ["--base-url", "localhost:8000/v1"],
    'Invalid value for --base-url: "localhost:8000/v1" is not an http(s) URL, e.g. http://localhost:8000/v1',
  ],
  [
    ["--frontier-base-url", "api.example.com"],
    'Invalid value for --frontier-base-url: "api.example.com" is not an http(s) URL',
  ],
  [["--iteration", "1"], "Unexpected --iteration: it goes with --schedule FILE"],
  [["--schedule", "plan.json"], "Missing --iteration: --schedule runs one iteration at a time"],
  [["gold"], 'Unexpected argument "gold": every setting is a flag (see --help)'],
  [["--sampels", "x"], "Unknown flag --sampels: did you mean --samples?"],
];

/** Checks that `parse` throws a ConfigError starting with each case's message. */
function assertRefused(parse: (args: string[]) => unknown, cases: [string[], string][]): void {
  for (const [args, message] of cases) {
    assert.throws(
      () => parse(args),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(message),
      `${args.join(" ")}: expected "${message}"`,
    );
  }
}

Deno.test("parsePipelineArgs() names the flag of each bad value", () => {
  assertRefused(parsePipelineArgs, BAD_PIPELINE);
});

Deno.test("parsePipelineArgs() names the config file's key of a bad value", () => {
  const readFile = () => JSON.stringify({ n: "many" });
  assert.throws(
    () => parsePipelineArgs(["--config", "c.json"], { readFile }),
    new ConfigError('Invalid value for "n" in the config file: expected a number, got "many"'),
  );
});

Deno.test("parseWorkerArgs() gives the worker's typed settings", () => {
  const parsed = parseWorkerArgs([
    ...["--nats", "nats://10.0.0.5:4222", "--token", "t", "--pool-size", "16"],
    ...["--health-every", "5"],
  ]);
  assert.ok(!parsed.help);
  const config = fromWorker(toWorker({ ...parsed.config }));
  assert.deepEqual(config, {
    nats: "nats://10.0.0.5:4222",
    token: "t",
    poolSize: 16,
    memoryMb: 512,
    healthEvery: 5,
  });
  assert.deepEqual(parseWorkerArgs(["--help"]), { help: true });
});

const BAD_WORKER: [string[], string][] = [
  [[], "Missing --nats: the broker's address, e.g. nats://HOST:4222"],
  [
    ["--nats", "nats://h:4222", "--pool-size", "0"],
    "Invalid value for --pool-size: must be at least 1, got 0",
  ],
  [
    ["--nats", "nats://h:4222", "--memory-mb", "8"],
    "Invalid value for --memory-mb: must be at least 16, got 8",
  ],
  [
    ["--nats", "nats://h:4222", "--health-every", "soon"],
    'Invalid value for --health-every: expected a number, got "soon"',
  ],
  [["--nats", "nats://h:4222", "extra"], 'Unexpected argument "extra"'],
  [["--nat", "nats://h:4222"], "Unknown flag --nat: did you mean --nats?"],
];

Deno.test("parseWorkerArgs() names the flag of each bad value", () => {
  assertRefused(parseWorkerArgs, BAD_WORKER);
});
