import { and, asc, eq, inArray, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, configVariables, deployments, environmentApps, environments, releaseBuilds, type App, type Build, type ConfigSnapshot, type Deployment, type Environment } from "@/db/schema";
import type { AppConfig } from "@/lib/config/schema";
import type { AppSpec, ArtifactRef } from "@/lib/platform/types";
import { configSnapshotsById, lastSnapshotOfRelease, snapshotConfigOf } from "@/lib/services/config-snapshots";
import { resolveConfig } from "@/lib/services/config-vars";
import { deploymentAppIds } from "@/lib/services/review-clone";
import { ASLEEP_OR_GONE_ENVIRONMENT_STATES, STOPPED_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

/** What the platform needs to run one app of one release in one environment. */
export interface AppPlan {
  /** The environment's id: its name is unique only within its pipeline. */
  environmentId?: string;
  appId: string;
  app: string;
  spec: AppSpec;
  /** Secret config values the app receives, to redact from anything Slipway stores or shows. */
  secretValues: string[];
  /**
   * A rollback whose config version differs from the one the release last ran with here: a warm
   * copy of the release runs that other config, so it must be started again rather than switched back to.
   */
  coldOnly?: boolean;
}

function instancesFor(environment: Environment, app: string): number {
  const config = environment.settings;
  return config.apps?.[app]?.instances ?? config.instances ?? 1;
}

/** The app's worker counts in this environment; undefined when it runs none (so specs stay as they were). */
function workersFor(environment: Environment, app: string): Record<string, number> | undefined {
  const workers = environment.settings.apps?.[app]?.workers;
  return workers && Object.keys(workers).length > 0 ? { ...workers } : undefined;
}

export function healthPathOf(settings: unknown): string {
  return (settings as Partial<AppConfig>).healthPath ?? "/health";
}

export function artifactRef(build: Build, releaseId: string, app: string): ArtifactRef {
  return { buildId: build.id, releaseId, app, version: build.version, commit: build.commit, digest: build.digest, artifact: build.artifact };
}

/**
 * One app's spec: its build, instance count and config (secrets decrypted only here, for the
 * platform). The config is the version the deployment recorded (`snapshot`, read by the caller once
 * for all its apps); only a deployment made before versions were kept reads the live variables.
 * Callers plan apps one after another: on a transaction's single connection, concurrent queries
 * would queue inside node-postgres (deprecated, removed in pg 9).
 */
async function planOf(db: Db, environment: Environment, app: App, build: Build, releaseId: string, reference: string, snapshot: ConfigSnapshot | undefined, siblings: Record<string, string> = {}, hasVariables = true): Promise<AppPlan> {
  const config = snapshot ? snapshotConfigOf(snapshot, app.id) : hasVariables ? await resolveConfig(db, environment.id, app.id) : { values: {}, secretValues: [] };
  return {
    environmentId: environment.id,
    appId: app.id,
    app: app.name,
    spec: {
      environment: environment.name,
      app: app.name,
      build: artifactRef(build, releaseId, app.name),
      instances: instancesFor(environment, app.name),
      config: config.values,
      healthPath: healthPathOf(app.settings),
      reference,
      ...(workersFor(environment, app.name) ? { workers: workersFor(environment, app.name) } : {}),
      ...(Object.keys(siblings).length ? { siblings } : {}),
    },
    secretValues: config.secretValues,
  };
}

/**
 * Whether the environment has any config variable (one probe): an app planned without a recorded
 * config version reads the live variables one app at a time, which an environment without any
 * (most, in a large installation) can skip.
 */
async function environmentHasVariables(db: Db, environmentId: string): Promise<boolean> {
  const [row] = await db.select({ id: configVariables.id }).from(configVariables).where(eq(configVariables.environmentId, environmentId)).limit(1);
  return row !== undefined;
}

/**
 * Where a review environment's siblings that it does not run itself are served: app name → the
 * source environment's URL, for every app of the source except the environment's own cells and
 * `alsoOwn` (apps being deployed into it now). Empty for a fixed environment or a full clone.
 */
export async function inheritedAddresses(db: Db, environment: Environment, alsoOwn: readonly string[] = []): Promise<Record<string, string>> {
  if (environment.kind !== "review" || !environment.sourceEnvironmentId) return {};
  // One after another: the demo seed and rollouts may pass a transaction (one connection).
  const ownCells = await db
    .select({ appId: environmentApps.appId })
    .from(environmentApps)
    .where(and(eq(environmentApps.environmentId, environment.id), isNotNull(environmentApps.buildId)));
  const sourceCells = await db
    .select({ appId: environmentApps.appId, app: apps.name, url: environmentApps.url })
    .from(environmentApps)
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(eq(environmentApps.environmentId, environment.sourceEnvironmentId), isNotNull(environmentApps.url)))
    .orderBy(asc(apps.position));
  const own = new Set([...ownCells.map((c) => c.appId), ...alsoOwn]);
  return Object.fromEntries(sourceCells.filter((c) => !own.has(c.appId)).map((c) => [c.app, c.url!]));
}

