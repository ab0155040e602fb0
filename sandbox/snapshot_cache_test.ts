import assert from "node:assert/strict";
import { join } from "node:path";
import { readSnapshot, STALE_SNAPSHOT_MS, writeSnapshot } from "./snapshot_cache.ts";

Deno.test("storing a snapshot removes the folder's stale snapshots, not those in use", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = (name: string) => join(dir, name);
    const long = new Date(Date.now() - 2 * STALE_SNAPSHOT_MS);
    const recent = new Date(Date.now() - STALE_SNAPSHOT_MS / 2);
    const names = {
      staleRunner: "pyodide-0.29.0-deno-2.9.5-aaaaaaaaaaaa.snapshot",
      stalePartial: "pyodide-0.29.0-deno-2.9.5-aaaaaaaaaaaa.snapshot.1234.partial",
      recentRunner: "pyodide-0.29.0-deno-2.9.6-bbbbbbbbbbbb.snapshot",
      inUse: "pyodide-0.29.0-deno-2.9.6-cccccccccccc.snapshot",
      unrelated: "notes.txt",
    };
    for (const name of Object.values(names)) await Deno.writeFile(file(name), new Uint8Array([1]));
    for (const name of [names.staleRunner, names.stalePartial, names.inUse, names.unrelated]) {
      await Deno.utime(file(name), long, long);
    }
    await Deno.utime(file(names.recentRunner), recent, recent);
    // A pool that starts from a snapshot touches it.
    assert.deepEqual(await readSnapshot(file(names.inUse)), new Uint8Array([1]));

    const path = file("pyodide-0.29.0-deno-2.9.6-dddddddddddd.snapshot");
    await writeSnapshot(path, new Uint8Array([7, 8]));

    const left = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
    assert.deepEqual(
      left,
      [
        names.inUse,
        names.recentRunner,
        names.unrelated,
        "pyodide-0.29.0-deno-2.9.6-dddddddddddd.snapshot",
      ]
        .sort(),
    );
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([7, 8]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
