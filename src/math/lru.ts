/**
 * A bounded least-recently-used cache over a `Map` (whose iteration order is
 * insertion order: a hit moves the key to the end, an insert past the capacity
 * evicts the first key). Values are never `undefined`.
 *
 * @module
 */

/** A bounded least-recently-used cache. */
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

  /** Stores `value` for `key`, evicting the least recently used entry past the capacity. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
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
