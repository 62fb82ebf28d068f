import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environmentApps, environments, type Deployment, type Environment } from "@/db/schema";

import type { PlannedSoak } from "@/lib/domain/deployment-detail";
export type { PlannedSoak };

/**
 * The environment a release soaks in before entering `target`: the one it is promoted from when it
 * runs there; otherwise where it runs now — a review environment cloned from the target (a release
 * accepted there goes straight in), else the fixed environment nearest the target (a fast-track).
 */
export async function soakSource(db: Db, deployment: Pick<Deployment, "releaseId" | "kind" | "fromEnvironmentId">, target: Pick<Environment, "id">): Promise<Environment | null> {
  const running = await db
    .select({ environment: environments })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .where(and(eq(environmentApps.releaseId, deployment.releaseId), sql`${environments.id} <> ${target.id}`, sql`${environments.state} not in ('torn-down', 'retired', 'tearing-down')`));
  const picked = pickSoakSource([...new Map(running.map((r) => [r.environment.id, r.environment])).values()], deployment, target.id);
  if (picked) return picked;
  return deployment.fromEnvironmentId ? ((await db.query.environments.findFirst({ where: eq(environments.id, deployment.fromEnvironmentId) })) ?? null) : null;
}

/**
 * soakSource's choice among the live environments (other than the target) where the release
 * runs: the one it is promoted from, else a review environment cloned from the target, else the
 * fixed environment nearest the target. Null when none fits. Pure.
 */
export function pickSoakSource<E extends Pick<Environment, "id" | "kind" | "sourceEnvironmentId" | "position">>(candidates: readonly E[], deployment: Pick<Deployment, "kind" | "fromEnvironmentId">, targetId: string): E | null {
  const from = candidates.find((e) => e.id === deployment.fromEnvironmentId);
  if (from && deployment.kind !== "fast-track") return from;
  const review = candidates.find((e) => e.kind === "review" && e.sourceEnvironmentId === targetId);
  if (review) return review;
  return [...candidates].filter((e) => e.kind === "fixed").sort((a, b) => (b.position ?? 0) - (a.position ?? 0))[0] ?? null;
}

/** Since when `releaseId` has run in `environmentId` (its earliest app), or null when it does not run there. */
export async function runningSince(db: Db, environmentId: string, releaseId: string): Promise<Date | null> {
  const [row] = await db
    .select({ since: sql<string | null>`min(${environmentApps.deployedAt})` })
    .from(environmentApps)
    .where(and(eq(environmentApps.environmentId, environmentId), eq(environmentApps.releaseId, releaseId)));
  return row?.since ? new Date(row.since) : null;
}

/**
 * The soak a deployment of `deployment.releaseId` into `target` would be measured by, as of now;
 * null when the target has no soak gate. Reads only; throws nothing of its own.
 */
export async function planSoak(db: Db, deployment: Pick<Deployment, "releaseId" | "kind" | "fromEnvironmentId">, target: Pick<Environment, "id" | "settings">): Promise<PlannedSoak | null> {
  const soak = target.settings.gates?.soak;
  if (!soak) return null;
  const source = await soakSource(db, deployment, target);
  const since = source ? await runningSince(db, source.id, deployment.releaseId) : null;
  return soakPlanOf(source, since, soak.duration);
}

/** The plan for a soak of `durationMs` measured in `source` from `since` (both null when the release runs nowhere it could soak). */
export function soakPlanOf(source: Pick<Environment, "id" | "name"> | null, since: Date | null, durationMs: number): PlannedSoak {
  return {
    environmentId: source?.id ?? null,
    environment: source?.name ?? "the previous environment",
    since: since?.toISOString() ?? null,
    durationMs,
    completesAt: since ? new Date(since.getTime() + durationMs).toISOString() : null,
  };
}

/** The soak pinned on a deployment when it was requested, if any (older deployments have none). */
export function pinnedSoak(deployment: Pick<Deployment, "detail">): PlannedSoak | null {
  const soak = deployment.detail?.soak;
  return soak && typeof soak === "object" && "environment" in soak ? soak : null;
}

/** The pinned soak's environment row (null when it was torn down or retired since). */
export async function pinnedSoakEnvironment(db: Db, soak: PlannedSoak): Promise<Environment | null> {
  if (!soak.environmentId) return null;
  const row = await db.query.environments.findFirst({ where: eq(environments.id, soak.environmentId) });
  return row && row.state !== "torn-down" && row.state !== "retired" ? row : null;
}
