import assert from "node:assert";
import { Metrics } from "../src/metrics/metrics.ts";
import { AbortedError } from "../src/errors.ts";
import { SandboxPool, SandboxPoolError } from "./pool.ts";
import { ExecutionCache } from "./cache.ts";

Deno.test("SandboxPool runs Python in the three test styles and reports each status", async (t) => {
  const metrics = new Metrics();
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 2000, metrics });

  await t.step("stdio reads stdin and captures stdout", async () => {
    const result = await pool.run({
      language: "python",
      code: "import sys\nn = int(input())\nprint(sum(map(int, sys.stdin.read().split())) * n)",
      stdin: "2\n1 2 3\n",
    });
    assert.equal(result.status, "ok");
    assert.equal(result.stdout, "12\n");
  });

  await t.step("function style returns the canonical value; prints do not corrupt it", async () => {
    const result = await pool.run({
      language: "python",
      code: "def pair(a, b):\n    print('noise')\n    return (a, {b, 1})",
      call: { entry_point: "pair", args: "[1, 'x'], 3" },
    });
    assert.equal(result.status, "ok");
    assert.equal(result.return_value, '[[1,"x"],{"$set":[1,3]}]');
    assert.equal(result.stdout, "noise\n");
  });

  await t.step("execute() runs one program on each input, results in input order", async () => {
    const results = await pool.execute({
      language: "python",
      code: "def twice(x):\n    return x * 2",
      inputs: [
        { call: { entry_point: "twice", args: "3" } },
        { call: { entry_point: "twice", args: "'ab'" } },
        { call: { entry_point: "twice", args: "None" } },
      ],
    });
    assert.deepEqual(results.map((r) => r.status), ["ok", "ok", "runtime_error"]);
    assert.deepEqual(results.slice(0, 2).map((r) => r.return_value), ["6", '"abab"']);
  });

  await t.step(
    "execute(): descriptors an input closes or replaces are back for the next",
    async () => {
      const inputs = ["2\n1 2\n", "3\n4 5 6\n", "1\n-7\n"].map((stdin) => ({ stdin }));
      // open(0) closes fd 0 when its file object goes; the runner reads the next input there.
      const closes = await pool.execute({
        language: "python",
        code: "print(sum(map(int, open(0).read().split()[1:])))",
        inputs,
      });
      assert.deepEqual(closes.map((r) => [r.status, r.stdout]), [
        ["ok", "3\n"],
        ["ok", "15\n"],
        ["ok", "-7\n"],
      ]);
      const replaces = await pool.execute({
        language: "python",
        code: "import os, sys\nprint(sys.stdin.read().split()[0])\n" +
          "sys.stdout.flush()\nos.dup2(os.open('/tmp/x', os.O_WRONLY | os.O_CREAT), 1)\nos.close(0)",
        inputs,
      });
      const rebinds = await pool.execute({
        language: "python",
        code: "import io\nprint(input())\nio.FileIO = None",
        inputs,
      });
      assert.deepEqual(rebinds.map((r) => r.status), ["ok", "ok", "ok"]);
      assert.deepEqual(replaces.map((r) => [r.status, r.stdout]), [
        ["ok", "2\n"],
        ["ok", "3\n"],
        ["ok", "1\n"],
      ]);
    },
  );

  await t.step("a program that breaks its own runner fails; it is no sandbox_error", async () => {
    const [broken] = await pool.execute({
      language: "python",
      code: "import gc\nfor o in gc.get_objects():\n" +
        "    if isinstance(o, dict) and '_fresh_stdio' in o:\n        o.clear()",
      inputs: [{ stdin: "" }],
    });
    assert.equal(broken.status, "runtime_error");
    assert.match(broken.stderr, /left its runner unable to report/);
    const next = await pool.run({ language: "python", code: "print(input())", stdin: "x\n" });
    assert.deepEqual([next.status, next.stdout], ["ok", "x\n"]);
  });

  await t.step("gold test code passes when check() runs to the end", async () => {
    const code = "def add(a, b):\n    return a + b";
    const pass = await pool.run({
      language: "python",
      code,
      test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
      entry_point: "add",
    });
    assert.equal(pass.status, "ok");
    const fail = await pool.run({
      language: "python",
      code,
      test_code: "def check(candidate):\n    assert candidate(2, 3) == 6",
      entry_point: "add",
    });
    assert.equal(fail.status, "runtime_error");
    assert.match(fail.stderr, /AssertionError/);
  });

  await t.step("gold test code reaches the program's names, classes and iterators", async () => {
    const gold = (code: string, test_code: string, entry_point = "") =>
      pool.run({ language: "python", code, test_code, entry_point });
    // MBPP style: asserts on the program's functions, classes and imports by name.
    const mbpp = await gold(
      "import math\nclass Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n" +
        "def span(pairs):\n    return max(p.b for p in pairs) - min(p.a for p in pairs)\n" +
        "def squares(n):\n    return (i * i for i in range(n))",
      "assert span([Pair(1, 4), Pair(2, 9)]) == 8\nassert Pair(3, 5).b == 5\n" +
        "assert list(squares(4)) == [0, 1, 4, 9]\nassert math.isclose(math.pi, 3.14159, rel_tol=1e-3)",
    );
    assert.equal(mbpp.status, "ok", mbpp.stderr);
    // A class as the entry point; values of every plain type arrive as themselves.
    const stack = await gold(
      "from fractions import Fraction\nclass Stack:\n    def __init__(self):\n        self.items = []\n" +
        "    def push(self, x):\n        self.items.append(x)\n        return self\n" +
        "    def dump(self):\n        return (tuple(self.items), {1: {2.5}}, b'x', Fraction(1, 3), None)",
      "def check(candidate):\n    s = candidate().push(1).push('a')\n" +
        "    assert s.dump() == ((1, 'a'), {1: {2.5}}, b'x', __import__('fractions').Fraction(1, 3), None)\n" +
        "    assert s.items == [1, 'a']",
      "Stack",
    );
    assert.equal(stack.status, "ok", stack.stderr);
    // The program's exceptions reach check() as the same built-in type.
    const raises = await gold(
      "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x",
      "def check(candidate):\n    try:\n        candidate(-1)\n    except ValueError as e:\n" +
        "        assert str(e) == 'negative'\n    else:\n        assert False",
      "f",
    );
    assert.equal(raises.status, "ok", raises.stderr);
  });

  await t.step("gold test: a candidate that loops is stopped at the time limit", async () => {
    const result = await pool.run({
      language: "python",
      code: "def f(x):\n    while True:\n        pass",
      test_code:
        "def check(candidate):\n    for i in range(3):\n        try:\n            candidate(i)\n" +
        "        except BaseException:\n            pass",
      entry_point: "f",
      timeout_ms: 300,
    });
    assert.equal(result.status, "timeout");
    const after = await pool.run({
      language: "python",
      code: "def f(x):\n    return x",
      test_code: "def check(candidate):\n    assert candidate(4) == 4",
      entry_point: "f",
    });
    assert.equal(after.status, "ok", after.stderr);
  });

  await t.step("gold test: a program that exits fails even when check() swallows it", async () => {
    const result = await pool.run({
      language: "python",
      code: "import sys\ndef f(x):\n    sys.exit(0)",
      test_code:
        "def check(candidate):\n    try:\n        candidate(1)\n    except BaseException:\n        pass",
      entry_point: "f",
    });
    assert.equal(result.status, "runtime_error");
    assert.match(result.stderr, /exited before check\(\) returned/);
  });

  await t.step("syntax errors are compile errors, exceptions runtime errors", async () => {
    const compile = await pool.run({ language: "python", code: "def f(:\n  pass" });
    assert.equal(compile.status, "compile_error");
    assert.match(compile.stderr, /SyntaxError/);
    const runtime = await pool.run({ language: "python", code: "print('before')\n[][1]" });
    assert.equal(runtime.status, "runtime_error");
    assert.equal(runtime.stdout, "before\n");
    assert.match(runtime.stderr, /IndexError/);
  });

  await t.step("exit codes follow CPython: sys.exit() is ok, sys.exit(3) is an error", async () => {
    const ok = await pool.run({ language: "python", code: "import sys\nprint(1)\nsys.exit()" });
    assert.equal(ok.status, "ok");
    assert.equal(ok.stdout, "1\n");
    const bad = await pool.run({ language: "python", code: "import sys\nsys.exit(3)" });
    assert.equal(bad.status, "runtime_error");
  });

  await t.step("an infinite Python loop is interrupted and the worker stays warm", async () => {
    const result = await pool.run({
      language: "python",
      code: "while True:\n    pass",
      timeout_ms: 300,
    });
    assert.equal(result.status, "timeout");
    const after = await pool.run({ language: "python", code: "print('alive')" });
    assert.equal(after.stdout, "alive\n");
  });

  await t.step("a crash in deep recursion shows none of the runner's frames", async () => {
    const crash = await pool.run({
      language: "python",
      code: "import sys\nsys.setrecursionlimit(50000)\ndef f(n):\n    return f(n + 1) + 1\nf(0)",
      timeout_ms: 120_000,
    });
    assert.equal(crash.status, "runtime_error");
    assert.equal(crash.stdout, "");
    assert.doesNotMatch(crash.stderr, /_outcome|run_input/);
    const next = await pool.run({ language: "python", code: "print('next')" });
    assert.equal(next.stdout, "next\n");
  });

  await t.step("a loop inside a C call is killed, reported as timeout, and replaced", async () => {
    const result = await pool.run({
      language: "python",
      code: "sum(range(10**12))",
      timeout_ms: 300,
    });
    assert.equal(result.status, "timeout");
    const after = await pool.run({ language: "python", code: "print('replaced')" });
    assert.equal(after.stdout, "replaced\n");
  });

  await t.step("JavaScript and TypeScript return the same canonical values as Python", async () => {
    const args = "[3, 1, 2], {'k': (1, 2)}";
    const python = await pool.run({
      language: "python",
      code: "def f(xs, d):\n    return sorted(xs), d, {x for x in xs}",
      call: { entry_point: "f", args },
    });
    const typescript = await pool.run({
      language: "typescript",
      code: "function f(xs: number[], d: object) { return [[...xs].sort(), d, new Set(xs)]; }",
      call: { entry_point: "f", args },
    });
    assert.equal(typescript.status, "ok", typescript.stderr);
    assert.equal(typescript.return_value, python.return_value);
  });

  await t.step("JavaScript reads stdin through Node-style shims", async () => {
    const result = await pool.run({
      language: "javascript",
      code: "const rl = require('readline').createInterface({ input: process.stdin });\n" +
        "let sum = 0; rl.on('line', (l) => sum += Number(l)); rl.on('close', () => console.log(sum));",
      stdin: "1\n2\n3\n",
    });
    assert.equal(result.stdout, "6\n");
  });

  await t.step("metrics count executions by status and the pool size", async () => {
    const text = await metrics.registry.metrics();
    assert.match(text, /pfpo_sandbox_executions_total\{status="timeout"\} 3/);
    assert.match(text, /pfpo_sandbox_pool_size 1/);
    assert.match(text, /pfpo_sandbox_execution_seconds_count/);
  });
});

