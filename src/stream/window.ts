/**
 * Keyed windows: group items by a key and emit each group when it is complete.
 *
 * @module
 */
import { guarded } from "./abortable.ts";
import { type Stage, stage } from "./stage.ts";

/** Why a window was emitted. */
export type WindowReason = "full" | "complete" | "end" | "evicted";

/** A group of items sharing a key. */
export interface Window<K, T> {
  /** The key the items share. */
  key: K;
  /** The window's items, in arrival order. */
  items: T[];
  /** Why it was emitted. */
  reason: WindowReason;
}

/** Options for {@link window}. */
export interface WindowOptions<K, T> {
  /** Emit a group once it holds this many items. Default: no size limit. */
  size?: number;
  /** Called after each item joins a group; `true` emits the group. */
  isComplete?: (key: K, items: readonly T[]) => boolean | Promise<boolean>;
  /**
   * Most groups open at once; when a new key would exceed it, the oldest open group
   * is emitted with reason `"evicted"`. Default 10,000 (bounded memory).
   */
  maxOpen?: number;
  /** Cancels the stream: it ends with an `AbortedError`. */
  signal?: AbortSignal;
}

/**
 * Groups items by `key` and emits a group when it is full, when `isComplete` says
 * so, or at end of stream (open groups in first-seen order). A key seen again after
 * its group was emitted starts a new group.
 *
 * @example Group by problem id, two per group
 * ```ts
 * import { window } from "./window.ts";
 * import { pipe } from "./stage.ts";
 * import assert from "node:assert";
 * const items = [{ p: "a", x: 1 }, { p: "b", x: 2 }, { p: "a", x: 3 }];
 * const out = await Array.fromAsync(pipe(items, window((i) => i.p, { size: 2 })));
 * assert.deepEqual(out.map((w) => [w.key, w.items.length, w.reason]), [
 *   ["a", 2, "full"],
 *   ["b", 1, "end"],
 * ]);
 * ```
 */
export function window<K, T>(
  key: (item: T) => K,
  options: WindowOptions<K, T> = {},
): Stage<T, Window<K, T>> {
  const { size = Infinity, isComplete, maxOpen = 10_000 } = options;
  return guarded(
    stage("window", async function* (source: AsyncIterable<T>) {
      const open = new Map<K, T[]>();
      for await (const item of source) {
        const k = key(item);
        let items = open.get(k);
        if (!items) {
          if (open.size >= maxOpen) {
            const [oldest, oldItems] = open.entries().next().value as [K, T[]];
            open.delete(oldest);
            yield { key: oldest, items: oldItems, reason: "evicted" };
          }
          items = [];
          open.set(k, items);
        }
        items.push(item);
        const reason: WindowReason | undefined = items.length >= size
          ? "full"
          : (isComplete && await isComplete(k, items))
          ? "complete"
          : undefined;
        if (reason) {
          open.delete(k);
          yield { key: k, items, reason };
        }
      }
      for (const [k, items] of open) yield { key: k, items, reason: "end" };
    }),
    options.signal,
  );
}
