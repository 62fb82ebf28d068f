import type { IncomingMessage } from "node:http";
import { PLACEHOLDER_ORIGIN, safeCallbackPath } from "@/lib/auth/callback-url";

/**
 * The path and query a request was sent to, as the custom server saw it: Server Components cannot
 * read their own URL, and the sign-in redirect wants to come back to it. Set by the server for
 * every request (an incoming copy is overwritten), read by lib/auth/session.ts.
 */
export const REQUEST_PATH_HEADER = "x-slipway-request-path";

/** Records `req.url` in REQUEST_PATH_HEADER, replacing whatever the client sent under that name. */
export function recordRequestPath(req: IncomingMessage): void {
  req.headers[REQUEST_PATH_HEADER] = req.url ?? "/";
}

/**
 * The sign-in page's address that returns to `requestPath` afterwards: "/signin" for the portfolio
 * (the default landing) or an unknown path, else "/signin?callbackUrl=<path>" without Next's
 * `_rsc` marker of a client navigation. The sign-in page checks the path again (safeCallbackPath).
 */
export function signInPathFor(requestPath: string | null | undefined): string {
  // The sign-in page's own rule (same origin, no tricks), after dropping the RSC marker.
  const safe = safeCallbackPath(requestPath);
  const url = new URL(safe, PLACEHOLDER_ORIGIN);
  url.searchParams.delete("_rsc");
  const path = safeCallbackPath(`${url.pathname}${url.search}`);
  return path === "/" ? "/signin" : `/signin?${new URLSearchParams({ callbackUrl: path })}`;
}
