/**
 * The start-up snapshot on disk: Pyodide's memory after loading it and the runner
 * (`python_runner.ts`, with its preloaded modules), kept across
 * runs so that a pool starts from it instead of loading Pyodide (seconds). The pool
 * (the parent) reads and writes it; sandbox processes have no write permission and
 * receive it over their stdin, as raw bytes after their first line, without its zero
 * blocks (`packSnapshot` in `protocol.ts`). One file per Pyodide and Deno version and runner, in
 * `$XDG_CACHE_HOME/pfpo` (default `~/.cache/pfpo`; `~/Library/Caches/pfpo` on macOS,
 * `%LOCALAPPDATA%\pfpo` on Windows). Internal to `sandbox/`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { PYTHON_RUNNER } from "./python_runner.ts";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: no cache
  }
}

/** The folder a user expects caches in, or `undefined` when it cannot be told. */
export function defaultSnapshotDir(): string | undefined {
  const home = env("HOME");
  if (Deno.build.os === "windows") {
    const local = env("LOCALAPPDATA");
    return local ? join(local, "pfpo") : undefined;
  }
  if (Deno.build.os === "darwin") return home ? join(home, "Library", "Caches", "pfpo") : undefined;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "pfpo");
  return home ? join(home, ".cache", "pfpo") : undefined;
}

/** The snapshot file for this Pyodide (`pyodideUrl`), this Deno and this runner. */
export function snapshotPath(dir: string, pyodideUrl: URL): string {
  const version = /pyodide@([^/]+)/.exec(pyodideUrl.pathname)?.[1] ?? "local";
  const runner = createHash("sha256").update(PYTHON_RUNNER).digest("hex").slice(0, 12);
  return join(dir, `pyodide-${version}-deno-${Deno.version.deno}-${runner}.snapshot`);
}

/** Whether a snapshot is stored at `path` (a cheap look before reading it). */
export async function hasSnapshot(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Age past which another runner's (or Pyodide's, or Deno's) snapshot in the same folder
 * is removed when a snapshot is stored: a snapshot in use is read, and so touched, at
 * every pool start.
 */
export const STALE_SNAPSHOT_MS = 7 * 24 * 3600 * 1000;

/** The stored snapshot (touched: it is in use), or `undefined` when there is none or it cannot be read. */
export async function readSnapshot(path: string): Promise<Uint8Array | undefined> {
  try {
    const snapshot = await Deno.readFile(path);
    const now = new Date();
    await Deno.utime(path, now, now).catch(() => {});
    return snapshot;
  } catch {
    return undefined;
  }
}

/**
 * Stores a snapshot atomically, then removes the folder's other snapshots (and partial
 * writes) untouched for {@link STALE_SNAPSHOT_MS}: each runner change leaves a 30 MiB
 * file behind. Failures (read-only home, no permission) are ignored.
 */
export async function writeSnapshot(path: string, snapshot: Uint8Array): Promise<void> {
  const partial = `${path}.${crypto.randomUUID()}.partial`;
  try {
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(partial, snapshot);
    await Deno.rename(partial, path);
  } catch {
    await Deno.remove(partial).catch(() => {});
    return;
  }
  await removeStaleSnapshots(path).catch(() => {});
}

async function removeStaleSnapshots(kept: string): Promise<void> {
  const dir = join(kept, "..");
  const now = Date.now();
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (!entry.isFile || path === kept) continue;
    if (!/^pyodide-.*\.(snapshot|wasm)(\..*\.partial)?$/.test(entry.name)) continue;
    const { mtime } = await Deno.stat(path);
    if (mtime && now - mtime.getTime() > STALE_SNAPSHOT_MS) await removeSnapshot(path);
  }
}

/** Removes a snapshot that no process could start from. */
export async function removeSnapshot(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
}
