import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { formatHelp, parseFlags } from "./flags.ts";
import { formatDuration, Progress } from "./progress.ts";

const specs = {
  recipe: { type: "string", description: "Recipe", default: "gold", choices: ["gold", "eval"] },
  samples: { type: "number", description: "Samples", default: 8, min: 1, integer: true },
  "base-url": { type: "string", description: "Server" },
  "no-serve": { type: "boolean", description: "Do not serve", default: false },
  stop: { type: "list", description: "Stops", default: [] },
} as const;

const files: Record<string, string> = {
  "good.json": '{"samples": 3, "base_url": "http://x/v1", "recipe": "eval"}',
  "unknown.json": '{"sampels": 3}',
  "bad.json": "{",
  "badvalue.json": '{"samples": "many"}',
};
const readFile = (path: string) => {
  if (!(path in files)) throw new Error(`No such file: ${path}`);
  return files[path];
};

Deno.test("parseFlags() applies defaults, types and repeated flags", () => {
  const values = parseFlags(["--samples", "4", "--stop", "a", "--stop", "b", "--no-serve"], specs);
  assert.equal(values.samples, 4);
  assert.equal(values.recipe, "gold");
  assert.deepEqual(values.stop, ["a", "b"]);
  assert.equal(values["no-serve"], true);
  assert.equal(values["base-url"], undefined);
  assert.equal(values.help, false);
});

Deno.test("parseFlags() lets flags override the config file", () => {
  const values = parseFlags(["--config", "good.json", "--samples", "5"], specs, { readFile });
  assert.equal(values.samples, 5);
  assert.equal(values["base-url"], "http://x/v1");
  assert.equal(values.recipe, "eval");
});

Deno.test("parseFlags() names an unknown flag, a bad value and a bad config key", () => {
  assert.throws(
    () => parseFlags(["--sampels", "3"], specs),
    new ConfigError("Unknown flag --sampels: did you mean --samples?"),
  );
  assert.throws(
    () => parseFlags(["--base-ulr=http://x"], specs),
    new ConfigError("Unknown flag --base-ulr: did you mean --base-url?"),
  );
  assert.throws(
    () => parseFlags(["--no-srv"], specs),
    new ConfigError("Unknown flag --no-srv: did you mean --no-serve?"),
  );
  assert.throws(
    () => parseFlags(["--frobnicate"], specs),
    new ConfigError("Unknown flag --frobnicate"),
  );
  assert.throws(
    () => parseFlags(["--samples", "0"], specs),
    new ConfigError("Invalid value for --samples: must be at least 1, got 0"),
  );
  assert.throws(
    () => parseFlags(["--samples", "2.5"], specs),
    new ConfigError("Invalid value for --samples: expected a whole number, got 2.5"),
  );
  assert.throws(
    () => parseFlags(["--recipe", "nope"], specs),
    new ConfigError('Invalid value for --recipe: "nope" is not one of gold, eval'),
  );
  assert.throws(
    () => parseFlags(["--config", "unknown.json"], specs, { readFile }),
    new ConfigError(
      'Cannot read config file unknown.json: unknown key "sampels"; did you mean "samples"?',
    ),
  );
  assert.throws(() => parseFlags(["--config", "bad.json"], specs, { readFile }), ConfigError);
  assert.throws(
    () => parseFlags(["--config", "badvalue.json"], specs, { readFile }),
    new ConfigError(
      'Invalid value for "samples" in the config file: expected a number, got "many"',
    ),
  );
  assert.throws(() => parseFlags(["--config", "missing.json"], specs, { readFile }), ConfigError);
});

Deno.test("formatHelp() documents every flag", () => {
  const text = formatHelp("Usage: x", specs);
  for (const name of Object.keys(specs)) assert.match(text, new RegExp(`--${name}`));
  assert.match(text, /--recipe gold\|eval\s+Recipe \(default: gold\)/);
  assert.match(text, /--config FILE/);
});

function sink(tty: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    output: {
      writeSync: (b: Uint8Array) => (chunks.push(new TextDecoder().decode(b)), b.length),
      isTerminal: () => tty,
    },
  };
}

Deno.test("Progress redraws one line on a terminal with rate and ETA", () => {
  let now = 0;
  const { chunks, output } = sink(true);
  const progress = new Progress({ label: "samples", total: 100, output, now: () => now });
  now = 10_000;
  progress.add(50, "pairs 3");
  assert.equal(chunks.length, 1);
  assert.match(
    chunks[0],
    // deno-lint-ignore no-control-regex
    /^\r\x1b\[2Ksamples 50\/100 {2}5\.00\/s {2}ETA 10s {2}elapsed 10s {2}pairs 3$/,
  );
  now = 10_050;
  progress.add(1);
  assert.equal(chunks.length, 1, "throttled");
  progress.done();
  assert.ok(chunks[1].endsWith("\n"));
});

Deno.test("Progress writes plain log lines at intervals off a terminal", () => {
  let now = 0;
  const { chunks, output } = sink(false);
  const progress = new Progress({ label: "problems", output, now: () => now, logMs: 1000 });
  progress.add();
  assert.equal(chunks.length, 0);
  now = 1500;
  progress.add();
  assert.deepEqual(chunks, ["problems 2  1.33/s  elapsed 2s\n"]);
});

Deno.test("formatDuration() uses hours, minutes and seconds", () => {
  assert.equal(formatDuration(5), "5s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
});

Deno.test("parseFlags() types a flag with choices as the union of its choices", () => {
  const specs = {
    api: { type: "string", description: "API", choices: ["chat", "completions"], default: "chat" },
    name: { type: "string", description: "Name" },
  } as const;
  const flags = parseFlags(["--api", "completions"], specs);
  const api: "chat" | "completions" = flags.api;
  assert.equal(api, "completions");
  // @ts-expect-error: a value outside the choices is not of the flag's type
  const other: typeof flags.api = "responses";
  const name: string | undefined = flags.name;
  assert.deepEqual([other, name], ["responses", undefined]);
});