/**
 * The apps of a release (only `appIds`, when given), each as a platform spec for `environment`, in
 * pipeline order, with the deployment's config version and the addresses of inherited siblings.
 */
export async function releaseSpecs(db: Db, environment: Environment, releaseId: string, reference: string, configSnapshotId: string | null, appIds?: readonly string[]): Promise<AppPlan[]> {
  const rows = await db
    .select({ app: apps, build: builds })
    .from(releaseBuilds)
    .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
    .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
    .where(and(eq(releaseBuilds.releaseId, releaseId), appIds ? inArray(releaseBuilds.appId, [...appIds]) : undefined))
    .orderBy(apps.position);
  const siblings = await inheritedAddresses(
    db,
    environment,
    rows.map((r) => r.app.id),
  );
  const snapshot = configSnapshotId ? (await configSnapshotsById(db, [configSnapshotId])).get(configSnapshotId) : undefined;
  const hasVariables = snapshot ? true : await environmentHasVariables(db, environment.id);
  const plans: AppPlan[] = [];
  for (const { app, build } of rows) plans.push(await planOf(db, environment, app, build, releaseId, reference, snapshot, siblings, hasVariables));
  return plans;
}

/**
 * The apps a deployment carries (all of its release's, or `detail.appIds` of them) with the config
 * version it recorded (see AppPlan.coldOnly for rollbacks).
 */
export async function deploymentSpecs(db: Db, environment: Environment, deployment: Pick<Deployment, "id" | "kind" | "releaseId" | "configSnapshotId" | "detail">): Promise<AppPlan[]> {
  const plans = await releaseSpecs(db, environment, deployment.releaseId, deployment.id, deployment.configSnapshotId, deploymentAppIds(deployment));
  if (deployment.kind !== "rollback" || !deployment.configSnapshotId) return plans;
  const ranWith = await lastSnapshotOfRelease(db, environment.id, deployment.releaseId);
  return ranWith === deployment.configSnapshotId ? plans : plans.map((p) => ({ ...p, coldOnly: true }));
}

/** What the environment runs now, per app, with the config version it runs with (to restore it after a failed rollout). */
export async function currentSpecs(db: Db, environment: Environment, reference: string): Promise<AppPlan[]> {
  const rows = await db
    .select({ app: apps, build: builds, releaseId: environmentApps.releaseId, configSnapshotId: deployments.configSnapshotId })
    .from(environmentApps)
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .innerJoin(builds, eq(builds.id, environmentApps.buildId))
    .leftJoin(deployments, eq(deployments.id, environmentApps.deploymentId))
    .where(eq(environmentApps.environmentId, environment.id));
  const siblings = await inheritedAddresses(db, environment);
  const snapshots = await configSnapshotsById(
    db,
    rows.map((r) => r.configSnapshotId),
  );
  const snapshotOf = (id: string | null) => (id ? snapshots.get(id) : undefined);
  const hasVariables = rows.every((r) => snapshotOf(r.configSnapshotId)) ? true : await environmentHasVariables(db, environment.id);
  const plans: AppPlan[] = [];
  for (const { app, build, releaseId, configSnapshotId } of rows) plans.push(await planOf(db, environment, app, build, releaseId ?? "", reference, snapshotOf(configSnapshotId), siblings, hasVariables));
  return plans;
}

/** Environment states whose cells nothing runs (restore and sampling skip them). */
const NOT_RUNNING_STATES = STOPPED_ENVIRONMENT_STATES;

/** Where a keyset page of environment × app cells ends: the next page starts after it. */
export interface CellCursor {
  environmentId: string;
  appId: string;
}

/** Cells strictly after `after` in (environment_id, app_id) order: the primary key's order, so each page is an index range scan. */
function afterCell(after: CellCursor | null) {
  return after ? sql`(${environmentApps.environmentId}, ${environmentApps.appId}) > (${after.environmentId}, ${after.appId})` : undefined;
}

