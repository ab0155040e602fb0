/**
 * The bounded cache: least-recently-used over a `Map` (whose iteration order is
 * insertion order: a hit or a store moves the key to the end, an insert past the
 * capacity evicts the first key). Every bounded map of the project is one of these.
 * Values are never `undefined`.
 *
 * @module
 */

/**
 * A bounded least-recently-used cache.
 *
 * @example Evict the least recently used
 * ```ts
 * import { LruCache } from "./lru.ts";
 * import assert from "node:assert";
 * const cache = new LruCache<string, number>(2);
 * cache.set("a", 1);
 * cache.set("b", 2);
 * cache.get("a");
 * assert.equal(cache.set("c", 3), "b");
 * assert.deepEqual([...cache.keys()], ["a", "c"]);
 * ```
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;
  #hits = 0;
  #misses = 0;

  /** Creates a cache holding at most `capacity` entries (at least 1). */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** The value for `key`, marked most recently used; `undefined` when absent. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) {
      this.#misses++;
      return undefined;
    }
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#hits++;
    return value;
  }

  /** The value for `key` without marking it used (no statistics either). */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** True when `key` is held (without marking it used). */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /**
   * Stores `value` for `key` as the most recently used, evicting the least recently
   * used entry past the capacity; returns the evicted key, if any.
   */
  set(key: K, value: V): K | undefined {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size <= this.#capacity) return undefined;
    const oldest = this.#entries.keys().next().value as K;
    this.#entries.delete(oldest);
    return oldest;
  }

  /** Removes `key`; true when it was held. */
  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** The keys held, least recently used first. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }

  /** The value for `key`, or computes, stores and returns it. */
  getOrCompute(key: K, compute: () => V): V {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = compute();
    this.set(key, value);
    return value;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Lookups answered from the cache and lookups that computed, since creation or `clear()`. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** Removes every entry and resets the statistics. */
  clear(): void {
    this.#entries.clear();
    this.#hits = 0;
    this.#misses = 0;
  }
}
