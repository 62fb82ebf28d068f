import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, builds, pipelines, type Build } from "@/db/schema";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError } from "./errors";
import { afterCursor, pageInput, toPage, type Page } from "./pagination";
import { parseRef, pipelineTarget, resolveApp } from "./pipeline-scope";
import { appRef, branchName, commitSha, digest, httpUrl, pipelineName, version } from "./schemas";
import { parseInput } from "./validation";

export const registerBuildInput = z
  .strictObject({
    app: appRef.meta({ description: 'The app: "portal", or "shop/portal" when several pipelines have one of that name' }),
    pipeline: pipelineName.optional().meta({ description: "The app's pipeline; needed only when the app's name is in several pipelines" }),
    version,
    commit: commitSha,
    branch: branchName,
    digest,
    artifact: z.string().min(1).max(1024).optional().meta({ description: "Where the platform finds the artifact: the file:// or http(s):// URL of a gzipped tarball with a Procfile (local platform), or an image reference" }),
    ciUrl: httpUrl.optional().meta({ description: "The CI run that produced the build" }),
    tests: z
      .strictObject({
        passed: z.boolean({ error: "expected true or false" }),
        total: z.number().int().min(0).optional(),
        failed: z.number().int().min(0).optional(),
        url: httpUrl.optional(),
      })
      .optional()
      .meta({ description: "CI test results for this build" }),
    changedFiles: z
      .array(z.string().min(1).max(1024), { error: "expected a list of file paths" })
      .max(10_000, { error: "at most 10000 paths; send the paths under migration folders if there are more" })
      .optional()
      .meta({ description: "Paths changed since the previous build (for migration detection and `when: { changedPaths }` rules). Omitted: unknown, which counts as risky" }),
    labels: z
      .array(z.string().trim().min(1, { error: "expected a non-empty label" }).max(100, { error: "at most 100 characters" }), { error: "expected a list of labels" })
      .max(100, { error: "at most 100 labels" })
      .optional()
      .meta({ description: 'Risk labels of this build, e.g. ["iam", "payments"], for `when: { labels }` rules. Send [] for none; omitted counts as unknown (risky)' }),
  })
  .meta({ id: "RegisterBuild" });

export type RegisterBuildInput = z.input<typeof registerBuildInput>;

export interface BuildView extends Build {
  appName: string;
}

/**
 * CI registers one immutable build. Registering the same version with the same digest and commit
 * again returns the existing build (safe retries) — taking its artifact URL if it was registered
 * without one; a different digest or commit for a version is refused.
 *
 * @returns the build, with `created` false when the same build was registered before (idempotent)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `version_exists`
 */
export async function registerBuild(ctx: ServiceContext, input: unknown): Promise<{ build: BuildView; created: boolean }> {
  authorizeKind(ctx, "build.register", "build");
  const data = parseInput(registerBuildInput, input);
  return ctx.db.transaction(async (tx) => {
    const app = await resolveApp(tx, data.app, { pipeline: data.pipeline });
    authorize(ctx, "build.register", { type: "build", pipeline: await pipelineTarget(tx, app.pipelineId) });
    const [existing] = await tx
      .select()
      .from(builds)
      .where(and(eq(builds.appId, app.id), eq(builds.version, data.version)));
    if (existing) {
      if (existing.digest === data.digest && existing.commit === data.commit) {
        // Registered before without an artifact: the URL is taken now (the digest pins the content,
        // so the build stays what it was) rather than dropped while the answer said "registered".
        if (!existing.artifact && data.artifact) {
          await tx.update(builds).set({ artifact: data.artifact }).where(eq(builds.id, existing.id));
          await recordAudit(tx, ctx.actor, ctx.clock, { action: "build.artifact", targetType: "build", targetId: existing.id, data: { app: app.name, version: existing.version, artifact: data.artifact } });
          return { build: { ...existing, artifact: data.artifact, appName: app.name }, created: false };
        }
        return { build: { ...existing, appName: app.name }, created: false };
      }
      throw new ConflictError(
        `${app.name} ${data.version} is already registered (build ${existing.id}, ${existing.digest.slice(0, 19)}…, commit ${existing.commit.slice(0, 7)}). Versions are immutable: register a new version.`,
        "version_exists",
        { version: "already registered with another digest or commit" },
      );
    }
    const build: Build = {
      id: newId("bld"),
      appId: app.id,
      version: data.version,
      commit: data.commit,
      branch: data.branch,
      digest: data.digest,
      artifact: data.artifact ?? null,
      ciUrl: data.ciUrl ?? null,
      tests: data.tests ?? null,
      changedFiles: data.changedFiles ?? null,
      labels: data.labels ? [...new Set(data.labels)] : null,
      createdBy: ctx.actor.id,
      createdAt: ctx.clock.now(),
    };
    await tx.insert(builds).values(build);
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "build.register",
      targetType: "build",
      targetId: build.id,
      data: { app: app.name, version: build.version, commit: build.commit, branch: build.branch, digest: build.digest },
    });
    return { build: { ...build, appName: app.name }, created: true };
  });
}

export const listBuildsInput = pageInput.extend({
  pipeline: pipelineName.optional().meta({ description: "Only builds of this pipeline's apps" }),
  app: appRef.optional(),
  branch: branchName.optional(),
  commit: commitSha.optional(),
});

export async function listBuilds(db: Db, input: unknown): Promise<Page<BuildView>> {
  const query = parseInput(listBuildsInput, input);
  const conditions: (SQL | undefined)[] = [afterCursor(query.cursor, builds.createdAt, builds.id)];
  const appScope = query.app ? parseRef(query.app) : null;
  if (appScope) conditions.push(eq(apps.name, appScope.name));
  const pipelineFilter = appScope?.pipeline ?? query.pipeline;
  if (pipelineFilter) conditions.push(inArray(apps.pipelineId, db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.name, pipelineFilter))));
  if (query.branch) conditions.push(eq(builds.branch, query.branch));
  if (query.commit) conditions.push(eq(builds.commit, query.commit));
  const rows = await db
    .select({ build: builds, appName: apps.name })
    .from(builds)
    .innerJoin(apps, eq(apps.id, builds.appId))
    .where(and(...conditions))
    .orderBy(desc(builds.createdAt), desc(builds.id))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (r) => ({ at: r.build.createdAt, id: r.build.id }),
    (r) => ({ ...r.build, appName: r.appName }),
  );
}
