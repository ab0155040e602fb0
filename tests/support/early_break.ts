/**
 * The early-`break` check every stage's test makes: a consumer that stops after the
 * first item leaves the source closed, most of it unread.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Stage } from "../../src/stream/stage.ts";
import { trackedSource } from "./tracked_source.ts";

/** Runs `stage` over `count` items made by `item`, breaks after the first output, checks the source. */
export async function assertEarlyBreak<I, O>(
  stage: Stage<I, O>,
  item: (i: number) => I,
  count = 100,
): Promise<O> {
  const source = trackedSource(Array.from({ length: count }, (_, i) => item(i)));
  let first: O | undefined;
  for await (const out of stage(source)) {
    first = out;
    break;
  }
  assert.ok(first !== undefined, `${stage.name}: an item came out`);
  assert.ok(source.closed, `${stage.name}: the source's return() ran`);
  assert.ok(source.pulled < count, `${stage.name}: read ${source.pulled} of ${count} items`);
  return first;
}
