import type { IncomingMessage } from "node:http";

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
  if (!requestPath || !requestPath.startsWith("/") || requestPath.startsWith("//")) return "/signin";
  let url: URL;
  try {
    url = new URL(requestPath, "http://slipway.invalid");
  } catch {
    return "/signin";
  }
  url.searchParams.delete("_rsc");
  const path = `${url.pathname}${url.search}`;
  // Checked again after normalising: "/x/..//evil.example" resolves to "//evil.example".
  if (path === "/" || path.startsWith("//") || url.origin !== "http://slipway.invalid") return "/signin";
  return `/signin?${new URLSearchParams({ callbackUrl: path })}`;
}
