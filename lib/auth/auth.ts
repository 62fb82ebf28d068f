import { safeCallbackPath } from "./callback-url";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { env } from "@/lib/env";
import { systemClock } from "@/lib/domain/clock";
import { systemActor, isSystemUserId } from "./actor";
import { findUserByEmail, provisionSignedInUser } from "@/lib/services/users";

export const LOCAL_PROVIDER_ID = "local";
export const OIDC_PROVIDER_ID = "oidc";

class UnknownLocalUser extends CredentialsSignin {
  override code = "unknown_user";
}

const localCredentials = z.object({ email: z.email() });

/**
 * Local mode: with no identity provider configured, anyone at this machine signs in as one of the
 * users in the database (the demo users) without a password. It is off whenever OIDC is set.
 */
function localProvider() {
  return Credentials({
    id: LOCAL_PROVIDER_ID,
    name: "Local demo users",
    credentials: { email: { label: "Email", type: "email" } },
    async authorize(credentials) {
      const parsed = localCredentials.safeParse(credentials);
      if (!parsed.success) throw new UnknownLocalUser();
      const user = await findUserByEmail(await getDb(), parsed.data.email);
      if (!user || user.disabledAt || isSystemUserId(user.id)) throw new UnknownLocalUser();
      return { id: user.id, email: user.email, name: user.name };
    },
  });
}

function oidcProvider(): NextAuthConfig["providers"][number] {
  const e = env();
  return {
    id: OIDC_PROVIDER_ID,
    name: e.SLIPWAY_OIDC_NAME,
    type: "oidc",
    issuer: e.SLIPWAY_OIDC_ISSUER,
    clientId: e.SLIPWAY_OIDC_CLIENT_ID,
    clientSecret: e.SLIPWAY_OIDC_CLIENT_SECRET,
    // Authorization code with PKCE and a nonce; Auth.js validates the ID token's signature,
    // issuer, audience, expiry and nonce (oauth4webapi) before any callback below runs.
    checks: ["pkce", "state", "nonce"],
    authorization: { params: { scope: e.SLIPWAY_OIDC_SCOPES } },
  };
}

function config(): NextAuthConfig {
  const e = env();
  return {
    providers: [e.oidcConfigured ? oidcProvider() : localProvider()],
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    trustHost: true,
    callbacks: {
      // Whatever next-auth itself redirects to (its own callbackUrl cookie or parameter) stays on our origin.
      redirect({ url, baseUrl }) {
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
      async jwt({ token, user, account, profile }) {
        if (!account) return token;
        if (account.provider === OIDC_PROVIDER_ID) {
          // Slipway's own user id goes into the token: roles are always read from the database.
          const email = (profile?.email ?? user?.email ?? "").toString();
          if (!email) return null;
          const mapping = e.oidcRoleMapping;
          const userId = await provisionSignedInUser(
            { db: await getDb(), clock: systemClock, actor: systemActor("ui") },
            { email, name: profile?.name ?? user?.name },
            e.adminEmails,
            mapping ? { mapping, claim: profile?.[mapping.claim] } : null,
            e.SLIPWAY_OIDC_GROUPS_CLAIM ? { claim: profile?.[e.SLIPWAY_OIDC_GROUPS_CLAIM] } : null,
          );
          if (!userId) return null;
          token.uid = userId;
          // Kept (encrypted in the session cookie, never sent to the browser's scripts) for the
          // provider's logout: RP-initiated logout names the session with id_token_hint.
          if (account.id_token) token.idToken = account.id_token;
        } else if (user?.id) {
          token.uid = user.id;
        }
        return token;
      },
      session({ session, token }) {
        if (typeof token.uid === "string") session.user.id = token.uid;
        return session;
      },
    },
    logger: {
      // A refused local sign-in is an expected outcome, not a server error worth a stack trace.
      error(error) {
        if (error instanceof CredentialsSignin || error.name === "CredentialsSignin") return;
        // A refused ID token (wrong issuer, audience, signature or expiry) is a sign-in outcome an
        // admin must be able to read in one line, with the validator's own reason.
        const cause = (error as { cause?: { err?: Error } | Error }).cause;
        const reason = cause instanceof Error ? cause.message : cause?.err?.message;
        if (error.name === "CallbackRouteError" && reason) console.error(`[auth] sign-in refused: ${reason}`);
        else console.error("[auth]", error);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());
