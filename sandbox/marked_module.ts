/**
 * Pyodide's WebAssembly with its writes marked (`write_marks.ts`), as the pool hands it
 * to its sandbox processes (which have no permission to write it anywhere): made once
 * per Pyodide build and rewriter and kept on disk beside the start-up snapshot (without
 * a folder, made once per process). Internal to `sandbox/`.
 *
 * It is made only for the Pyodide build whose JavaScript imports `pyodide_imports.ts`
 * audited (the SHA-256 of its `pyodide.asm.mjs`). For any other build, or when the
 * rewrite fails, there is none: the processes compile Pyodide's own module, and each
 * reset rewrites all of the interpreter's memory.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { AUDITED_GLUE_SHA256 } from "./pyodide_imports.ts";
import { markWrites, WriteMarksError } from "./write_marks.ts";
import { readSnapshot, removeSnapshot, writeSnapshot } from "./snapshot_cache.ts";

const made = new Map<string, Promise<Uint8Array | undefined>>();

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The cache file for the module at `pyodideUrl` as the current rewriter and audit mark it. */
async function markedPath(dir: string, pyodideUrl: URL): Promise<string> {
  const version = /pyodide@([^/]+)/.exec(pyodideUrl.pathname)?.[1] ?? "local";
  const hash = createHash("sha256");
  for (const file of ["./write_marks.ts", "./pyodide_imports.ts"]) {
    hash.update(await Deno.readFile(new URL(file, import.meta.url)));
  }
  const key = hash.digest("hex").slice(0, 12);
  return join(dir, `pyodide-${version}-marks-${key}.wasm`);
}

async function make(pyodideUrl: URL, dir: string | undefined): Promise<Uint8Array | undefined> {
  const glue = await Deno.readFile(new URL("pyodide.asm.mjs", pyodideUrl));
  if (sha256(glue) !== AUDITED_GLUE_SHA256) return undefined;
  const path = dir ? await markedPath(dir, pyodideUrl) : undefined;
  const stored = path ? await readSnapshot(path) : undefined;
  // Not validated here (50 ms): a process that cannot compile it says so, and the pool
  // then removes the file (see `forgetMarkedPyodide`).
  if (stored) return stored;
  let marked: Uint8Array;
  try {
    marked = markWrites(await Deno.readFile(new URL("pyodide.asm.wasm", pyodideUrl)));
  } catch (error) {
    if (error instanceof WriteMarksError) return undefined;
    throw error;
  }
  if (path) await writeSnapshot(path, marked);
  return marked;
}

/**
 * Pyodide's module at `pyodideUrl` with its writes marked, read from (or stored in) the
 * folder `dir` when given, else made once per process; `undefined` when this Pyodide
 * build is not the audited one or cannot be rewritten. Never rejects: a failure to read
 * Pyodide also means none.
 */
export function markedPyodide(
  pyodideUrl: URL,
  dir: string | undefined,
): Promise<Uint8Array | undefined> {
  if (dir) return make(pyodideUrl, dir).catch(() => undefined);
  let module = made.get(pyodideUrl.href);
  if (!module) {
    module = make(pyodideUrl, undefined).catch(() => undefined);
    made.set(pyodideUrl.href, module);
  }
  return module;
}

/**
 * Removes the stored module for Pyodide at `pyodideUrl` in `dir` (a process could not
 * compile it); the next call of {@link markedPyodide} makes and stores it anew.
 */
export async function forgetMarkedPyodide(pyodideUrl: URL, dir: string): Promise<void> {
  await removeSnapshot(await markedPath(dir, pyodideUrl));
}
