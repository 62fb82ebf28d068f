/**
 * Where sign-out lands: the provider's logout (which comes back to /signin?signed-out=1) when there
 * is one; in local mode /signin?signed-out=1; with an identity provider that could not be asked to
 * end its own session (no end_session_endpoint, no ID token) /signin?signed-out=slipway, so the
 * page never claims a sign-out from the provider that did not happen.
 */
export function signedOutLanding(providerLogout: string | null, oidcConfigured: boolean): string {
  if (providerLogout) return providerLogout;
  return oidcConfigured ? "/signin?signed-out=slipway" : "/signin?signed-out=1";
}
