import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { matchesWhere, parseShard, parseWhere, select, type Selection } from "./select.ts";

const rows = Array.from({ length: 100 }, (_, i) => ({
  i,
  source: ["amc_aime", "olympiads", "synthetic_math"][i % 3],
  date: `2024-0${1 + (i % 9)}-15T00:00:00`,
  rating: 800 + 100 * (i % 10),
  nested: { lang: i % 2 ? "python" : "rust" },
}));
const ids = async (selection: Selection, source: Iterable<typeof rows[0]> = rows) =>
  (await Array.fromAsync(select(source, selection, (r) => r))).map((r) => r.i);

Deno.test("parseWhere() reads every operator and alternatives; bad conditions are config errors", () => {
  assert.deepEqual(parseWhere("source=amc_aime|olympiads"), {
    field: "source",
    op: "=",
    values: ["amc_aime", "olympiads"],
  });
  assert.deepEqual(parseWhere("rating<=1200").op, "<=");
  assert.deepEqual(parseWhere("lang!=rust").op, "!=");
  assert.deepEqual(parseWhere("title=a=b").values, ["a=b"]);
  assert.throws(() => parseWhere("source"), ConfigError);
  assert.throws(() => parseWhere("=x"), ConfigError);
  assert.throws(() => parseShard("4/4"), ConfigError);
  assert.throws(() => parseShard("1-4"), ConfigError);
});

Deno.test("matchesWhere() compares numbers as numbers, dates as text, nested fields by path", () => {
  const row = rows[12];
  assert.ok(matchesWhere(row, parseWhere("rating>=1000")));
  assert.ok(!matchesWhere(row, parseWhere("rating>1000")));
  assert.ok(matchesWhere({ rating: 900 }, parseWhere("rating<1000")));
  assert.ok(matchesWhere(row, parseWhere("date>=2024-04-01")));
  assert.ok(!matchesWhere(row, parseWhere("date<2024-04-01")));
  assert.ok(matchesWhere(row, parseWhere("nested.lang=rust")));
  assert.ok(matchesWhere(row, parseWhere("missing!=x")));
  assert.ok(!matchesWhere(row, parseWhere("missing=x")));
  assert.ok(matchesWhere({ ok: true }, parseWhere("ok=true")));
});

Deno.test("select() shards partition the matching records, with and without a shuffle", async () => {
  const where = [parseWhere("source=amc_aime|olympiads")];
  const all = await ids({ where });
  assert.equal(all.length, 67);
  for (const shuffleBuffer of [0, 7]) {
    const shards = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        ids({ where, shard: { index, count: 4 }, shuffleBuffer, seed: 3 })
      ),
    );
    assert.deepEqual(shards.flat().sort((a, b) => a - b), all);
    assert.deepEqual(shards.map((s) => s.length), [17, 17, 17, 16]);
  }
});

Deno.test("select() shuffles by seed: same seed same order, another seed another order", async () => {
  const a = await ids({ shuffleBuffer: 20, seed: 1 });
  assert.deepEqual(await ids({ shuffleBuffer: 20, seed: 1 }), a);
  assert.notDeepEqual(await ids({ shuffleBuffer: 20, seed: 2 }), a);
  assert.notDeepEqual(a, rows.map((r) => r.i));
  assert.deepEqual([...a].sort((x, y) => x - y), rows.map((r) => r.i));
  assert.deepEqual(
    await ids({ shuffleBuffer: 1000, seed: 1, limit: 5 }),
    (await ids({
      shuffleBuffer: 1000,
      seed: 1,
    })).slice(0, 5),
  );
});

Deno.test("select() stops reading its source at the limit and closes it", async () => {
  let read = 0;
  let closed = false;
  async function* source() {
    try {
      for (const row of rows) {
        read++;
        yield row;
      }
    } finally {
      closed = true;
    }
  }
  assert.deepEqual(
    (await Array.fromAsync(select(source(), { limit: 3 }, (r) => r))).map((r) => r.i),
    [0, 1, 2],
  );
  assert.equal(read, 3);
  assert.ok(closed);
});
