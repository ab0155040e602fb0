import assert from "node:assert/strict";
import { ParamError, parseIntParam, parseShardParams } from "./params.ts";

Deno.test("parseIntParam() rejects anything but decimal digits within bounds", () => {
  for (const raw of ["", " 1", "1e3", "0x10", "+1", "-0", "1.0", "9007199254740993"]) {
    assert.throws(() => parseIntParam("after", raw, { fallback: 0 }), ParamError, raw);
  }
  assert.equal(parseIntParam("after", "007", { fallback: 0 }), 7);
  assert.throws(
    () => parseIntParam("limit", "11", { fallback: 1, min: 1, max: 10 }),
    /Invalid parameter "limit": must be between 1 and 10, got 11/,
  );
});

Deno.test("parseShardParams() names the parameter at fault", () => {
  const fault = (shard?: string, shards?: string) => {
    try {
      parseShardParams(shard, shards);
    } catch (error) {
      return (error as ParamError).parameter;
    }
  };
  assert.equal(fault("0", undefined), "shards");
  assert.equal(fault("3", "3"), "shard");
  assert.equal(fault(undefined, "0"), "shards");
  assert.equal(fault(undefined, "99999"), "shards");
  assert.deepEqual(parseShardParams(undefined, "4"), { shard: 0, shards: 4 });
});
