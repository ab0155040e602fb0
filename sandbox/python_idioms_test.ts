import assert from "node:assert/strict";
import { SandboxPool } from "./mod.ts";

Deno.test("a judged program's thread runs its target, as on a judge's CPython", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  // The idiom of judged programs for a deeper recursion: the work runs in a thread.
  const idiom = await pool.run({
    language: "python",
    code: `import sys, threading
sys.setrecursionlimit(1 << 25)
threading.stack_size(1 << 27)
def main():
    n = int(input())
    def depth(k):
        return 0 if k == 0 else 1 + depth(k - 1)
    print(depth(n), threading.current_thread() is not None)
t = threading.Thread(target=main)
t.start()
t.join()
print("joined", t.is_alive(), threading.main_thread().is_alive())`,
    stdin: "50000\n",
  });
  assert.equal(idiom.status, "ok", idiom.stderr);
  assert.equal(idiom.stdout, "50000 True\njoined False True\n");
  // An exception ends the thread, not the program: CPython prints it and goes on (exit 0).
  const failing = await pool.run({
    language: "python",
    code: `import threading
def main():
    print("in")
    raise ValueError("boom")
t = threading.Thread(target=main, name="worker")
t.start()
t.join()
print("after")
try:
    t.start()
except RuntimeError as error:
    print(error)
try:
    threading.Thread(target=main).join()
except RuntimeError as error:
    print(error)`,
  });
  assert.equal(failing.status, "ok", failing.stderr);
  assert.equal(
    failing.stdout,
    "in\nafter\nthreads can only be started once\ncannot join thread before it is started\n",
  );
  assert.match(failing.stderr, /^Exception in thread worker:\nTraceback[\s\S]*ValueError: boom\n$/);
  // The sandbox's limits still end a program whose thread runs too long.
  const endless = await pool.run({
    language: "python",
    code: `import threading
def spin():
    while True:
        pass
threading.Thread(target=spin).start()
print("never")`,
    timeout_ms: 500,
  });
  assert.equal(endless.status, "timeout");
  assert.equal(endless.stdout, "");
});

Deno.test("resource limits a judged program raises are granted, the sandbox's own still hold", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const result = await pool.run({
    language: "python",
    code: `import resource
resource.setrlimit(resource.RLIMIT_STACK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
print(resource.getrlimit(resource.RLIMIT_STACK), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
try:
    resource.getrlimit(99)
except ValueError as error:
    print(error)
x = bytearray(1 << 30)`,
    memory_mb: 256,
  });
  assert.equal(result.status, "memory_limit");
  assert.equal(result.stdout, "(-1, -1) 0\ninvalid resource specified\n");
});

Deno.test("a memoized recursion 1500 calls deep runs (Python calls made through C)", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const result = await pool.run({
    language: "python",
    code: `import sys
from functools import lru_cache
sys.setrecursionlimit(10000)
@lru_cache(None)
def ways(n):
    return 1 if n < 2 else (ways(n - 1) + ways(n - 2)) % 1000000007
print(ways(1500), max(map(len, [str(ways(k)) for k in range(5)])))`,
  });
  assert.equal(result.status, "ok", result.stderr);
  assert.equal(result.stdout.split(" ")[1], "1\n");
});

Deno.test("sys.maxsize is a 64-bit CPython's, which programs take for infinity", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const result = await pool.run({
    language: "python",
    code: `import sys
best = sys.maxsize
for cost in (5 * 10**9, 3 * 10**9):
    best = min(best, cost)
print(best, sys.maxsize, [1, 2, 3][:sys.maxsize], "abc".find("c", 0, sys.maxsize))`,
  });
  assert.equal(result.status, "ok", result.stderr);
  assert.equal(result.stdout, "3000000000 9223372036854775807 [1, 2, 3] 2\n");
});

