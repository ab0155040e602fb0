/**
 * `deno task bench`: the list on `--help`, an unknown name refused with the closest
 * one, and options passed on to each benchmark.
 */
import assert from "node:assert/strict";
import { planBench } from "../bench/main.ts";

const MAIN = new URL("../bench/main.ts", import.meta.url).pathname;

async function bench(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", MAIN, ...args] })
    .output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("bench/main.ts lists the benchmarks on --help and refuses an unknown name", async () => {
  const help = await bench(["--help"]);
  assert.equal(help.code, 0);
  for (const name of ["feedback", "pipeline", "sampling", "sandbox", "stream"]) {
    assert.match(help.stdout, new RegExp(`^  ${name}\\s+\\S`, "m"));
  }
  const unknown = await bench(["pipline", "--quick"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown benchmark "pipline": did you mean "pipeline"\?/);
  assert.equal(unknown.stdout, "", "nothing ran");
});

Deno.test("planBench() passes everything from the first option on to each benchmark", () => {
  const known = ["feedback", "pipeline", "stream"];
  assert.deepEqual(planBench(["pipeline", "--quick", "math"], known), {
    names: ["pipeline"],
    options: ["--quick", "math"],
    help: false,
  });
  assert.deepEqual(planBench(["feedback", "--tasks", "5"], known).options, ["--tasks", "5"]);
  assert.deepEqual(planBench([], known).names, known);
  assert.equal(planBench(["-h"], known).help, true);
  assert.equal(planBench(["pipeline", "--help"], known).help, false, "a benchmark's own --help");
  assert.throws(() => planBench(["nope"], known), /Unknown benchmark "nope" \(one of/);
});
