import assert from "node:assert/strict";
import { assertBindAllowed, isLoopbackHost } from "./auth.ts";
import { ConfigError } from "../errors.ts";

Deno.test("isLoopbackHost() accepts only addresses this machine alone reaches", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (
    const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "127.0.0.1.nip.io"]
  ) {
    assert.ok(!isLoopbackHost(host), host);
  }
});

Deno.test("assertBindAllowed() needs a non-empty token for other addresses", () => {
  assert.throws(() => assertBindAllowed("::", ""), ConfigError);
  assert.throws(
    () => assertBindAllowed("10.0.0.1", undefined),
    /Refusing to listen on 10\.0\.0\.1/,
  );
  assertBindAllowed("10.0.0.1", "t");
  assertBindAllowed("::1", undefined);
});
