import { and, desc, eq, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, releases } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import { fromJsonObject, jsonObject } from "@/db/queries/json-rows";
import { preparedRead } from "@/db/queries/prepared";
import { textArrayLiteral } from "@/db/queries/sql-arrays";

/** A release as the page names it: id, commit and each app's version. */
export interface ReleaseSummaryView {
  id: string;
  commit: string;
  versions: { app: string; version: string }[];
}

/** Deployment states that do not count as a release having gone on to an environment. */
const NOT_PROMOTED = ["failed", "cancelled", "superseded"] as const;

/** The newest deployment of a release into an environment, as releaseSummaries nests it. */
const promotionFields = { deploymentId: deployments.id, state: deployments.state };

/**
 * The statement of releaseSummaries, prepared in two forms: with the promotion into an environment
 * (`promotedInto` names it) or without. Read on every environment page a person may roll back from.
 */
function releaseSummariesStatement(withPromotion: boolean) {
  return preparedRead(withPromotion ? "release_summaries_promoted" : "release_summaries", (db, name) => {
    return db.query.releases
      .findMany({
        where: sql`${releases.id} = any(${sql.placeholder("ids")}::text[])`,
        columns: { id: true, commit: true },
        with: { builds: { columns: {}, with: { build: { columns: { version: true } }, app: { columns: { name: true, position: true } } } } },
        // A subquery of its own: the relational query would rewrite its columns to the releases' alias.
        extras: (release) => ({
          promotion: (withPromotion
            ? sql`${db
                .select({ row: jsonObject(promotionFields) })
                .from(deployments)
                .innerJoin(environments, eq(environments.id, deployments.environmentId))
                .where(and(eq(deployments.releaseId, release.id), eq(environments.name, sql.placeholder("promotedInto")), notInArray(deployments.state, [...NOT_PROMOTED])))
                .orderBy(desc(deployments.createdAt), desc(deployments.id))
                .limit(1)}`
            : sql`null`
          ).as("promotion"),
        }),
      })
      .prepare(name);
  });
}
const summariesOfReleases = releaseSummariesStatement(false);
const summariesOfReleasesPromoted = releaseSummariesStatement(true);

/**
 * Releases by id with each app's version (in slipway.yaml order), in one statement. With
 * `promotedInto` (an environment's name in the releases' pipeline), each also says its newest
 * deployment there that did not fail, was not cancelled and was not superseded.
 */
export async function releaseSummaries(db: Db, ids: string[], promotedInto: string | null): Promise<Map<string, { summary: ReleaseSummaryView; promotion: { deploymentId: string; state: DeploymentState } | null }>> {
  if (!ids.length) return new Map();
  const unique = textArrayLiteral([...new Set(ids)]);
  const rows = await (promotedInto === null ? summariesOfReleases(db, { ids: unique }) : summariesOfReleasesPromoted(db, { ids: unique, promotedInto }));
  return new Map(
    rows.map((r) => [
      r.id,
      {
        summary: { id: r.id, commit: r.commit, versions: r.builds.sort((a, b) => a.app.position - b.app.position).map((b) => ({ app: b.app.name, version: b.build.version })) },
        promotion: r.promotion ? fromJsonObject(promotionFields, r.promotion) : null,
      },
    ]),
  );
}
