import assert from "node:assert/strict";
import { LruCache } from "./lru.ts";

Deno.test("LruCache evicts the least recently used entry past its capacity", () => {
  const cache = new LruCache<string, number>(2);
  let computed = 0;
  const get = (key: string) => cache.getOrCompute(key, () => ++computed);
  assert.equal(get("a"), 1);
  assert.equal(get("b"), 2);
  assert.equal(get("a"), 1);
  assert.equal(get("c"), 3);
  assert.equal(cache.size, 2);
  assert.equal(get("a"), 1);
  assert.equal(get("b"), 4);
  assert.deepEqual(cache.stats, { hits: 2, misses: 4 });
  cache.clear();
  assert.equal(cache.size, 0);
});

Deno.test("LruCache get() and set() count hits and misses and refresh recency", () => {
  const cache = new LruCache<string, number>(2);
  assert.equal(cache.get("a"), undefined);
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1);
  cache.set("c", 3);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), 1);
  assert.deepEqual(cache.stats, { hits: 2, misses: 2 });
});

Deno.test("LruCache.peek() and has() do not refresh; set() reports the evicted key", () => {
  const cache = new LruCache<string, number>(2);
  assert.equal(cache.set("a", 1), undefined);
  cache.set("b", 2);
  assert.equal(cache.peek("a"), 1);
  assert.ok(cache.has("a"));
  assert.equal(cache.set("c", 3), "a");
  assert.ok(cache.delete("b"));
  assert.ok(!cache.delete("b"));
  assert.deepEqual([...cache.keys()], ["c"]);
  assert.deepEqual(cache.stats, { hits: 0, misses: 0 });
});
