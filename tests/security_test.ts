/**
 * The sandbox security suite: hostile programs in each language, every one
 * contained, with the pool still serving afterwards.
 */
import assert from "node:assert";
import { existsSync } from "node:fs";
import type { ExecutionResult } from "../src/model/execution.ts";
import { type SandboxJob, SandboxPool } from "../sandbox/mod.ts";

const CANARY = `canary-${crypto.randomUUID()}`;
const HOST_FILE = new URL("../deno.json", import.meta.url).pathname;
const PWNED = `/tmp/pfpo-sandbox-pwned-${crypto.randomUUID()}`;

interface Hostile {
  name: string;
  job: SandboxJob;
  check(result: ExecutionResult): void;
}

function notOk(result: ExecutionResult): void {
  assert.notEqual(result.status, "ok", JSON.stringify(result).slice(0, 500));
}

function status(expected: ExecutionResult["status"]): (result: ExecutionResult) => void {
  return (result) => assert.equal(result.status, expected, JSON.stringify(result).slice(0, 500));
}

function leaksNothing(result: ExecutionResult): void {
  const text = result.stdout + result.stderr;
  assert.ok(!text.includes(CANARY), "the environment leaked");
  assert.ok(!text.includes('"tasks"'), "a host file leaked");
  assert.ok(!text.includes("root:x:0:0"), "/etc/passwd leaked");
}

const py = (code: string, extra: Partial<SandboxJob> = {}): SandboxJob => ({
  language: "python",
  code,
  ...extra,
});
const js = (code: string, extra: Partial<SandboxJob> = {}): SandboxJob => ({
  language: "javascript",
  code,
  ...extra,
});

/** Every route from Python to JavaScript objects: the object graph, a fresh `gc`, the import finder. */
const REACH_JAVASCRIPT = `
import gc, sys, importlib.util
spec = importlib.util.find_spec("gc")
fresh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fresh)
seen = []
for o in fresh.get_objects() + gc.get_objects() + list(sys.meta_path):
    if "Js" in type(o).__name__ or "js" in type(o).__name__.lower():
        seen.append(o)
for name in ("js", "pyodide_js"):
    try:
        seen.append(importlib.import_module(name))
    except BaseException:
        pass
for o in seen:
    for attr in ("constructor", "console", "Deno", "postMessage", "globalThis"):
        try:
            print(attr, repr(getattr(o, attr))[:80])
        except BaseException:
            pass
print("seen", len(seen))
`;

/** Memory bombs get a long time limit: what they must hit is the memory limit, even on a loaded machine. */
const BOMB = { memory_mb: 128, timeout_ms: 30_000 };

