import { and, eq, inArray, isNotNull, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, environmentApps, environments, releaseBuilds, type Environment } from "@/db/schema";
import type { AppConfig, EnvironmentConfig } from "@/lib/config/schema";
import type { AppSpec, ArtifactRef } from "@/lib/platform/types";

/** What the platform needs to run one app of one release in one environment. */
export interface AppPlan {
  appId: string;
  app: string;
  spec: AppSpec;
}

function instancesFor(environment: Environment, app: string): number {
  const config = environment.settings as Partial<EnvironmentConfig>;
  return config.apps?.[app]?.instances ?? config.instances ?? 1;
}

function healthPathOf(settings: unknown): string {
  return (settings as Partial<AppConfig>).healthPath ?? "/health";
}

/** The apps of a release, each as a platform spec for `environment`, in pipeline order. */
export async function releaseSpecs(db: Db, environment: Environment, releaseId: string, reference: string): Promise<AppPlan[]> {
  const rows = await db
    .select({ app: apps, build: builds })
    .from(releaseBuilds)
    .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
    .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
    .where(eq(releaseBuilds.releaseId, releaseId))
    .orderBy(apps.position);
  return rows.map(({ app, build }) => ({
    appId: app.id,
    app: app.name,
    spec: {
      environment: environment.name,
      app: app.name,
      build: artifactRef(build, releaseId, app.name),
      instances: instancesFor(environment, app.name),
      config: {},
      healthPath: healthPathOf(app.settings),
      reference,
    },
  }));
}

export function artifactRef(build: typeof builds.$inferSelect, releaseId: string, app: string): ArtifactRef {
  return { buildId: build.id, releaseId, app, version: build.version, commit: build.commit, digest: build.digest, artifact: build.artifact };
}

/** What every live environment is recorded to run: the state to restore on the platform at start-up. */
export async function recordedSpecs(db: Db): Promise<AppPlan[]> {
  const rows = await db
    .select({ cell: environmentApps, environment: environments, app: apps, build: builds })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .innerJoin(builds, eq(builds.id, environmentApps.buildId))
    .where(and(isNotNull(environmentApps.releaseId), notInArray(environments.state, ["torn-down", "retired", "sleeping", "tearing-down"])));
  return rows.map(({ cell, environment, app, build }) => ({
    appId: app.id,
    app: app.name,
    spec: {
      environment: environment.name,
      app: app.name,
      build: artifactRef(build, cell.releaseId!, app.name),
      instances: instancesFor(environment, app.name),
      config: {},
      healthPath: healthPathOf(app.settings),
      reference: `restore:${cell.deploymentId ?? "recorded"}`,
    },
  }));
}

/** Live environments' cells with the app's health path, for health sampling. */
export async function sampledCells(db: Db, environmentIds?: string[]) {
  return db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, appSettings: apps.settings, buildId: environmentApps.buildId })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(isNotNull(environmentApps.buildId), notInArray(environments.state, ["torn-down", "retired", "sleeping"]), environmentIds ? inArray(environments.id, environmentIds) : undefined));
}

export { healthPathOf };
