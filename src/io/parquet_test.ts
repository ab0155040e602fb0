import assert from "node:assert/strict";
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { AbortedError } from "../errors.ts";
import { ParquetError, ParquetFileWriter, parquetInfo, readParquet } from "./parquet.ts";

Deno.test("ParquetFileWriter writes one row group per rowGroupSize rows; readParquet reads them back", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  const writer = ParquetFileWriter.open(path, {
    columns: [
      { name: "text", type: "STRING" },
      { name: "n", type: "INT64" },
      { name: "score", type: "DOUBLE" },
      { name: "ok", type: "BOOLEAN" },
      { name: "note", type: "STRING", nullable: true },
    ],
    rowGroupSize: 4,
  });
  const rows = Array.from({ length: 10 }, (_, i) => ({
    text: `row ${i} ✓\n`,
    n: i * 1000,
    score: i / 4,
    ok: i % 2 === 0,
    note: i % 3 === 0 ? null : `note ${i}`,
  }));
  for (const row of rows) await writer.write(row);
  await writer.close();
  assert.equal(writer.count, 10);
  assert.deepEqual(await parquetInfo(path), {
    rows: 10,
    rowGroups: [4, 4, 2],
    columns: ["text", "n", "score", "ok", "note"],
  });
  assert.deepEqual(await Array.fromAsync(readParquet(path)), rows);
  assert.deepEqual(
    (await Array.fromAsync(readParquet(path, { columns: ["n"] }))).map((r) => r.n),
    rows.map((r) => r.n),
  );
});

Deno.test("readParquet() gives exact integers as numbers, larger ones as text, timestamps as ISO", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: [
      { name: "big", data: [2n ** 60n, 7n], type: "INT64" },
      { name: "at", data: [new Date(Date.UTC(2024, 7, 1)), new Date(0)], type: "TIMESTAMP" },
    ],
  });
  await Deno.writeFile(path, new Uint8Array(writer.getBuffer()));
  assert.deepEqual(await Array.fromAsync(readParquet(path)), [
    { big: "1152921504606846976", at: "2024-08-01T00:00:00.000Z" },
    { big: 7, at: "1970-01-01T00:00:00.000Z" },
  ]);
});

Deno.test("readParquet() names a file that is not Parquet, and stops when aborted", async () => {
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  await Deno.writeTextFile(path, '{"not": "parquet"}\n');
  await assert.rejects(
    Array.fromAsync(readParquet(path)),
    (e: unknown) =>
      e instanceof ParquetError && e.message.startsWith(`Cannot read ${path} as Parquet:`),
  );
  const good = await Deno.makeTempFile({ suffix: ".parquet" });
  const writer = ParquetFileWriter.open(good, {
    columns: [{ name: "i", type: "INT64" }],
    rowGroupSize: 2,
  });
  for (let i = 0; i < 6; i++) await writer.write({ i });
  await writer.close();
  const controller = new AbortController();
  const seen: unknown[] = [];
  await assert.rejects(async () => {
    for await (const row of readParquet(good, { signal: controller.signal })) {
      seen.push(row.i);
      controller.abort(new AbortedError());
    }
  });
  assert.deepEqual(seen, [0, 1]);
});