function hostilePrograms(port: number): Hostile[] {
  const url = `http://127.0.0.1:${port}/`;
  return [
    {
      name: "Python reads /etc/passwd",
      job: py("print(open('/etc/passwd').read())"),
      check: notOk,
    },
    {
      name: "Python reads a project file",
      job: py(`print(open(${JSON.stringify(HOST_FILE)}).read())`),
      check: notOk,
    },
    {
      name: "Python writes a host file",
      job: py(`open(${JSON.stringify(PWNED)}, 'w').write('x')`),
      // The write lands in the interpreter's in-memory file system, gone after the program.
      check: leaksNothing,
    },
    {
      name: "Python lists the root directory",
      job: py("import os\nprint(os.listdir('/'))"),
      check: (r) => assert.ok(!/'(usr|etc|work|root)'/.test(r.stdout), r.stdout),
    },
    {
      name: "Python opens a socket",
      job: py(`import socket\nsocket.create_connection(("127.0.0.1", ${port}))`),
      check: notOk,
    },
    {
      name: "Python fetches a URL",
      job: py(
        `import urllib.request\nprint(urllib.request.urlopen(${JSON.stringify(url)}).read())`,
      ),
      check: notOk,
    },
    {
      name: "Python reads the environment",
      job: py("import os\nprint(dict(os.environ))"),
      check: leaksNothing,
    },
    {
      name: "Python spawns a process",
      job: py("import subprocess\nprint(subprocess.run(['ls'], capture_output=True))"),
      check: notOk,
    },
    {
      name: "Python calls os.system",
      job: py("import os\nprint(os.system('touch " + PWNED + "'))"),
      check: leaksNothing,
    },
    { name: "Python fork bomb", job: py("import os\nwhile True:\n    os.fork()"), check: notOk },
    {
      name: "Python thread bomb",
      job: py("import threading\nwhile True:\n    threading.Thread(target=lambda: None).start()"),
      check: notOk,
    },
    {
      name: "Python imports js",
      job: py("import js\nprint(js.Deno)"),
      check: status("runtime_error"),
    },
    {
      name: "Python imports pyodide_js",
      job: py("import pyodide_js"),
      check: status("runtime_error"),
    },
    {
      name: "Python imports pyodide.code",
      job: py("from pyodide.code import run_js\nrun_js('1')"),
      check: status("runtime_error"),
    },
    {
      name: "Python imports js through importlib",
      job: py("import importlib\nimportlib.import_module('js')"),
      check: status("runtime_error"),
    },
    {
      name: "Python re-creates js after unblocking",
      job: py(
        "import sys, importlib\nfor n in ('js', 'pyodide', 'pyodide_js'):\n    sys.modules.pop(n, None)\nimportlib.import_module('js')",
      ),
      check: status("runtime_error"),
    },
    {
      name: "Python imports _pyodide_core",
      job: py("import _pyodide_core"),
      check: status("runtime_error"),
    },
    {
      name: "Python walks the object graph to JavaScript objects",
      // A long time limit: walking every object is slow on a loaded machine.
      job: py(REACH_JAVASCRIPT, { timeout_ms: 30_000 }),
      check: (r) => {
        assert.equal(r.status, "ok", r.stderr);
        assert.doesNotMatch(r.stdout, /Function|Window|Deno|console|postMessage/);
      },
    },
    {
      name: "Python list growth",
      job: py("a = []\nwhile True:\n    a.append([0] * 10000)", BOMB),
      check: status("memory_limit"),
    },
    {
      name: "Python bytearray",
      job: py("b = bytearray(10**9)", BOMB),
      check: status("memory_limit"),
    },
    {
      name: "Python infinite loop",
      job: py("while True:\n    pass", { timeout_ms: 300 }),
      check: status("timeout"),
    },
    {
      name: "Python loop that swallows interrupts",
      job: py(
        "while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass",
        { timeout_ms: 300 },
      ),
      check: status("timeout"),
    },
    {
      name: "Python loop inside a C call",
      job: py("print(sum(range(10**12)))", { timeout_ms: 300 }),
      check: status("timeout"),
    },
    {
      name: "Python output flood",
      job: py("while True:\n    print('x' * 10000)"),
      check: status("output_limit"),
    },
    {
      name: "Python stderr flood",
      job: py("import sys\nwhile True:\n    sys.stderr.write('y' * 10000)"),
      check: status("output_limit"),
    },
    {
      name: "Python deep recursion",
      // A generous limit: the verdict is the status, not the time (shared machines are slow).
      job: py("def f(n):\n    return f(n + 1)\nf(0)", { timeout_ms: 30_000 }),
      check: status("runtime_error"),
    },
    {
      name: "Python unbounded recursion limit",
      job: py("import sys\nsys.setrecursionlimit(10**9)\ndef f(n):\n    return f(n + 1)\nf(0)", {
        memory_mb: 128,
      }),
      check: notOk,
    },
    {
      name: "Python reads past end of stdin",
      job: py("while True:\n    input()", { stdin: "1\n" }),
      check: status("runtime_error"),
    },
    {
      name: "Python reads stdin forever",
      job: py("import sys\nwhile True:\n    sys.stdin.read()", { timeout_ms: 300 }),
      check: status("timeout"),
    },
    { name: "Python os._exit", job: py("import os\nos._exit(3)"), check: status("runtime_error") },
    {
      name: "JavaScript reads a file",
      job: js(
        `const fs = await import("node:fs"); console.log(fs.readFileSync(${
          JSON.stringify(HOST_FILE)
        }, "utf8"))`,
      ),
      check: notOk,
    },
    {
      name: "JavaScript fetches a file URL",
      job: js(`console.log(await (await fetch(${JSON.stringify(`file://${HOST_FILE}`)})).text())`),
      check: notOk,
    },
    {
      name: "JavaScript uses Deno",
      job: js(`console.log(Deno.readTextFileSync("/etc/passwd"))`),
      check: notOk,
    },
    {
      name: "JavaScript writes a file",
      job: js(
        `const fs = await import("node:fs"); fs.writeFileSync(${JSON.stringify(PWNED)}, "x")`,
      ),
      check: notOk,
    },
    {
      name: "JavaScript lists a directory",
      job: js(`const fs = await import("node:fs"); console.log(fs.readdirSync("/"))`),
      check: notOk,
    },
    {
      name: "JavaScript fetches",
      job: js(`const r = await fetch(${JSON.stringify(url)}); console.log(await r.text())`),
      check: notOk,
    },
    {
      name: "JavaScript opens a socket",
      job: js(
        `const net = await import("node:net"); await new Promise((ok, no) => net.connect(${port}, "127.0.0.1", ok).on("error", no))`,
      ),
      check: notOk,
    },
    {
      name: "JavaScript reads the environment",
      job: js(`const p = await import("node:process"); console.log(JSON.stringify(p.env))`),
      check: leaksNothing,
    },
    {
      name: "JavaScript spawns a process",
      job: js(
        `const cp = await import("node:child_process"); console.log(String(cp.execSync("ls")))`,
      ),
      check: notOk,
    },
    {
      name: "JavaScript imports a remote module",
      job: js(`await import("https://esm.sh/left-pad")`),
      check: notOk,
    },
    {
      name: "JavaScript thread bomb",
      job: js(
        `const { Worker } = await import("node:worker_threads"); while (true) new Worker("while(true){}", { eval: true })`,
      ),
      check: notOk,
    },
    { name: "JavaScript evaluates strings", job: js(`console.log(eval("1 + 1"))`), check: notOk },
    {
      name: "JavaScript array growth",
      job: js("const a = []; while (true) a.push(new Array(1e6).fill(1))", BOMB),
      check: status("memory_limit"),
    },
    {
      name: "JavaScript buffer growth",
      job: js("const keep = []; while (true) keep.push(new Uint8Array(1 << 26).fill(1))", BOMB),
      check: status("memory_limit"),
    },
    {
      name: "JavaScript infinite loop",
      job: js("while (true) {}", { timeout_ms: 300 }),
      check: status("timeout"),
    },
    {
      name: "JavaScript timer that never stops",
      job: js("setInterval(() => {}, 10)", { timeout_ms: 300 }),
      check: status("timeout"),
    },
    {
      name: "JavaScript output flood",
      job: js("while (true) console.log('x'.repeat(10000))"),
      check: status("output_limit"),
    },
    {
      name: "JavaScript deep recursion",
      job: js("function f(n) { return f(n + 1) } f(0)", { timeout_ms: 30_000 }),
      check: status("runtime_error"),
    },
    {
      name: "JavaScript writes to the real stdout",
      job: js(`Deno.stdout.writeSync(new TextEncoder().encode('{"id":1,"status":"ok"}\\n'))`),
      check: notOk,
    },
    {
      name: "TypeScript reads a file",
      job: {
        language: "typescript",
        code: `const t: string = Deno.readTextFileSync("/etc/passwd"); console.log(t)`,
      },
      check: notOk,
    },
  ];
}

Deno.test("hostile programs are contained and the pool keeps serving", async (t) => {
  const requests: string[] = [];
  Deno.env.set("PFPO_SANDBOX_CANARY", CANARY);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    requests.push(request.url);
    return new Response("reached");
  });
  await using pool = await SandboxPool.start({ size: 2, timeoutMs: 3000, memoryMb: 256 });
  try {
    const programs = hostilePrograms(server.addr.port);
    const results = await Promise.all(programs.map((p) => pool.run(p.job)));
    for (const [i, program] of programs.entries()) {
      await t.step(program.name, () => {
        leaksNothing(results[i]);
        program.check(results[i]);
      });
    }
    await t.step("nothing reached the host", () => {
      assert.deepEqual(requests, []);
      assert.equal(existsSync(PWNED), false);
    });
    await t.step("the pool still runs programs in both languages", async () => {
      const [python, javascript] = await Promise.all([
        pool.run(py("print(6 * 7)")),
        pool.run(js("console.log(6 * 7)")),
      ]);
      assert.equal(python.stdout, "42\n");
      assert.equal(javascript.stdout, "42\n");
    });
  } finally {
    await server.shutdown();
    Deno.env.delete("PFPO_SANDBOX_CANARY");
  }
});