Deno.test("SandboxPool answers repeated jobs from the cache and honours abort and close", async () => {
  const cache = new ExecutionCache();
  const pool = await SandboxPool.start({ size: 1, cache });
  const job = { language: "python" as const, code: "import random\nprint(random.random())" };
  const first = await pool.run(job);
  const second = await pool.run(job);
  assert.equal(second.stdout, first.stdout);
  assert.equal(cache.size, 1);

  const controller = new AbortController();
  const slow = pool.run({ language: "python", code: "while True: pass", timeout_ms: 60_000 }, {
    signal: controller.signal,
  });
  const queued = pool.run({ language: "python", code: "print(1)" }, { signal: controller.signal });
  controller.abort();
  await Promise.all([assert.rejects(slow, AbortedError), assert.rejects(queued, AbortedError)]);
  const after = await pool.run({ language: "python", code: "print('still serving')" });
  assert.equal(after.stdout, "still serving\n");
  await pool.close();
  await assert.rejects(pool.run({ language: "python", code: "print(2)" }), SandboxPoolError);
});

async function childPids(pid: number): Promise<number[]> {
  const pids: number[] = [];
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`).catch(() => "");
    pids.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

async function isSandboxProcess(pid: number): Promise<boolean> {
  const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
  const state = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return cmdline.includes("sandbox_process.ts") && !/\) Z /.test(state);
}

Deno.test({
  name: "SandboxPool leaves no sandbox process behind when its parent is killed",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const script = `import { SandboxPool } from ${
      JSON.stringify(new URL("./pool.ts", import.meta.url).href)
    };
await SandboxPool.start({ size: 2 });
console.log("ready");
await new Promise(() => {});`;
    const parent = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("ready")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    const sandboxes = [];
    for (const pid of await childPids(parent.pid)) {
      if (await isSandboxProcess(pid)) sandboxes.push(pid);
    }
    assert.equal(sandboxes.length, 2);
    parent.kill("SIGKILL");
    await parent.status;
    await reader.cancel();
    for (let attempt = 0; attempt < 100; attempt++) {
      const alive = (await Promise.all(sandboxes.map(isSandboxProcess))).filter(Boolean);
      if (alive.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail("sandbox processes outlived their parent");
  },
});

Deno.test("SandboxPool keeps its start-up snapshot and marked module on disk and replaces one it cannot use", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await SandboxPool.start({ size: 1, snapshotDir: dir });
    await first.close();
    const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.equal(files.length, 2);
    const [file, module] = files; // "…-deno-…" sorts before "…-marks-…"
    assert.match(file, /^pyodide-.+\.snapshot$/);
    assert.match(module, /^pyodide-.+-marks-.+\.wasm$/);
    const stored = await Deno.readFile(`${dir}/${file}`);
    assert.ok(stored.length > 1 << 20);
    const storedModule = await Deno.readFile(`${dir}/${module}`);
    assert.ok(WebAssembly.validate(storedModule));

    await Deno.writeFile(`${dir}/${file}`, new Uint8Array(64));
    await Deno.writeFile(`${dir}/${module}`, new Uint8Array(64));
    await using second = await SandboxPool.start({ size: 1, snapshotDir: dir });
    const result = await second.run({ language: "python", code: "print(6 * 7)" });
    assert.equal(result.stdout, "42\n");
    assert.equal((await Deno.stat(`${dir}/${file}`)).size, stored.length);
    assert.equal((await Deno.stat(`${dir}/${module}`)).size, storedModule.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
