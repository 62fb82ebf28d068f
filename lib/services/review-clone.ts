import { and, asc, eq, inArray, isNotNull, isNull, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { textArrayLiteral } from "@/db/queries/sql-arrays";
import { apps, builds, deployments, environmentApps, environments, releaseBuilds, type Deployment, type Environment } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

/**
 * How much of its source a review environment holds and runs (issue 13):
 * - `changed` (the default): only the apps whose build differs from what the source runs, one cell
 *   each; the others are inherited — their addresses are the source's, and the review
 *   environment's apps get them as `SLIPWAY_URL_<APP>`. This keeps many review environments cheap.
 * - `full`: every app of the release, as before.
 *
 * A later release of the branch adds a cell for each app that now differs. An app the review
 * environment runs keeps running there (on the new release's build) even once its build is the
 * source's again: taking it away mid-review would move traffic under the reviewer's feet.
 */
export const CLONE_MODES = ["changed", "full"] as const;
export type CloneMode = (typeof CLONE_MODES)[number];

export const cloneMode = z
  .enum(CLONE_MODES, { error: 'expected "changed" (only the apps that differ from the source) or "full" (every app)' })
  .meta({ description: 'What the review environment runs itself: "changed" (default) only the apps whose build differs from the source\'s, the others served by the source; "full" every app' });

/** A review environment's clone mode; null for a fixed environment. Review environments made before modes existed are full clones. */
export function cloneModeOf(environment: Pick<Environment, "kind" | "settings">): CloneMode | null {
  if (environment.kind !== "review") return null;
  return (environment.settings as { clone?: CloneMode } | null)?.clone === "changed" ? "changed" : "full";
}

export interface AppRef {
  id: string;
  name: string;
}

/** What a deployment of one release into a partial review environment runs, and what the source serves. */
export interface PartialSelection {
  /** The source environment's name, e.g. "staging". */
  source: string;
  /** Apps deployed into the review environment: their build differs from the source's, or it runs them already. Pipeline order. */
  own: AppRef[];
  /** Apps served by the source. Pipeline order. */
  inherited: AppRef[];
}

/**
 * Splits a release's apps for a review environment cloned with `changed`: an app is its own when
 * the release's build for it has another digest than the build the source runs (or the source runs
 * none), or when the review environment already runs it; the rest are inherited. Null when the
 * environment is not a partial review environment (fixed, or a full clone): every app is deployed.
 */
export async function partialSelection(db: Db, environment: Pick<Environment, "id" | "kind" | "settings" | "sourceEnvironmentId">, releaseId: string): Promise<PartialSelection | null> {
  if (cloneModeOf(environment) !== "changed" || !environment.sourceEnvironmentId) return null;
  const [source] = await db.select({ name: environments.name }).from(environments).where(eq(environments.id, environment.sourceEnvironmentId));
  // One after another: callers pass their transaction, whose single connection would only queue
  // concurrent queries inside node-postgres (deprecated, removed in pg 9).
  const wanted = await db
    .select({ id: apps.id, name: apps.name, digest: builds.digest })
    .from(releaseBuilds)
    .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
    .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
    .where(eq(releaseBuilds.releaseId, releaseId))
    .orderBy(asc(apps.position));
  const sourceRuns = await db
    .select({ appId: environmentApps.appId, digest: builds.digest })
    .from(environmentApps)
    .innerJoin(builds, eq(builds.id, environmentApps.buildId))
    .where(eq(environmentApps.environmentId, environment.sourceEnvironmentId));
  const ownCells = await db
    .select({ appId: environmentApps.appId })
    .from(environmentApps)
    .where(and(eq(environmentApps.environmentId, environment.id), isNotNull(environmentApps.buildId)));
  const sourceDigest = new Map(sourceRuns.map((c) => [c.appId, c.digest]));
  const runsAlready = new Set(ownCells.map((c) => c.appId));
  const selection: PartialSelection = { source: source?.name ?? "its source", own: [], inherited: [] };
  for (const app of wanted) {
    const own = runsAlready.has(app.id) || sourceDigest.get(app.id) !== app.digest;
    selection[own ? "own" : "inherited"].push({ id: app.id, name: app.name });
  }
  return selection;
}

/**
 * The app ids a deployment carries when it carries only some apps of its release (`detail.appIds`,
 * set by enqueue for a partial review environment); undefined when it carries every app.
 */
export function deploymentAppIds(deployment: Pick<Deployment, "detail">): string[] | undefined {
  const ids = (deployment.detail as { appIds?: unknown } | null)?.appIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : undefined;
}

/** An app a review environment does not run itself: the source serves it, at `url`. */
export interface InheritedAddress {
  app: string;
  url: string;
  /** The source environment's name, e.g. "staging". */
  from: string;
}

const sourceCell = alias(environmentApps, "inherited_source_cell");
const ownCell = alias(environmentApps, "inherited_own_cell");
const sourceEnvironment = alias(environments, "inherited_source");

/**
 * The apps `environment`'s source serves for it when it is a partial review environment (their
 * addresses there, in slipway.yaml order); empty, without a statement, for any other environment.
 */
export async function inheritedAppsOf(db: Db, environment: Pick<Environment, "id" | "kind" | "settings">): Promise<InheritedAddress[]> {
  if (cloneModeOf(environment) !== "changed") return [];
  return (await inheritedAddressesOf(db, [environment.id])).get(environment.id) ?? [];
}

/**
 * The statement of inheritedAddressesOf, prepared (db/queries/prepared.ts) in two forms: for every
 * app, or for the apps in the placeholder `appIds`. A board reads it on every request.
 */
function inheritedAddressesStatement(someApps: boolean) {
  return preparedRead(someApps ? "inherited_addresses_of_apps" : "inherited_addresses", (db, name) =>
    db
      .select({ environmentId: environments.id, app: apps.name, url: sourceCell.url, from: sourceEnvironment.name })
      .from(environments)
      .innerJoin(sourceEnvironment, eq(sourceEnvironment.id, environments.sourceEnvironmentId))
      .innerJoin(sourceCell, eq(sourceCell.environmentId, environments.sourceEnvironmentId))
      .innerJoin(apps, and(eq(apps.id, sourceCell.appId), isNull(apps.retiredAt)))
      .leftJoin(ownCell, and(eq(ownCell.environmentId, environments.id), eq(ownCell.appId, sourceCell.appId), isNotNull(ownCell.buildId)))
      .where(
        and(
          sql`${environments.id} = any(${sql.placeholder("environmentIds")}::text[])`,
          eq(environments.kind, "review"),
          isNull(ownCell.appId),
          isNotNull(sourceCell.url),
          someApps ? sql`${sourceCell.appId} = any(${sql.placeholder("appIds")}::text[])` : undefined,
          // An app a rollout is bringing (while the environment provisions, say) is its own already:
          // its build differs from the source's, so the source's address would be the wrong one.
          notExists(
            db
              .select({ one: sql`1` })
              .from(deployments)
              .where(and(eq(deployments.environmentId, environments.id), inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]), sql`${deployments.detail} -> 'appIds' @> jsonb_build_array(${sourceCell.appId})`)),
          ),
        ),
      )
      .orderBy(asc(apps.position), sql`${environments.id}`)
      .prepare(name),
  );
}
const inheritedAddresses = inheritedAddressesStatement(false);
const inheritedAddressesOfApps = inheritedAddressesStatement(true);

/**
 * For each of the given review environments, the apps it does not run itself — and no rollout in
 * progress is bringing — with the address its source serves them at, in slipway.yaml order, in one statement whatever the number of
 * environments (a full clone, or a fixed environment, has none). Map: environment id → addresses.
 * With `appIds`, only those apps (a board shows one page of apps).
 */
export async function inheritedAddressesOf(db: Db, environmentIds: string[], appIds?: string[]): Promise<Map<string, InheritedAddress[]>> {
  const byEnvironment = new Map<string, InheritedAddress[]>();
  if (!environmentIds.length || appIds?.length === 0) return byEnvironment;
  const rows = appIds ? await inheritedAddressesOfApps(db, { environmentIds: textArrayLiteral(environmentIds), appIds: textArrayLiteral(appIds) }) : await inheritedAddresses(db, { environmentIds: textArrayLiteral(environmentIds) });
  for (const row of rows) {
    const list = byEnvironment.get(row.environmentId) ?? [];
    list.push({ app: row.app, url: row.url!, from: row.from });
    byEnvironment.set(row.environmentId, list);
  }
  return byEnvironment;
}
