import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, type Environment } from "@/db/schema";
import { liveEnvironmentRefs, resolveEnvironment } from "./pipeline-scope";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";

/** Environments that still exist: neither torn down (review) nor retired (removed from slipway.yaml). */
export const LIVE_ENVIRONMENT = sql`${environments.state} not in (${sql.raw(sqlList(GONE_ENVIRONMENT_STATES))})`;

/**
 * A live environment by reference ("shop/dev" or a bare "dev"; see pipeline-scope.ts), or a field
 * error naming the ones that exist. @throws ValidationError | AmbiguousError
 */
export async function requireLiveEnvironment(db: Db, ref: string, field = "environment", pipeline?: string | null): Promise<Environment> {
  return resolveEnvironment(db, ref, { field, pipeline });
}

/**
 * The references of the live environments, in chain order (review ones after), for pickers: bare
 * names while one pipeline exists, "pipeline/name" once there are several.
 */
export async function liveEnvironmentNames(db: Db, pipeline: string | null = null): Promise<string[]> {
  return liveEnvironmentRefs(db, pipeline);
}

/**
 * Every environment name that has a history, for history filters: the live ones in chain order,
 * then the gone ones (torn down or retired) that no live environment took over, marked `gone`.
 * With `pipelineId`, only that pipeline's (the history page scoped to one pipeline).
 */
export async function environmentNamesWithHistory(db: Db, pipelineId: string | null = null): Promise<{ name: string; gone: boolean }[]> {
  const rows = await db
    .select({ name: environments.name, live: sql<boolean>`bool_or(${LIVE_ENVIRONMENT})`, kind: sql<string>`min(${environments.kind})`, position: sql<number | null>`min(${environments.position})` })
    .from(environments)
    .where(pipelineId ? eq(environments.pipelineId, pipelineId) : undefined)
    .groupBy(environments.name);
  const order = (r: (typeof rows)[number]) => [r.live ? 0 : 1, r.kind === "fixed" ? 0 : 1, r.position ?? Number.MAX_SAFE_INTEGER] as const;
  return rows
    .sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.name.localeCompare(b.name);
    })
    .map((r) => ({ name: r.name, gone: !r.live }));
}