/** A program that tries to poison later ones, and a probe that must see a clean interpreter. */
const POISONS: { name: string; poison: string; probe: string; expected: string }[] = [
  {
    name: "rebinding a builtin",
    poison: "import builtins\nbuiltins.len = lambda x: 42\nbuiltins.print = None",
    probe: "print(len('ab'))",
    expected: "2\n",
  },
  {
    name: "mutating a standard-library module",
    poison: "import math, json\nmath.pi = 3\njson.dumps = None",
    probe: "import math, json\nprint(math.pi, json.dumps([1]))",
    expected: "3.141592653589793 [1]\n",
  },
  {
    name: "patching a standard-library class",
    poison: "import collections\ncollections.Counter.most_common = lambda self, n=None: []",
    probe: "import collections\nprint(collections.Counter('aab').most_common(1))",
    expected: "[('a', 2)]\n",
  },
  {
    name: "replacing a module in sys.modules",
    poison: "import sys\nsys.modules['heapq'] = None",
    probe: "import heapq\nprint(heapq.nsmallest(1, [3, 1]))",
    expected: "[1]\n",
  },
  {
    name: "installing an import hook",
    poison:
      "import sys\nclass F:\n    def find_spec(self, *a):\n        raise ImportError('poisoned')\nsys.meta_path.insert(0, F())",
    probe: "import fractions\nprint(fractions.Fraction(1, 2))",
    expected: "1/2\n",
  },
  {
    name: "writing a file to the virtual file system",
    poison: "open('/tmp/state.txt', 'w').write('poison')",
    probe: "import os\nprint(os.path.exists('/tmp/state.txt'))",
    expected: "False\n",
  },
  {
    name: "changing the recursion limit",
    poison: "import sys\nsys.setrecursionlimit(50)",
    probe: "import sys\nprint(sys.getrecursionlimit())",
    expected: "1000\n",
  },
  {
    name: "closing and replacing the standard streams",
    poison: "import sys\nsys.stdout.close()\nsys.stdin = None",
    probe: "print(input())",
    expected: "probe\n",
  },
  {
    name: "changing the environment and working directory",
    poison: "import os\nos.environ['POISON'] = '1'\nos.chdir('/tmp')",
    probe: "import os\nprint('POISON' in os.environ, os.getcwd())",
    expected: "False /home/pyodide\n",
  },
  {
    name: "changing the decimal context",
    poison: "import decimal\ndecimal.getcontext().prec = 3",
    probe: "from decimal import Decimal\nprint(Decimal(1) / Decimal(3))",
    expected: "0.3333333333333333333333333333\n",
  },
  {
    name: "leaving an event-loop timer",
    poison:
      "import asyncio, builtins\nasyncio.get_event_loop().call_later(0.05, lambda: setattr(builtins, 'print', None))",
    probe: "import time\nt = time.time()\nwhile time.time() - t < 0.2: pass\nprint('clean')",
    expected: "clean\n",
  },
  {
    name: "adding an audit hook",
    poison: "import sys\nsys.addaudithook(lambda e, a: None)",
    probe: "print('clean')",
    expected: "clean\n",
  },
  {
    name: "disabling the garbage collector",
    poison: "import gc\ngc.disable()",
    probe: "import gc\nprint(gc.isenabled())",
    expected: "True\n",
  },
];

