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

/** The stored snapshot, or `undefined` when there is none or it cannot be read. */
export async function readSnapshot(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch {
    return undefined;
  }
}

/** Stores a snapshot atomically; failures (read-only home, no permission) are ignored. */
export async function writeSnapshot(path: string, snapshot: Uint8Array): Promise<void> {
  const partial = `${path}.${crypto.randomUUID()}.partial`;
  try {
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(partial, snapshot);
    await Deno.rename(partial, path);
  } catch {
    await Deno.remove(partial).catch(() => {});
  }
}

/** Removes a snapshot that no process could start from. */
export async function removeSnapshot(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
}
