import { and, asc, eq, inArray, isNotNull, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { apps, builds, environmentApps, environments, releases, users } from "@/db/schema";
import { flatRead, preparedFlatRead } from "./prepared";
import { textArrayLiteral } from "./sql-arrays";

/**
 * What runs where: the recorded cells (environment × app) with the release, build and digest each
 * one runs. The one read model the drift check, the comparison of two environments and the
 * environment views share, so "what does this environment run" has a single answer.
 */

/** The person who deployed a cell (joined under this alias wherever `cellColumns` are selected). */
export const deployedBy = alias(users, "deployed_by_user");

/** The columns of one cell (environment × app) as every view of cells shows it. */
export const cellColumns = {
  environmentId: environmentApps.environmentId,
  appId: environmentApps.appId,
  app: apps.name,
  releaseId: environmentApps.releaseId,
  releaseCreatedAt: releases.createdAt,
  releaseBranch: releases.branch,
  releaseCommit: releases.commit,
  buildId: environmentApps.buildId,
  version: builds.version,
  commit: builds.commit,
  digest: builds.digest,
  deploymentId: environmentApps.deploymentId,
  deployedAt: environmentApps.deployedAt,
  deployedById: deployedBy.id,
  deployedByName: deployedBy.name,
  deployedByEmail: deployedBy.email,
  previousReleaseId: environmentApps.previousReleaseId,
  url: environmentApps.url,
  healthStatus: environmentApps.healthStatus,
  healthObservedAt: environmentApps.healthObservedAt,
  drift: environmentApps.drift,
  driftObservedAt: environmentApps.driftObservedAt,
};

export interface CellsParams {
  /** Only these environments. Omitted: every environment. An empty list reads nothing. */
  environmentIds?: readonly string[];
  /** Which cells: "recorded" (a known build is recorded there) or "all" (every cell row). Default "all". */
  cells?: "all" | "recorded";
  /**
   * "differing": a review environment's cells only where its build differs from its source
   * environment's (what the board shows of a review environment); fixed environments keep all.
   * Default "all".
   */
  reviewCells?: "all" | "differing";
}

/**
 * The cells matching `params` as flat rows in one statement, in the pipeline's app order.
 * Release and build columns are null where nothing (or an unknown id) is recorded.
 */
export async function listCells(db: Db, params: CellsParams = {}): Promise<CellRow[]> {
  if (params.environmentIds && params.environmentIds.length === 0) return [];
  const conditions: (SQL | undefined)[] = [];
  if (params.environmentIds) conditions.push(inArray(environmentApps.environmentId, [...params.environmentIds]));
  if (params.cells === "recorded") conditions.push(isNotNull(builds.id));
  if (params.reviewCells === "differing") conditions.push(differingInReview);
  // Decoded by flatRead (db/queries/prepared.ts): drizzle's row mapper was most of the CPU of a large read.
  return flatRead<CellRow>(
    db,
    cellSelection,
    selectCells(db)
      .where(and(...conditions))
      .orderBy(asc(apps.position), asc(apps.name)),
  );
}

/** What every listCells row carries: a cell's columns, its environment's name, the app's position and the build's branch. */
const cellSelection = { ...cellColumns, environment: environments.name, appPosition: apps.position, buildBranch: builds.branch };

function selectCells(db: Db) {
  return db
    .select(cellSelection)
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .leftJoin(builds, eq(builds.id, environmentApps.buildId))
    .leftJoin(releases, eq(releases.id, environmentApps.releaseId))
    .leftJoin(deployedBy, eq(deployedBy.id, environmentApps.deployedBy));
}

/**
 * A fixed environment's cell, or a review environment's cell whose build differs from its
 * source's. The source's build is a correlated lookup (one primary-key probe per review cell, and
 * none for fixed ones: `or` stops at the first arm) rather than a join: joined, PostgreSQL hashed
 * the whole environment_apps table on every board view (4.5 of a 15 ms statement at 11,000 cells).
 */
const differingInReview = or(
  eq(environments.kind, "fixed"),
  sql`${environmentApps.buildId} is distinct from (select source_cell.build_id from environment_apps source_cell where source_cell.environment_id = ${environments.sourceEnvironmentId} and source_cell.app_id = ${environmentApps.appId})`,
);

/**
 * The board's cells: those of the fixed environments `fixedIds` for the apps `appIds` (one page of
 * its rows), and what differs from its source in each review environment of `reviewIds`; in the
 * pipeline's app order. Read on every board view, so prepared (db/queries/prepared.ts), the lists
 * as array parameters. The two sets are separate conditions on environment_apps' primary key so
 * PostgreSQL probes it for exactly those cells (a bitmap OR of two index scans) instead of reading
 * every cell of the chain and filtering: 15 → 3 ms on a 600-app board of eight environments.
 */
export async function listBoardCells(db: Db, fixedIds: readonly string[], reviewIds: readonly string[], appIds: readonly string[]) {
  if (fixedIds.length === 0 && reviewIds.length === 0) return [];
  return boardCells(db, { fixedIds: textArrayLiteral(fixedIds), reviewIds: textArrayLiteral(reviewIds), appIds: textArrayLiteral(appIds) });
}

const boardCells = preparedFlatRead<{ fixedIds: string; reviewIds: string; appIds: string }, CellRow>("board_cells", cellSelection, (db) =>
  selectCells(db)
    .where(
      and(
        or(
          and(sql`${environmentApps.environmentId} = any(${sql.placeholder("fixedIds")}::text[])`, sql`${environmentApps.appId} = any(${sql.placeholder("appIds")}::text[])`),
          sql`${environmentApps.environmentId} = any(${sql.placeholder("reviewIds")}::text[])`,
        ),
        differingInReview,
      ),
    )
    .orderBy(asc(apps.position), asc(apps.name)),
);

/** One row of {@link listCells}: a cell's columns as drizzle types its select. */
export type CellRow = Awaited<ReturnType<ReturnType<typeof selectCells>["execute"]>>[number];
