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