Deno.test("a program cannot change a later program's result", async (t) => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 3000 });
  for (const { name, poison, probe, expected } of POISONS) {
    await t.step(`Python: ${name}`, async () => {
      await pool.run(py(poison));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const result = await pool.run(py(probe, { stdin: "probe\n" }));
      assert.equal(result.stdout, expected, JSON.stringify(result));
    });
  }
  await t.step("JavaScript: globals and prototypes", async () => {
    await pool.run(js("globalThis.leak = 1; Array.prototype.map = () => 'poisoned'"));
    const result = await pool.run(js("console.log(typeof leak, [1, 2].map((x) => x * 2).join())"));
    assert.equal(result.stdout, "undefined 2,4\n");
  });
});

/** A JavaScript gold test: `check` calls `add(2, 3)` and wants 5. */
const JS_GOLD = {
  test_code: "function check(c) { if (c(2, 3) != 5) throw new Error('wrong') }",
  entry_point: "add",
};

/** Jobs whose results must be exactly what a fresh process gives, after any attack. */
const VICTIMS: SandboxJob[] = [
  py("def f(x):\n    return x * 2", { call: { entry_point: "f", args: "7" } }),
  py(
    "import builtins, csv, json\nprint(len('ab'), hasattr(csv, 'reader'), json.dumps([1]), getattr(builtins, 'seen', None))",
  ),
  py("import sys\nprint(sum(map(int, sys.stdin.read().split())))", { stdin: "1 2 3\n" }),
  py("def add(a, b):\n    return a + b", {
    test_code: "def check(candidate):\n    assert candidate(2, 3) == 6",
    entry_point: "add",
  }),
  js("console.log(JSON.stringify([1, 2]), typeof leak)"),
  js("function f(x) { return x * 2 }", { call: { entry_point: "f", args: "7" } }),
  js("function add(a, b) { return a + b }", JS_GOLD),
  js(`const { BroadcastChannel } = await import("node:worker_threads");
const channel = new BroadcastChannel("pfpo");
let heard = 0;
channel.onmessage = () => heard++;
await new Promise((resolve) => setTimeout(resolve, 50));
channel.close();
console.log("heard", heard, typeof leak, [1, 2].map((x) => x * 2).join())`),
];

