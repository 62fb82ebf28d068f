import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { environments, pipelines, type Environment } from "@/db/schema";
import { liveEnvironmentRefs, qualifiedName, resolveEnvironment } from "./pipeline-scope";
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

// Read on every view of the history: prepared (db/queries/prepared.ts), planned once per connection.
// A null pipeline id reads every pipeline's; a null limit is no limit (PostgreSQL's LIMIT NULL).
const environmentNamesStatement = preparedRead("environments_with_history", (db, name) =>
  db
    .select({
      pipeline: pipelines.name,
      name: environments.name,
      live: sql<boolean>`bool_or(${LIVE_ENVIRONMENT})`,
      kind: sql<string>`min(${environments.kind})`,
      position: sql<number | null>`min(${environments.position})`,
    })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(sql`(${sql.placeholder("pipelineId")}::text is null or ${environments.pipelineId} = ${sql.placeholder("pipelineId")})`)
    .groupBy(pipelines.name, environments.name)
    .limit(sql.placeholder("limit"))
    .prepare(name),
);

/** An environment that has a history, as a history filter offers it. */
export interface EnvironmentWithHistory {
  pipeline: string;
  name: string;
  /** "shop/dev": the filter's value, which matches this pipeline's environment only. */
  ref: string;
  /** Torn down or retired, and no live environment of its pipeline took the name over. */
  gone: boolean;
}

/**
 * Every environment that has a history, for history filters, qualified by its pipeline (several
 * pipelines have a dev): by pipeline name, then the live ones in chain order (review ones after),
 * then the gone ones (torn down or retired) that no live environment of that pipeline took over,
 * marked `gone`. With `pipelineId`, only that pipeline's (the history page scoped to one pipeline).
 * With `limit`, at most that many, and then not necessarily the first in this order: for a caller
 * that lists them only when there are few (a company has hundreds). One statement.
 */
export async function environmentsWithHistory(db: Db, pipelineId: string | null = null, limit?: number): Promise<EnvironmentWithHistory[]> {
  const rows = await environmentNamesStatement(db, { pipelineId, limit: limit ?? null });
  const order = (r: (typeof rows)[number]) => [r.live ? 0 : 1, r.kind === "fixed" ? 0 : 1, r.position ?? Number.MAX_SAFE_INTEGER] as const;
  return rows
    .sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return a.pipeline.localeCompare(b.pipeline) || x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.name.localeCompare(b.name);
    })
    .map((r) => ({ pipeline: r.pipeline, name: r.name, ref: qualifiedName(r.pipeline, r.name), gone: !r.live }));
}
