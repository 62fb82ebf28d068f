"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { safeCallbackPath } from "./callback-url";
import { LOCAL_PROVIDER_ID, OIDC_PROVIDER_ID, signIn, signOut } from "./auth";
import { providerLogoutUrl } from "./oidc-logout";
import { signedOutLanding } from "./signed-out";

/** Only same-origin paths: a sign-in link must not bounce people to another site. */
function safeCallback(value: FormDataEntryValue | null): string {
  return safeCallbackPath(value);
}

export async function signInLocal(formData: FormData): Promise<void> {
  if (env().oidcConfigured) redirect("/signin?error=local-disabled");
  const callbackUrl = safeCallback(formData.get("callbackUrl"));
  try {
    await signIn(LOCAL_PROVIDER_ID, { email: String(formData.get("email") ?? ""), redirectTo: callbackUrl });
  } catch (error) {
    // signIn signals success by throwing a redirect: only AuthError is a failure (STACK.md trap 10).
    if (error instanceof AuthError) redirect(`/signin?error=unknown-user&callbackUrl=${encodeURIComponent(callbackUrl)}`);
    throw error;
  }
}

export async function signInOidc(formData: FormData): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { redirectTo: safeCallback(formData.get("callbackUrl")) });
}

/**
 * Signs out of Slipway and, with single sign-on, of the identity provider too (RP-initiated
 * logout), so the next person at this browser is asked who they are.
 */
export async function signOutAction(): Promise<void> {
  const requestHeaders = await headers();
  // Server actions are same-origin POSTs (Next checks Origin), so Origin is Slipway's own address.
  const origin = requestHeaders.get("origin");
  const providerLogout = origin ? await providerLogoutUrl(requestHeaders, origin) : null;
  await signOut({ redirect: false });
  redirect(signedOutLanding(providerLogout, env().oidcConfigured));
}
