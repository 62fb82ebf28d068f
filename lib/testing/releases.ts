import { and, eq } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "@/db/client";
import { deployments, environmentApps, environments, pipelines, releaseBuilds } from "@/db/schema";
import { newId } from "@/lib/ids";
import type { Actor } from "@/lib/auth/actor";
import { registerBuild } from "@/lib/services/builds";
import { createRelease } from "@/lib/services/releases";
import { contextFor, createTestActor, loadTestPipeline } from "./fixtures";

// Counts the releases made in the current test file: test files share this module when vitest
// does not isolate them, and each file's default release times and commits start again from 1.
let sequence = 0;
let sequenceFile: string | undefined;

/** Registers one build per app at `version` and cuts a release of them (on `branch`). */
export async function makeRelease(
  db: Db,
  actor: Actor,
  version: string,
  options: {
    branch?: string;
    at?: string;
    changedFiles?: Record<string, string[] | null>;
    labels?: Record<string, string[] | null>;
    /** What CI says about the commit's order; by default a build number that grows with every call. `null`: CI sent nothing. */
    order?: { committedAt?: string; parents?: string[]; buildNumber?: number } | null;
    commit?: string;
  } = {},
) {
  const file = expect.getState().testPath;
  if (file !== sequenceFile) [sequence, sequenceFile] = [0, file];
  sequence += 1;
  const ctx = contextFor(db, actor, options.at ?? new Date(Date.UTC(2026, 2, 1, 0, sequence)).toISOString());
  const commit = options.commit ?? sequence.toString(16).padStart(8, "0") + "c".repeat(32);
  const ids: string[] = [];
  for (const app of ["portal", "admin", "api-gateway"]) {
    const { build } = await registerBuild(ctx, {
      app,
      version,
      commit,
      branch: options.branch ?? "develop",
      digest: `sha256:${(sequence * 7 + ids.length).toString(16).padStart(64, "0")}`,
      artifact: `/artifacts/${app}-${version}.mjs`,
      tests: { passed: true, total: 10, failed: 0 },
      ...(options.changedFiles && app in options.changedFiles ? (options.changedFiles[app] === null ? {} : { changedFiles: options.changedFiles[app] }) : { changedFiles: [] }),
      ...(options.labels && app in options.labels ? (options.labels[app] === null ? {} : { labels: options.labels[app] }) : { labels: [] }),
    });
    ids.push(build.id);
  }
  const order = options.order === undefined ? { buildNumber: sequence } : (options.order ?? {});
  const { release } = await createRelease(ctx, { commit, branch: options.branch ?? "develop", builds: ids, ...order });
  return release;
}

/** A release of handbook's two apps (loadHandbookPipeline) at `version`, of main, cut at `at`. */
export async function makeHandbookRelease(db: Db, actor: Actor, version: string, at: string) {
  const ctx = contextFor(db, actor, at);
  const commit = version.replace(/\D/g, "").padStart(8, "0") + "a".repeat(32);
  const builds: string[] = [];
  for (const [i, app] of ["handbook-web", "handbook-search"].entries()) {
    const { build } = await registerBuild(ctx, {
      app: `handbook/${app}`,
      version,
      commit,
      branch: "main",
      digest: `sha256:${(900 + i).toString(16).padStart(64, "0")}`,
      artifact: `/artifacts/${app}.mjs`,
      tests: { passed: true, total: 1, failed: 0 },
      changedFiles: [],
      labels: [],
    });
    builds.push(build.id);
  }
  return (await createRelease(ctx, { commit, branch: "main", builds, buildNumber: 1 })).release;
}

/**
 * Records `releaseId` as having succeeded in `environment` at `at` (history and what runs), without
 * a rollout. `environment`: a name ("dev", the first one found) or a qualified "handbook/dev".
 */
export async function placeRelease(db: Db, environment: string, releaseId: string, at: Date, requestedBy: string): Promise<void> {
  const [pipeline, name] = environment.includes("/") ? environment.split("/") : [null, environment];
  const [env] = await db
    .select({ id: environments.id })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(and(eq(environments.name, name!), pipeline ? eq(pipelines.name, pipeline) : undefined));
  const rbs = await db.select().from(releaseBuilds).where(eq(releaseBuilds.releaseId, releaseId));
  const id = newId("dep", at);
  await db.insert(deployments).values({ id, environmentId: env!.id, releaseId, kind: "promote", state: "succeeded", requestedBy, requestedVia: "api", createdAt: at, startedAt: at, finishedAt: at, updatedAt: at });
  for (const rb of rbs) {
    const values = { releaseId, buildId: rb.buildId, deploymentId: id, deployedAt: at, deployedBy: requestedBy, healthStatus: "healthy" as const, healthObservedAt: at };
    await db
      .insert(environmentApps)
      .values({ environmentId: env!.id, appId: rb.appId, ...values })
      .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: values });
  }
}

/**
 * The test pipeline (loadTestPipeline) on `db` with an admin, "ada", and two releases of it
 * (1.0.0 cut on 2026-03-01 08:00 UTC, 1.1.0 at 09:00), the first running in dev since `placedAt`
 * (its readings taken then): what the shared-read tests start from.
 */
export async function pipelineWithTwoReleases(db: Db, placedAt: Date): Promise<{ admin: Actor; releases: { first: string; second: string } }> {
  await loadTestPipeline(db);
  const admin = await createTestActor(db, ["admin"], "ada");
  const first = (await makeRelease(db, admin, "1.0.0", { at: "2026-03-01T08:00:00Z" })).id;
  const second = (await makeRelease(db, admin, "1.1.0", { at: "2026-03-01T09:00:00Z" })).id;
  await placeRelease(db, "dev", first, placedAt, admin.id);
  return { admin, releases: { first, second } };
}
