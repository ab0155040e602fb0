/**
 * Locates `../shared/data` (real public data read in place by tests and benchmarks).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the shared data folder (beside the project root). */
export const SHARED_DATA = join(
  fileURLToPath(new URL("../../", import.meta.url)),
  "..",
  "shared",
  "data",
);

/** True when the shared data folder is present. */
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);

if (!HAS_SHARED_DATA) {
  console.warn(`Skipping tests on real data: ${SHARED_DATA} is absent`);
}

/** A path inside the shared data folder. */
export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}