/**
 * A script program looking for objects of another realm (the worker's) everywhere it can:
 * its globals and shims, errors they throw, and the stack frames under it while it runs,
 * while its timers fire and while the runner copies its return value (a getter). It
 * replaces the methods of whatever it finds, and returns how many it found.
 */
const REACH_WORKER_REALM = `const seen = new Set();
const foreign = [];
// An object of another realm: its prototype chain ends in another realm's Object.prototype.
const isForeign = (o) => {
  let root = o;
  for (let next = Object.getPrototypeOf(root); next !== null; next = Object.getPrototypeOf(root)) root = next;
  return root !== Object.prototype && Object.getOwnPropertyNames(root).includes("hasOwnProperty");
};
const look = (o) => {
  if (((typeof o === "object" && o !== null) || typeof o === "function") && !seen.has(o)) {
    seen.add(o);
    if (isForeign(o)) foreign.push(o);
    try { look(Object.getPrototypeOf(o)); look(o.constructor); } catch {}
  }
};
Error.prepareStackTrace = (error, frames) => {
  for (const frame of frames) {
    try { look(frame.getThis()); look(frame.getFunction()); } catch {}
  }
  return "";
};
const probe = () => {
  void new Error().stack;
  for (const o of foreign) {
    try { Object.getPrototypeOf(o).toString = () => "pwned"; o.postMessage = () => {}; } catch {}
  }
};
for (const o of [globalThis, console, console.log, process, process.stdin, process.exit, require,
  require("fs"), require("readline").createInterface(), setTimeout, queueMicrotask, performance]) look(o);
try { require("nothing"); } catch (error) { look(error); }
try { process.exit(0); } catch (error) { look(error); }
probe();
setTimeout(probe, 0);
queueMicrotask(probe);
Promise.resolve().then(probe);
function f() {
  return { get found() { probe(); return foreign.length; } };
}`;