function recordedCellPage(db: Db, after: CellCursor | null, pageSize: number) {
  return db
    .select({ cell: environmentApps, app: apps, build: builds, configSnapshotId: deployments.configSnapshotId })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .innerJoin(builds, eq(builds.id, environmentApps.buildId))
    .leftJoin(deployments, eq(deployments.id, environmentApps.deploymentId))
    .where(and(isNotNull(environmentApps.releaseId), notInArray(environments.state, [...NOT_RUNNING_STATES]), afterCell(after)))
    .orderBy(asc(environmentApps.environmentId), asc(environmentApps.appId))
    .limit(pageSize);
}

function sampledCellPage(db: Db, after: CellCursor | null, pageSize: number) {
  return db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, appSettings: apps.settings, buildId: environmentApps.buildId })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(isNotNull(environmentApps.buildId), notInArray(environments.state, [...ASLEEP_OR_GONE_ENVIRONMENT_STATES]), afterCell(after)))
    .orderBy(asc(environmentApps.environmentId), asc(environmentApps.appId))
    .limit(pageSize);
}

/**
 * What every live environment is recorded to run — the state to restore on the platform at
 * start-up — one keyset page of at most `pageSize` cells at a time (default 200), so memory stays
 * bounded by the page, never by the number of environments × apps. Each page's environment
 * settings are read once per environment in the page.
 */
export async function* recordedSpecPages(db: Db, pageSize = 200): AsyncGenerator<AppPlan[]> {
  let after: CellCursor | null = null;
  for (;;) {
    const rows = await recordedCellPage(db, after, pageSize);
    if (rows.length === 0) return;
    const envIds = [...new Set(rows.map((r) => r.cell.environmentId))];
    const envs = new Map<string, Environment>((await db.select().from(environments).where(inArray(environments.id, envIds))).map((e) => [e.id, e]));
    const siblings = new Map<string, Record<string, string>>();
    for (const environment of envs.values()) siblings.set(environment.id, await inheritedAddresses(db, environment));
    // Which (environment, app) pairs have live config variables (app null: environment-wide), read
    // once per page: a cell with none applicable needs no query of its own.
    const withVariables = new Set(
      (await db.selectDistinct({ environmentId: configVariables.environmentId, appId: configVariables.appId }).from(configVariables).where(inArray(configVariables.environmentId, envIds))).map((v) => `${v.environmentId}/${v.appId ?? ""}`),
    );
    const snapshots = await configSnapshotsById(
      db,
      rows.map((r) => r.configSnapshotId),
    );
    const plans: AppPlan[] = [];
    for (const { cell, app, build, configSnapshotId } of rows) {
      const hasVariables = withVariables.has(`${cell.environmentId}/`) || withVariables.has(`${cell.environmentId}/${app.id}`);
      plans.push(
        await planOf(
          db,
          envs.get(cell.environmentId)!,
          app,
          build,
          cell.releaseId!,
          `restore:${cell.deploymentId ?? "recorded"}`,
          configSnapshotId ? snapshots.get(configSnapshotId) : undefined,
          siblings.get(cell.environmentId),
          hasVariables,
        ),
      );
    }
    yield plans;
    const last: CellCursor = rows[rows.length - 1]!.cell;
    after = { environmentId: last.environmentId, appId: last.appId };
    if (rows.length < pageSize) return;
  }
}

/**
 * Live environments' cells with the app's health path, for health sampling, one keyset page of at
 * most `pageSize` cells at a time (ordered by environment id, then app id).
 */
export async function* sampledCellPages(db: Db, pageSize = 500) {
  let after: CellCursor | null = null;
  for (;;) {
    const rows = await sampledCellPage(db, after, pageSize);
    if (rows.length === 0) return;
    yield rows;
    const last: CellCursor = rows[rows.length - 1]!;
    after = { environmentId: last.environmentId, appId: last.appId };
    if (rows.length < pageSize) return;
  }
}

/** Live environments' cells with the app's health path, for health sampling. */
export async function sampledCells(db: Db, environmentIds?: string[]) {
  return db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, appSettings: apps.settings, buildId: environmentApps.buildId })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(isNotNull(environmentApps.buildId), notInArray(environments.state, [...ASLEEP_OR_GONE_ENVIRONMENT_STATES]), environmentIds ? inArray(environments.id, environmentIds) : undefined));
}
