import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { loadPortalHeader, type WaitingRow } from "./approvals";
import type { PipelineOption } from "./pipeline-pages";
import type { TeamOption } from "./portfolio";
import { seenActorOf } from "./users";

/** What every portal page knows of the signed-in person and shows in its header. */
export interface PortalSession {
  actor: Actor;
  /** Every pipeline in name order (the header's switcher; the pipeline filters). */
  pipelines: PipelineOption[];
  /** Every team in name order (the team filters). */
  teams: TeamOption[];
  /** Deployments waiting for decisions, for pendingDecisionsAmong (the header's count, the inbox). */
  waiting: WaitingRow[];
}

/**
 * The signed-in person (roles fresh from the database) and the header's data in one statement —
 * every page sends it, so it is one round trip instead of two — plus, at most once a minute, the
 * "last seen" update (seenActorOf). Null for an unknown, system or disabled user.
 *
 * @param userId the session's user id (lib/auth/session-token.ts)
 * @param ip     the client's address, kept on the actor for the audit trail
 */
export async function loadPortalSession(db: Db, clock: Clock, userId: string, ip: string | undefined): Promise<PortalSession | null> {
  const { me, pipelines, teams, waiting } = await loadPortalHeader(db, userId);
  const actor = await seenActorOf(db, clock, me, "ui", ip);
  if (!actor || actor.disabled) return null;
  return { actor, pipelines, teams, waiting };
}
