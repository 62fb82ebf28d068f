import "server-only";
import { CLIENT_IP_HEADER } from "@/lib/server/forwarding";
import { REQUEST_PATH_HEADER, signInPathFor } from "@/lib/server/request-path";
import { cache } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { loadPortalSession, type PortalSession } from "@/lib/services/portal-session";
import { systemClock } from "@/lib/domain/clock";
import type { Actor } from "./actor";
import { sessionUserId } from "./session-token";

/** The client address the server worked out (the socket peer, or what a trusted proxy reports). */
export async function requestIp(): Promise<string | undefined> {
  const h = await headers();
  return h.get(CLIENT_IP_HEADER) || undefined;
}

/**
 * The signed-in person for this request with the header's data (one statement), memoised per
 * request; null without a valid session or for a disabled account. Roles are fresh from the
 * database: a revoked role or a disabled account takes effect at once.
 */
export const getPortalSession = cache(async (): Promise<PortalSession | null> => {
  const userId = await sessionUserId(await headers(), systemClock.now().getTime());
  if (!userId) return null;
  // Settings → Users shows when each person was last here (local sign-in included).
  return loadPortalSession(await getDb(), systemClock, userId, await requestIp());
});

/** The signed-in person for this request (getPortalSession's), or null. */
export const getCurrentActor = cache(async (): Promise<Actor | null> => (await getPortalSession())?.actor ?? null);

/** For pages: the signed-in person, or a redirect to sign in that comes back to the page asked for. */
export async function requireActor(): Promise<Actor> {
  const actor = await getCurrentActor();
  if (!actor) redirect(signInPathFor((await headers()).get(REQUEST_PATH_HEADER)));
  return actor;
}
