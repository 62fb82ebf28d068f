import { safeCallbackPath } from "@/lib/auth/callback-url";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { signInLocal, signInOidc } from "@/lib/auth/actions";
import { getCurrentActor } from "@/lib/auth/session";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { signInOrder } from "@/lib/auth/sign-in-order";
import { env } from "@/lib/env";
import { scopeNames } from "@/lib/services/teams";
import { listUsers } from "@/lib/services/users";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  "unknown-user": "That user does not exist or is disabled.",
  "local-disabled": "Local sign-in is off: this installation uses single sign-on.",
  AccessDenied: "Your account is disabled. Ask an admin to enable it.",
  Configuration:
    "Sign-in failed: the identity provider's answer could not be verified (its issuer, audience, signature or expiry did not match), or the SLIPWAY_OIDC_* settings do not match the provider. Nothing was signed in; Slipway's log names the exact reason.",
  OAuthSignin: "The identity provider could not be reached. Try again in a moment; if it persists, ask an admin to check SLIPWAY_OIDC_ISSUER.",
  OAuthCallback: "The identity provider's answer could not be verified. Nothing was signed in; Slipway's log names the exact reason.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; "signed-out"?: string }> }) {
  await connection();
  if (await getCurrentActor()) redirect("/");
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  const error = typeof params.error === "string" ? params.error : undefined;
  const signedOut = params["signed-out"];
  const e = env();
  // In the README's order: one person per global role, then those with team or pipeline roles only.
  const people = e.oidcConfigured ? [] : signInOrder((await listUsers(await getDb())).filter((u) => !u.disabled));
  const names = people.some((p) => p.grants.length) ? await scopeNames(await getDb()) : null;

  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <div className="mb-6 flex items-center gap-2">
        <span aria-hidden className="grid size-7 place-items-center rounded-md bg-zinc-900 text-xs font-bold text-white">
          S
        </span>
        <span className="text-lg font-semibold tracking-tight">Slipway</span>
      </div>
      <div className="rounded-lg border border-zinc-200 bg-white p-6 shadow-sm">
        <h1 className="text-base font-semibold">Sign in</h1>
        {signedOut && !error && (
          <p role="status" className={signedOut === "slipway" ? "mt-3 rounded-md bg-amber-50 px-3 py-2 text-amber-900" : "mt-3 rounded-md bg-emerald-50 px-3 py-2 text-emerald-900"}>
            {signedOut === "slipway" && e.oidcConfigured
              ? `You are signed out of Slipway. Your session at ${e.SLIPWAY_OIDC_NAME} may still be open: on a shared computer, sign out there too.`
              : `You are signed out of Slipway${e.oidcConfigured ? ` and of ${e.SLIPWAY_OIDC_NAME}` : ""}.`}
          </p>
        )}
        {error && (
          <p role="alert" className="mt-3 rounded-md bg-rose-50 px-3 py-2 text-rose-800">
            {ERRORS[error] ?? "Sign-in failed. Try again."}
          </p>
        )}
        {e.oidcConfigured ? (
          <form action={signInOidc} className="mt-4">
            <input type="hidden" name="callbackUrl" value={callbackUrl} />
            <button className={buttonClass("primary", "md", "w-full")}>Continue with {e.SLIPWAY_OIDC_NAME}</button>
          </form>
        ) : (
          <>
            <p className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-amber-200 ring-inset">
              <strong>Local mode.</strong> No identity provider is configured, so you can sign in as any user below without a password. Configure OIDC (SLIPWAY_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET) to turn this off.
            </p>
            {people.length === 0 ? (
              <p className="mt-4 text-zinc-600">No users yet. Start Slipway with demo data (the default on the embedded database) or add users with an admin.</p>
            ) : (
              <ul className="mt-4 flex flex-col gap-2" aria-label="Users you can sign in as">
                {people.map((person) => (
                  <li key={person.id}>
                    <form action={signInLocal}>
                      <input type="hidden" name="email" value={person.email} />
                      <input type="hidden" name="callbackUrl" value={callbackUrl} />
                      <button className="flex w-full items-center justify-between gap-3 rounded-md border border-zinc-200 px-3 py-2 text-left hover:border-zinc-400 hover:bg-zinc-50">
                        <span className="min-w-0">
                          <span className="block font-medium">Sign in as {person.name}</span>
                          {/* A break allowed after the @ (and inside either part only when one alone is too long), not mid-word anywhere. */}
                          <span className="block text-xs break-words text-zinc-500">
                            {person.email.split("@")[0]}@<wbr />
                            {person.email.split("@").slice(1).join("@")}
                          </span>
                        </span>
                        <span className="flex flex-wrap justify-end gap-1">
                          {person.roles.map((role) => (
                            <Badge key={role} tone={role === "admin" ? "violet" : role === "viewer" ? "neutral" : "blue"}>
                              {ROLE_LABELS[role]}
                            </Badge>
                          ))}
                          {person.grants.map((g) => (
                            <Badge key={`${g.role}:${g.scope}:${g.scopeId}`} tone="blue">
                              {ROLE_LABELS[g.role]} · {(g.scope === "team" ? names?.teams : names?.pipelines)?.get(g.scopeId) ?? g.scopeId}
                            </Badge>
                          ))}
                        </span>
                      </button>
                    </form>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </main>
  );
}
