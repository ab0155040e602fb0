import assert from "node:assert/strict";
import { parseFlags } from "../mod.ts";
import { type CamelFlags, type PipelineConfig, pipelineConfig } from "./config.ts";
import { PIPELINE_FLAGS } from "./flags.ts";

// PipelineConfig is exactly the parsed flags under camelCase names: each is
// assignable to the other, so a flag added without its documented field (or a
// field without its flag) does not compile.
const toConfig = (flags: CamelFlags): PipelineConfig => flags;
const toFlags = (config: PipelineConfig): CamelFlags => config;

Deno.test("pipelineConfig() names every flag in camelCase with its parsed value", () => {
  const flags = parseFlags(
    ["--recipe", "gold", "--min-share", "0.6", "--where", "a=1", "--where", "b=2"],
    PIPELINE_FLAGS,
  );
  const config = toFlags(toConfig(pipelineConfig(flags)));
  assert.equal(config.recipe, "gold");
  assert.equal(config.minShare, 0.6);
  assert.deepEqual(config.where, ["a=1", "b=2"]);
  assert.equal(config.shuffleBuffer, flags["shuffle-buffer"]);
  for (const name of Object.keys(PIPELINE_FLAGS)) {
    const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    assert.equal(
      (config as unknown as Record<string, unknown>)[camel],
      (flags as unknown as Record<string, unknown>)[name],
      name,
    );
  }
});

Deno.test("PipelineConfig types a flag with choices as one of them", () => {
  const config = pipelineConfig(parseFlags([], PIPELINE_FLAGS));
  // @ts-expect-error: not an API the flag allows
  const api: PipelineConfig["api"] = "responses";
  assert.equal(api, "responses");
  assert.ok(["chat", "completions"].includes(config.api));
});