/** PyRival's fast input/output template, as Codeforces solutions carry it. */
const FAST_IO = `import os, sys
from io import BytesIO, IOBase
BUFSIZE = 8192
class FastIO(IOBase):
    newlines = 0
    def __init__(self, file):
        self._fd = file.fileno()
        self.buffer = BytesIO()
        self.writable = "x" in file.mode or "r" not in file.mode
        self.write = self.buffer.write if self.writable else None
    def readline(self):
        while self.newlines == 0:
            b = os.read(self._fd, max(os.fstat(self._fd).st_size, BUFSIZE))
            self.newlines = b.count(b"\\n") + (not b)
            ptr = self.buffer.tell()
            self.buffer.seek(0, 2), self.buffer.write(b), self.buffer.seek(ptr)
        self.newlines -= 1
        return self.buffer.readline()
    def flush(self):
        if self.writable:
            os.write(self._fd, self.buffer.getvalue())
            self.buffer.truncate(0), self.buffer.seek(0)
class IOWrapper(IOBase):
    def __init__(self, file):
        self.buffer = FastIO(file)
        self.flush = self.buffer.flush
        self.writable = self.buffer.writable
        self.write = lambda s: self.buffer.write(s.encode("ascii"))
        self.readline = lambda: self.buffer.readline().decode("ascii")
sys.stdin, sys.stdout = IOWrapper(sys.stdin), IOWrapper(sys.stdout)
input = lambda: sys.stdin.readline().rstrip("\\r\\n")
`;

Deno.test("PyRival's fast input/output template reads and writes the standard streams", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const results = await pool.execute({
    language: "python",
    code: `${FAST_IO}n = int(input())
print(n, sum(map(int, input().split())), sys.__stdin__.mode, sys.__stdout__.mode)`,
    inputs: [{ stdin: "3\n1 2 3\n" }, { stdin: "2\n5 6" }],
  });
  assert.deepEqual(results.map((r) => [r.status, r.stdout, r.stderr]), [
    ["ok", "3 6 r w\n", ""],
    ["ok", "2 11 r w\n", ""],
  ]);
});

Deno.test("the standard streams are CPython's: no newline translation, rewrappable", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  const results = await pool.execute({
    language: "python",
    code: `import io, sys
print(repr(input()), sys.stdin.readlines(), sys.__stdin__ is sys.stdin, sys.__stdout__ is sys.stdout)
sys.stdout.flush()
sys.stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=True)
print(repr(sys.stdin.read()))`,
    // CPython on POSIX keeps a judge's "\r\n" line ends for the program to strip.
    inputs: [{ stdin: "5\r\nab\r\nc" }, { stdin: "1\n" }],
  });
  assert.deepEqual(results.map((r) => [r.status, r.stdout, r.stderr]), [
    ["ok", "'5\\r' ['ab\\r\\n', 'c'] True True\n''\n", ""],
    ["ok", "'1' [] True True\n''\n", ""],
  ]);
});

Deno.test("atexit callbacks run as a script ends, once per input, not after a limit", async () => {
  await using pool = await SandboxPool.start({ size: 1, timeoutMs: 10000 });
  // The idiom: output gathered in memory, written by an exit callback.
  const [ended, raised, exited] = await pool.execute({
    language: "python",
    code: `import atexit, io, sys
out = io.StringIO()
sys.stdout = out
atexit.register(lambda: sys.__stdout__.write(out.getvalue()))
atexit.register(print, "last registered, first called", file=sys.__stderr__)
word = input()
print("read", word)
if word == "raise":
    raise ValueError(word)
if word == "exit":
    sys.exit(2)`,
    inputs: [{ stdin: "end\n" }, { stdin: "raise\n" }, { stdin: "exit\n" }],
  });
  assert.deepEqual([ended.status, ended.stdout], ["ok", "read end\n"]);
  assert.equal(ended.stderr, "last registered, first called\n");
  assert.deepEqual([raised.status, raised.stdout], ["runtime_error", "read raise\n"]);
  assert.match(raised.stderr, /^last registered, first called\n[\s\S]*ValueError: raise/);
  assert.deepEqual([exited.status, exited.stdout], ["runtime_error", "read exit\n"]);
  // A call's return value is unchanged; the callback's output is the program's stdout.
  const [called] = await pool.execute({
    language: "python",
    code: `import atexit
atexit.register(print, "bye")
def f(x):
    return x + 1`,
    inputs: [{ call: { entry_point: "f", args: "41" } }],
  });
  assert.deepEqual([called.status, called.return_value, called.stdout], ["ok", "42", "bye\n"]);
  // The time limit stops the program: its callbacks do not run.
  const stopped = await pool.run({
    language: "python",
    code: `import atexit
atexit.register(print, "after the limit")
while True:
    pass`,
    timeout_ms: 300,
  });
  assert.deepEqual([stopped.status, stopped.stdout], ["timeout", ""]);
});