/** Programs that try to take over their worker, forge a verdict or break the next job. */
const ATTACKS: { name: string; job: SandboxJob; check?: (result: ExecutionResult) => void }[] = [
  {
    name: "Python rewrites the runner through sys._getframe",
    job: py(`import sys, builtins
f = sys._getframe(1)
for k in list(f.f_globals):
    if callable(f.f_globals[k]) and not k.startswith("__"):
        f.f_globals[k] = lambda *a, **k: ("ok", "", "42", None)
builtins.len = lambda x: 42
import json
json.dumps = lambda *a, **k: "forged"`),
  },
  {
    name: "Python spies on compile",
    job: py(`import builtins
real = builtins.compile
def spy(source, *a, **k):
    builtins.seen = source
    return real(source, *a, **k)
builtins.compile = spy
builtins.seen = "spied"`),
  },
  {
    name: "Python leaves a self-rearming finalizer",
    job: py(`import builtins, gc
class Mine:
    def __del__(self):
        builtins.len = lambda x: 42
        global keep
        keep = Mine()
keep = Mine()
for _ in range(3):
    keep = Mine()
gc.collect()`),
  },
  {
    name: "Python plants modules in the file system",
    job: py(`import sys, os
for d in sys.path:
    try:
        os.makedirs(d, exist_ok=True)
        for name in ("csv.py", "json.py", "numpy.py"):
            open(os.path.join(d, name), "w").write("import builtins\nbuiltins.seen = 'planted'\nreader = None\n")
    except OSError:
        pass
os.chdir("/tmp")`),
  },
  { name: "Python reaches for JavaScript objects", job: py(REACH_JAVASCRIPT) },
  {
    // The reset puts back only what a program wrote: writes from JavaScript (reads, the
    // clock, random bytes, file metadata) and bulk copies must all count, also where
    // they land in memory the pristine interpreter used and the program freed.
    name: "Python frees the interpreter's own objects and fills their memory from JavaScript",
    job: py(
      `import sys, gc, os, time
for name in list(sys.modules):
    if name not in ("sys", "builtins", "gc", "os", "time", "posix"):
        del sys.modules[name]
sys.path.clear()
gc.collect()
data = sys.stdin.read()
chunks = [data[i:i + 4096] for i in range(0, len(data), 4096)]
noise = [os.urandom(4096) for _ in range(64)] + [bytes(os.stat("/").st_size) for _ in range(64)]
stamps = [time.localtime(), time.time(), os.getcwd(), os.listdir("/")]
big = bytearray(48 << 20)
big[: len(data)] = data.encode()
big[1 << 20 :] = big[: len(big) - (1 << 20)]
print(len(chunks), len(noise), len(stamps))`,
      { stdin: "x\u00e9\u4e2d".repeat(100_000) },
    ),
  },
  {
    name: "Python closes and replaces its standard descriptors",
    job: py(
      `import os
print(len(open(0).read()))
os.dup2(os.open("/tmp/out.txt", os.O_WRONLY | os.O_CREAT), 1)
os.close(2)`,
      { stdin: "abc\n" },
    ),
  },
  {
    name: "gold test: sys.exit(0) before check",
    job: py("import sys\nsys.exit(0)\ndef add(a, b):\n    return 0", {
      test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "gold test: os._exit(0) before check",
    job: py("import os\nos._exit(0)\ndef add(a, b):\n    return 0", {
      test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "gold test: raise SystemExit inside the candidate",
    job: py("def add(a, b):\n    raise SystemExit", {
      test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "gold test: a value whose __eq__ always says yes",
    job: py(
      "class Yes:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()",
      {
        test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
        entry_point: "add",
      },
    ),
    check: status("runtime_error"),
  },
  {
    name: "gold test: an int subclass that lies",
    job: py(
      "class Five(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Five(0)",
      {
        test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
        entry_point: "add",
      },
    ),
    check: status("runtime_error"),
  },
  {
    name: "gold test: the program rewrites the runner and check() through gc and frames",
    job: py(
      `import sys, gc, builtins
def forged(*a, **k):
    return ("ok", "", None, None)
for o in gc.get_objects():
    if type(o).__name__ == "function" and o.__name__ in ("check", "check_input", "_outcome", "run", "_loads"):
        o.__code__ = forged.__code__
f = sys._getframe(0)
while f is not None:
    for k, v in list(f.f_globals.items()):
        if callable(v) and not k.startswith("__") and k != "add":
            f.f_globals[k] = forged
    f = f.f_back
builtins.isinstance = lambda *a: True
def add(a, b):
    return 0`,
      {
        test_code: "def check(candidate):\n    assert candidate(2, 3) == 5",
        entry_point: "add",
      },
    ),
    check: status("runtime_error"),
  },
  {
    name: "gold test: a program that defines check() itself",
    job: py("def check(candidate):\n    pass\ndef add(a, b):\n    return 0", {
      test_code: "assert True",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "JavaScript gold test: process.exit(0) before check",
    job: js("process.exit(0); function add(a, b) { return 0 }", {
      test_code: "function check(c) { if (c(2, 3) !== 5) throw new Error('wrong') }",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "JavaScript gold test: replacing JSON.stringify",
    job: js("JSON.stringify = () => '5'; function add(a, b) { return 0 }", {
      test_code:
        "function check(c) { if (JSON.stringify(c(2, 3)) !== '5') throw new Error('wrong') }",
      entry_point: "add",
    }),
    check: status("runtime_error"),
  },
  {
    name: "JavaScript gold test: intercepting the runner's report",
    job: js(
      `const post = MessagePort.prototype.postMessage;
MessagePort.prototype.postMessage = function (message, transfer) {
  const forged = message && typeof message.status === "string" ? { ...message, status: "ok", stderr: "" } : message;
  return post.call(this, forged, transfer);
};
Reflect.apply = (f, self, args) => f.call(self, ...args.map((m) => m?.status ? { ...m, status: "ok" } : m));
function add(a, b) { return 0 }`,
      JS_GOLD,
    ),
    check: status("runtime_error"),
  },
  {
    name: "JavaScript gold test: a returned object whose valueOf lies",
    job: js(
      "class Five { valueOf() { return 5 } }\nfunction add(a, b) { return new Five() }",
      JS_GOLD,
    ),
    check: status("runtime_error"),
  },
  {
    name:
      "JavaScript runs code from strings (node:vm with a stand-in Deno, data: and blob: modules)",
    job: js(
      `const stub = (path) => new Proxy(function () {}, {
  get: (_, key) => key === Symbol.toPrimitive ? () => "/" : key === "then" ? undefined : stub(path + "." + String(key)),
  apply: () => stub(path + "()"),
});
globalThis.Deno = stub("Deno");
const vm = await import("node:vm");
const fromVm = vm.runInThisContext("globalThis.leak = 1; Object.prototype.poisoned = 1; 42");
const code = "globalThis.leak = 1; setTimeout(() => { globalThis.leak = 2 }, 1); export default 42";
const fromData = await import("data:text/javascript," + encodeURIComponent(code));
const fromBlob = await import(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
console.log(fromVm, fromData.default, fromBlob.default)`,
    ),
    check: (r) => assert.equal(r.stdout, "42 42 42\n", JSON.stringify(r)),
  },
  ...(["javascript", "typescript"] as const).map((language) => ({
    name: `${
      language === "javascript" ? "JavaScript" : "TypeScript"
    } reaches for the worker's realm from its own`,
    job: js(`${REACH_WORKER_REALM}\nexport { f };`, {
      language,
      call: { entry_point: "f", args: "" },
    }),
    check: (r: ExecutionResult) => assert.equal(r.return_value, '{"found":0}', JSON.stringify(r)),
  })),
  {
    name: "JavaScript looks for ways to be called back after its report",
    job: js(`console.log(typeof FinalizationRegistry, typeof WebAssembly, typeof SharedArrayBuffer);
try { eval("globalThis.leak = 1"); } catch (error) { console.log(error.name) }`),
    check: (r) =>
      assert.equal(r.stdout, "undefined undefined undefined\nEvalError\n", JSON.stringify(r)),
  },
  {
    name: "JavaScript replaces every method of its realm's built-ins",
    job: js(`for (const name of Object.getOwnPropertyNames(globalThis)) {
  const value = globalThis[name];
  for (const target of [value, value?.prototype]) {
    if (target === null || (typeof target !== "object" && typeof target !== "function")) continue;
    for (const key of Object.getOwnPropertyNames(target)) {
      try { if (typeof target[key] === "function") target[key] = () => "pwned"; } catch {}
    }
  }
}
globalThis.leak = 1;
console.log("done")`),
  },
  {
    name: "JavaScript broadcasts to later programs",
    job: js(`const { BroadcastChannel } = await import("node:worker_threads");
const channel = new BroadcastChannel("pfpo");
setInterval(() => channel.postMessage("poison"), 1);
channel.postMessage("poison"); console.log("done")`),
  },
  ...["", "\nvoid import.meta;"].map((module) => ({
    name: `JavaScript posts its own report${module ? " (a module)" : ""}`,
    job: js(`self.postMessage?.({ status: "ok", stdout: { forged: true } });
globalThis.postMessage?.({ id: 1, index: 0, status: "ok", stdout: 1 }); console.log("honest")${module}`),
    check: (r: ExecutionResult) => {
      assert.equal(r.status, "ok");
      assert.equal(r.stdout, "honest\n");
    },
  })),
  {
    name: "JavaScript keeps running after its report",
    job: js(`setTimeout(() => { for (let i = 0; i < 100; i++) self.postMessage({ junk: i }); }, 0);
globalThis.leak = 1; console.log("done")`),
  },
  {
    name: "JavaScript reads the process's stdin after its report",
    job: js(`setTimeout(async () => {
  const fs = await import("node:fs");
  const buffer = new Uint8Array(1 << 16);
  try { fs.readSync(0, buffer); } catch {}
}, 0); console.log("done")`),
  },
  {
    name: "JavaScript writes to the real stdout without a newline",
    job: js(`const fs = await import("node:fs");
for (let i = 0; i < 200; i++) { try { fs.writeSync(1, "x".repeat(1 << 16)); } catch { break } }
console.log("done")`),
  },
];

async function securitySuite(t: Deno.TestContext, size: number): Promise<void> {
  // Every reset that puts back only the written memory is compared with the pristine
  // memory, byte for byte: a write the tracking missed fails the next victim.
  await using pool = await SandboxPool.start({ size, timeoutMs: 5000, checkResets: true });
  // What a fresh process gives each victim.
  const fresh = await Promise.all(VICTIMS.map((job) => pool.run(job)));
  // A victim that cannot finish even in a fresh process would hide what an attack does.
  for (const result of fresh) {
    assert.ok(!["timeout", "sandbox_error"].includes(result.status), JSON.stringify(result));
  }
  const essence = (r: ExecutionResult) => [r.status, r.stdout, r.return_value ?? null];
  for (const attack of ATTACKS) {
    await t.step(attack.name, async () => {
      const result = await pool.run(attack.job);
      leaksNothing(result);
      attack.check?.(result);
      assert.equal(typeof result.stdout, "string");
      for (const [i, victim] of VICTIMS.entries()) {
        const after = await pool.run(victim);
        assert.deepEqual(
          essence(after),
          essence(fresh[i]),
          `victim ${i}: ${JSON.stringify(after)}`,
        );
      }
    });
  }
}

Deno.test("JavaScript gold tests: the checker's verdict, plain values only", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 5000 });
  const cases: [string, ExecutionResult["status"]][] = [
    ["function add(a, b) { return a + b }", "ok"],
    ["async function add(a, b) { return a + b }", "ok"],
    ["console.log('loaded')\nconst add = (a, b) => a + b", "ok"],
    ["function add(a, b) { return a - b }", "runtime_error"],
    ["function add(a, b) { return () => 5 }", "runtime_error"],
    ["function add(a, b) { process.exit(0) }", "runtime_error"],
    ["function sub(a, b) { return a + b }", "runtime_error"],
    ["function add(a, b) { return a + b", "compile_error"],
  ];
  const results = await Promise.all(cases.map(([code]) => pool.run(js(code, JS_GOLD))));
  for (const [i, [code, expected]] of cases.entries()) {
    assert.equal(results[i].status, expected, `${code}: ${JSON.stringify(results[i])}`);
  }
  assert.equal(results[2].stdout, "loaded\n");
  assert.match(results[5].stderr, /process\.exit\(0\) before check\(\) returned/);
});

Deno.test("an attack leaves nothing behind: victims get a fresh process's results", async (t) => {
  await securitySuite(t, 2);
});

Deno.test("the whole attack suite in one sandbox process (size 1)", async (t) => {
  await securitySuite(t, 1);
});
