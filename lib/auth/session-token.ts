import { decode, getToken, type JWT } from "next-auth/jwt";
import { LRUCache } from "lru-cache";

/**
 * The session cookie's names, as Auth.js names them: `__Secure-` on https, plain on http. The
 * cookie's name is also the JWE's key-derivation salt, so a token only decrypts under the name it
 * was issued with; trying both cannot accept a token Auth.js itself would refuse.
 */
const SESSION_COOKIES = [
  { name: "__Secure-authjs.session-token", secure: true },
  { name: "authjs.session-token", secure: false },
] as const;

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
 * Reads only the `cookie` header (never a Bearer header: API tokens are Slipway's own). The roles
 * are not in the token: callers load them from the database on every request.
 *
 * @param cookieHeader the request's `cookie` header, or null
 * @param nowMs        the current time in epoch milliseconds (for `exp`)
 * @returns the `uid` claim Slipway's jwt callback wrote at sign-in (lib/auth/auth.ts)
 */
export async function sessionUserId(cookieHeader: string | null, nowMs: number): Promise<string | null> {
  const secret = process.env.AUTH_SECRET;
  if (!cookieHeader || !secret) return null;
  const req = { headers: { cookie: cookieHeader } };
  for (const cookie of SESSION_COOKIES) {
    if (!cookieHeader.includes(cookie.name)) continue;
    const token = await getToken({ req, secret, secureCookie: cookie.secure, cookieName: cookie.name, salt: cookie.name, decode: cachedDecode });
    if (unexpired(token, nowMs) && typeof token.uid === "string") return token.uid;
  }
  return null;
}
