import { decode, getToken, type JWT } from "next-auth/jwt";
import { LRUCache } from "lru-cache";

/** The session cookie's names, as Auth.js names them: `__Secure-` on https, plain on http. */
const SECURE_COOKIE = "__Secure-authjs.session-token";
const PLAIN_COOKIE = "authjs.session-token";

/**
 * Whether Auth.js reads the `__Secure-` cookie for this request: the protocol of AUTH_URL (or
 * NEXTAUTH_URL) when set, else of `x-forwarded-proto`, else https — createActionURL() in
 * @auth/core/lib/utils/env.js, which next-auth's own session read uses. Exactly one name is read,
 * as Auth.js does: a plain cookie planted beside an https session (it has no `Secure` protection),
 * or a stale one sign-out did not clear, is never taken.
 */
function secureCookieFor(headers: Headers): boolean {
  const configured = process.env.AUTH_URL ?? process.env.NEXTAUTH_URL;
  if (configured) return new URL(configured).protocol === "https:";
  return (headers.get("x-forwarded-proto") ?? "https").replace(/:$/, "") === "https";
}

/** Clock skew allowed on `exp`, as Auth.js's own decode allows (jose `clockTolerance: 15`). */
const CLOCK_TOLERANCE_S = 15;

/**
 * Decoded session tokens by their exact cookie value. A page load used to run Auth.js's whole
 * session action to learn one user id: build a Request, derive the key (HKDF), decrypt the JWE,
 * then derive and encrypt a fresh one for a cookie a Server Component cannot set — about a tenth
 * of a board request's CPU at demo scale. The value is authenticated encryption, so an entry is
 * only ever made by a successful decrypt of those very bytes; `exp` is checked again on every hit.
 * Bounded: 2,000 sessions (a few hundred bytes each).
 */
const decoded = new LRUCache<string, JWT>({ max: 2_000 });

async function cachedDecode(params: Parameters<typeof decode>[0]): Promise<JWT | null> {
  const key = `${params.salt}\0${params.token}`;
  const hit = decoded.get(key);
  if (hit) return hit;
  const token = await decode(params);
  if (token) decoded.set(key, token);
  return token;
}

function unexpired(token: JWT | null, nowMs: number): token is JWT {
  return !!token && (typeof token.exp !== "number" || token.exp + CLOCK_TOLERANCE_S > nowMs / 1000);
}

/**
 * The Slipway user id in the request's session cookie, or null without a valid, unexpired one.
 * Reads only the cookie Auth.js reads for this request (secureCookieFor), never a Bearer header
 * (API tokens are Slipway's own). The roles are not in the token: callers load them from the
 * database on every request.
 *
 * @param headers the request's headers (`cookie`, `x-forwarded-proto`)
 * @param nowMs   the current time in epoch milliseconds (for `exp`)
 * @returns the `uid` claim Slipway's jwt callback wrote at sign-in (lib/auth/auth.ts)
 */
export async function sessionUserId(headers: Headers, nowMs: number): Promise<string | null> {
  const secret = process.env.AUTH_SECRET;
  const cookieHeader = headers.get("cookie");
  if (!cookieHeader || !secret) return null;
  const secure = secureCookieFor(headers);
  const name = secure ? SECURE_COOKIE : PLAIN_COOKIE;
  const token = await getToken({ req: { headers: { cookie: cookieHeader } }, secret, secureCookie: secure, cookieName: name, salt: name, decode: cachedDecode });
  return unexpired(token, nowMs) && typeof token.uid === "string" ? token.uid : null;
}
