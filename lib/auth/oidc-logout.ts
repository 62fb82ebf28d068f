import "server-only";
import { getToken } from "next-auth/jwt";
import { env } from "@/lib/env";

const discovery = globalThis as unknown as { __slipwayEndSession?: { issuer: string; endpoint: string | null; at: number } };
const DISCOVERY_TTL_MS = 10 * 60_000;

/**
 * The identity provider's `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0, §2),
 * read from its discovery document and cached for ten minutes; null when the provider has none or
 * cannot be reached (signing out of Slipway must never depend on the provider being up).
 */
async function endSessionEndpoint(issuer: string): Promise<string | null> {
  const cached = discovery.__slipwayEndSession;
  if (cached && cached.issuer === issuer && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.endpoint;
  try {
    const response = await fetch(new URL(".well-known/openid-configuration", issuer.endsWith("/") ? issuer : `${issuer}/`), { signal: AbortSignal.timeout(3000) });
    const document = response.ok ? ((await response.json()) as { end_session_endpoint?: unknown }) : {};
    const endpoint = typeof document.end_session_endpoint === "string" ? document.end_session_endpoint : null;
    discovery.__slipwayEndSession = { issuer, endpoint, at: Date.now() };
    return endpoint;
  } catch (error) {
    console.warn(`[auth] could not read ${issuer}'s discovery document for logout: ${(error as Error).message}`);
    return null;
  }
}

/**
 * Where to send the browser after Slipway's own session is cleared: the provider's logout page
 * with `id_token_hint`, `client_id` and `post_logout_redirect_uri` (`{origin}/signin?signed-out=1`),
 * so signing out of Slipway also ends the single-sign-on session. Null in local mode, without the
 * ID token, or when the provider offers no logout endpoint; the caller then goes to /signin.
 *
 * @param headers the request's headers (the session cookie is read from them)
 * @param origin  Slipway's own origin as the browser sees it, e.g. `http://localhost:3000`
 */
export async function providerLogoutUrl(headers: Headers, origin: string): Promise<string | null> {
  const e = env();
  if (!e.oidcConfigured || !e.SLIPWAY_OIDC_ISSUER) return null;
  const secureCookie = origin.startsWith("https://");
  const token = await getToken({ req: { headers }, secret: process.env.AUTH_SECRET, secureCookie }).catch(() => null);
  const idToken = typeof token?.idToken === "string" ? token.idToken : null;
  if (!idToken) return null;
  const endpoint = await endSessionEndpoint(e.SLIPWAY_OIDC_ISSUER);
  if (!endpoint) return null;
  const url = new URL(endpoint);
  url.searchParams.set("id_token_hint", idToken);
  url.searchParams.set("client_id", e.SLIPWAY_OIDC_CLIENT_ID ?? "");
  url.searchParams.set("post_logout_redirect_uri", `${origin}/signin?signed-out=1`);
  return url.toString();
}
