/**
 * Where the browser may go after signing in. Only a path on our own origin is accepted; anything
 * else (another host, a protocol-relative `//evil`, a backslash trick such as `/\evil.example` that
 * browsers read as `//evil.example`, control characters, the sign-in page itself) falls back to `/`.
 *
 * @param value the raw `callbackUrl` (form field or query parameter); any type
 * @param origin our own origin, e.g. `http://localhost:3000`; a full URL on it is accepted too
 * @returns a path (with query and hash) that resolves to `origin`, never a URL of another site
 */
export function safeCallbackPath(value: unknown, origin = PLACEHOLDER_ORIGIN): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return "/";
  // Browsers strip tabs and newlines and turn backslashes into slashes before resolving a URL.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(origin);
    resolved = new URL(value, base);
  } catch {
    return "/";
  }
  if (resolved.origin !== base.origin) return "/";
  // Only paths or same-origin absolute URLs: `javascript:` and friends have an opaque origin.
  if (!value.startsWith("/") && !value.startsWith(`${base.origin}/`) && value !== base.origin) return "/";
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  if (resolved.pathname === "/signin" || resolved.pathname.startsWith("/signin/")) return "/";
  return path;
}

/** An origin no request has: relative paths are parsed against it and must stay on it. */
export const PLACEHOLDER_ORIGIN = "http://slipway.invalid";
