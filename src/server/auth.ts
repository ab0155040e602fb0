/**
 * Access control: the server binds loopback by default and needs a bearer token
 * before it may listen anywhere else; with a token, every route but `/healthz`
 * requires it.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ConfigError } from "../errors.ts";

/** The environment variable read for the token when none is given. */
export const TOKEN_ENV = "PFPO_TOKEN";

/** The cookie a browser keeps after opening the dashboard with `?token=`. */
export const TOKEN_COOKIE = "pfpo_token";

/**
 * True for addresses that only this machine can reach: `localhost`, `127.0.0.0/8`
 * and `::1`.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./auth.ts";
 * import assert from "node:assert";
 * assert.ok(isLoopbackHost("127.0.0.1"));
 * assert.ok(!isLoopbackHost("0.0.0.0"));
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Throws a {@link ConfigError} when `host` is not loopback and no token is set.
 *
 * @example
 * ```ts
 * import { assertBindAllowed } from "./auth.ts";
 * import assert from "node:assert";
 * assertBindAllowed("127.0.0.1", undefined);
 * assertBindAllowed("0.0.0.0", "secret");
 * assert.throws(() => assertBindAllowed("0.0.0.0", undefined), /token/);
 * ```
 */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (isLoopbackHost(host) || (token !== undefined && token !== "")) return;
  throw new ConfigError(
    `Refusing to listen on ${host} without a token: set --token or ${TOKEN_ENV} (or listen on 127.0.0.1)`,
  );
}

/**
 * Middleware that lets a request through when it carries the token as
 * `Authorization: Bearer <token>` or in the dashboard cookie, and answers 401
 * otherwise. `GET /?token=<token>` (a browser opening the dashboard) sets the
 * cookie and redirects to `/`, so the token leaves the address bar.
 */
export function requireToken(token: string): MiddlewareHandler {
  const expected = digest(token);
  const matches = (given: string | undefined) =>
    given !== undefined && timingSafeEqual(digest(given), expected);
  return async function bearerAuth(c, next) {
    if (c.req.path === "/healthz") return await next();
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (matches(bearer) || matches(getCookie(c, TOKEN_COOKIE))) return await next();
    const fromQuery = c.req.query("token");
    if (c.req.path === "/" && matches(fromQuery)) {
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/" });
      return c.redirect("/", 303);
    }
    c.header("WWW-Authenticate", 'Bearer realm="pfpo"');
    return c.json({ error: "A valid bearer token is required" }, 401);
  };
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
