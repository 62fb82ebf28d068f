import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, builds, deployments, environmentApps, environments, releaseBuilds, releases, users, type Build, type Environment, type Pipeline, type Release } from "@/db/schema";
import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { followBranch } from "./review-environments";
import { fulfilReviewRequest } from "./review-requests";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError, ValidationError, type FieldErrors } from "./errors";
import { afterCursor, pageInput, toPage, type Page } from "./pagination";
import { listApps } from "./pipeline-queries";
import { choosePipeline, findLiveEnvironment, parseRef } from "./pipeline-scope";
import { branchName, commitSha, id, environmentRef, pipelineName } from "./schemas";
import { parseInput } from "./validation";
import { LIVE_ENVIRONMENT } from "./live-environments";
import { personName } from "@/lib/domain/people";
import { ROLLING_OUT_DEPLOYMENT_STATES, SHIPPED_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";

export const createReleaseInput = z
  .strictObject({
    commit: commitSha,
    branch: branchName,
    builds: z
      .array(id, { error: "expected a list of build ids" })
      .max(200)
      .optional()
      .meta({ description: "Build ids; apps not named carry the build running in the source environment (or, while a release rolls out there, the build it is rolling out)" }),
    committedAt: z.iso
      .datetime({ offset: true, error: "expected an ISO 8601 time with a zone, e.g. 2026-03-01T10:00:00Z" })
      .optional()
      .meta({ description: "The commit's time (committer date). Commit order: with `parents` or `buildNumber`, lets Slipway's automation never move an environment to an older commit" }),
    parents: z.array(commitSha, { error: "expected a list of commit SHAs" }).max(16).optional().meta({ description: "The commit's parent SHAs (`git rev-parse HEAD^@`): the strongest commit-order evidence" }),
    buildNumber: z
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .meta({ description: "A number CI increases with every build of this pipeline (e.g. GITHUB_RUN_NUMBER, CI_PIPELINE_IID)" }),
    pipeline: pipelineName.optional().meta({ description: "The release's pipeline; needed only when nothing else says (a qualified `source`, the builds named) and several pipelines exist" }),
    source: environmentRef
      .optional()
      .meta({ description: "Environment whose running builds fill the apps not named (default: the first environment for its entry branch, e.g. develop; the review source, e.g. staging, for any other branch)" }),
  })
  .meta({ id: "CreateRelease" });

export interface ReleaseBuildView {
  app: string;
  appId: string;
  build: Build;
}

export interface ReleaseView extends Release {
  builds: ReleaseBuildView[];
  createdByEmail: string;
  /** The person's name, as pages show people (the email in a tooltip); the email when they have no name. */
  createdByName: string;
}

/**
 * Where the apps a release does not name come from, when the request does not say. A release of
 * the branch that enters the chain (dev's `develop`) takes them from the first environment. Any
 * other branch is a feature on its way to a review environment: it takes them from what review
 * environments are cloned from (staging), so the review shows that one change against production's
 * next candidate — and promoting it into staging brings in nothing else.
 */
async function defaultSource(tx: Db, pipeline: Pipeline, branch: string): Promise<Environment | undefined> {
  const active = await tx
    .select()
    .from(environments)
    .where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "fixed"), eq(environments.state, "active")))
    .orderBy(asc(environments.position));
  const first = active[0];
  const entryBranch = first?.settings?.branch;
  if (!first || !entryBranch || branch === entryBranch) return first;
  const reviewSource = pipeline.config.reviewEnvironments?.source;
  return active.find((e) => e.name === reviewSource) ?? first;
}

/**
 * Cuts a release: one build per app. Apps the request does not name carry the build that runs in
 * the source environment, so a release of one changed app still deploys the whole product.
 * Cutting the same commit again with the same builds returns the existing release.
 *
 * @returns the release, with `created` false when the same release was cut before (idempotent)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `branch_has_review`, `duplicate_deployment`, `duplicate_name`, `release_exists`; 422 `gate_failed`, `missing_builds`, `no_eligible_approvers`, `other_pipeline`, `quota_per_person`, `quota_total`, `source_not_allowed`, a promotion refusal (`PROMOTION_REFUSAL_CODES`)
 */
export async function createRelease(ctx: ServiceContext, input: unknown): Promise<{ release: ReleaseView; created: boolean }> {
  authorizeKind(ctx, "release.create", "release");
  const data = parseInput(createReleaseInput, input);
  return ctx.db.transaction(async (tx) => {
    const named = data.builds ?? [];
    const found = named.length ? await tx.select().from(builds).where(inArray(builds.id, named)) : [];
    const pipeline = await choosePipeline(tx, { pipeline: data.pipeline, environment: data.source, environmentField: "source", appIds: found.map((b) => b.appId) });
    authorize(ctx, "release.create", { type: "release", pipeline: { id: pipeline.id, teamId: pipeline.teamId } });
    const pipelineApps = await listApps(tx, pipeline.id);
    const appById = new Map(pipelineApps.map((a) => [a.id, a]));

    const foundById = new Map(found.map((b) => [b.id, b]));
    const fields: FieldErrors = {};
    const chosen = new Map<string, Build>(); // appId → build
    named.forEach((buildId, i) => {
      const build = foundById.get(buildId);
      if (!build) return void (fields[`builds.${i}`] = `unknown build "${buildId}"`);
      const app = appById.get(build.appId);
      if (!app) return void (fields[`builds.${i}`] = `build ${buildId} belongs to an app that is no longer in the pipeline`);
      if (chosen.has(app.id)) return void (fields[`builds.${i}`] = `a second build for ${app.name}; a release has one build per app`);
      chosen.set(app.id, build);
    });

    const source = data.source ? await findLiveEnvironment(tx, data.source, { pipeline: pipeline.name }) : await defaultSource(tx, pipeline, data.branch);
    if (data.source && !source) fields.source = `unknown environment "${data.source}"`;
    if (Object.keys(fields).length) throw new ValidationError("Some builds or the source cannot be used for this release.", fields);

    const missing = pipelineApps.filter((a) => !chosen.has(a.id));
    if (missing.length && source) {
      // A release rolling out into the source right now is what it is about to run: fill from it
      // first, so a release cut mid-rollout never carries the builds being replaced (which
      // automation would then deploy, moving those apps back).
      const [inFlight] = await tx
        .select({ releaseId: deployments.releaseId })
        .from(deployments)
        .where(and(eq(deployments.environmentId, source.id), inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES]), sql`${deployments.kind} <> 'rollback'`))
        .orderBy(desc(deployments.createdAt))
        .limit(1);
      if (inFlight) {
        const target = await tx
          .select({ appId: releaseBuilds.appId, build: builds })
          .from(releaseBuilds)
          .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
          .where(
            and(
              eq(releaseBuilds.releaseId, inFlight.releaseId),
              inArray(
                releaseBuilds.appId,
                missing.map((a) => a.id),
              ),
            ),
          );
        for (const row of target) chosen.set(row.appId, row.build);
      }
    }
    if (pipelineApps.some((a) => !chosen.has(a.id))) {
      const running = source
        ? await tx
            .select({ appId: environmentApps.appId, build: builds })
            .from(environmentApps)
            .innerJoin(builds, eq(builds.id, environmentApps.buildId))
            .where(
              and(
                eq(environmentApps.environmentId, source.id),
                inArray(
                  environmentApps.appId,
                  missing.map((a) => a.id),
                ),
              ),
            )
        : [];
      for (const row of running) if (!chosen.has(row.appId)) chosen.set(row.appId, row.build);
      const stillMissing = pipelineApps.filter((a) => !chosen.has(a.id)).map((a) => a.name);
      if (stillMissing.length) {
        throw new RuleError(`No build for ${stillMissing.join(", ")}: name one in "builds" (${source ? `nothing of theirs runs in ${source.name} yet` : "there is no source environment"}).`, "missing_builds", {
          builds: `needs a build for ${stillMissing.join(", ")}`,
        });
      }
    }

    const existing = await tx.query.releases.findFirst({
      where: and(eq(releases.pipelineId, pipeline.id), eq(releases.commit, data.commit)),
      with: { builds: true },
    });
    if (existing) {
      const same = existing.builds.length === chosen.size && existing.builds.every((rb) => chosen.get(rb.appId)?.id === rb.buildId);
      if (!same) {
        throw new ConflictError(`A release for commit ${data.commit.slice(0, 7)} already exists (${existing.id}) with other builds. Releases are immutable: cut a new commit.`, "release_exists", {
          commit: "already released with other builds",
        });
      }
      return { release: await getReleaseView(tx, existing.id), created: false };
    }

    const release: Release = {
      id: newId("rel"),
      pipelineId: pipeline.id,
      commit: data.commit,
      branch: data.branch,
      sourceEnvironmentId: source?.id ?? null,
      committedAt: data.committedAt ? new Date(data.committedAt) : null,
      parentCommits: data.parents ?? null,
      buildNumber: data.buildNumber ?? null,
      createdBy: ctx.actor.id,
      createdAt: ctx.clock.now(),
    };
    await tx.insert(releases).values(release);
    await tx.insert(releaseBuilds).values([...chosen].map(([appId, build]) => ({ releaseId: release.id, appId, buildId: build.id })));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "release.create",
      targetType: "release",
      targetId: release.id,
      data: {
        commit: release.commit,
        branch: release.branch,
        commitOrder: { committedAt: data.committedAt ?? null, parents: data.parents ?? null, buildNumber: data.buildNumber ?? null },
        builds: Object.fromEntries([...chosen].map(([appId, b]) => [appById.get(appId)!.name, { id: b.id, version: b.version, digest: b.digest }])),
      },
    });
    // A branch's new release goes into its review environment, and creates those that pull requests wait for.
    await followBranch(tx, ctx, release);
    await fulfilReviewRequest(tx, ctx, release);
    return { release: await getReleaseView(tx, release.id), created: true };
  });
}

async function getReleaseView(db: Db, releaseId: string): Promise<ReleaseView> {
  const release = await db.query.releases.findFirst({
    where: eq(releases.id, releaseId),
    with: { builds: { with: { build: true, app: true } }, createdByUser: true },
  });
  if (!release) throw new NotFoundError(`No release with id ${releaseId}.`);
  const { builds: rbs, createdByUser, ...rest } = release;
  return {
    ...rest,
    createdByEmail: createdByUser.email,
    createdByName: personName(createdByUser),
    builds: rbs
      .map((rb) => ({ app: rb.app.name, appId: rb.appId, position: rb.app.position, build: rb.build }))
      .sort((a, b) => a.position - b.position)
      .map(({ position: _position, ...b }) => b),
  };
}

export interface ReleaseRun {
  deploymentId: string;
  environment: string;
  kind: DeploymentKind;
  state: DeploymentState;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ReleaseDetail extends ReleaseView {
  runs: ReleaseRun[];
  runningIn: string[];
}

/** A release, its builds and digests, and where it has run. */
export async function getRelease(db: Db, releaseId: string): Promise<ReleaseDetail> {
  const view = await getReleaseView(db, releaseId);
  const [runs, running] = await Promise.all([
    db
      .select({
        deploymentId: deployments.id,
        environment: environments.name,
        kind: deployments.kind,
        state: deployments.state,
        createdAt: deployments.createdAt,
        finishedAt: deployments.finishedAt,
      })
      .from(deployments)
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(eq(deployments.releaseId, releaseId))
      .orderBy(desc(deployments.createdAt))
      .limit(100),
    db
      .selectDistinct({ name: environments.name, position: environments.position })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .where(and(eq(environmentApps.releaseId, releaseId), LIVE_ENVIRONMENT))
      .orderBy(asc(environments.position)),
  ]);
  return { ...view, runs, runningIn: running.map((r) => r.name) };
}

export const listReleasesInput = pageInput.extend({
  pipeline: pipelineName.optional().meta({ description: "Only releases of this pipeline" }),
  branch: branchName.optional(),
  commit: commitSha.optional(),
  environment: environmentRef.optional().meta({ description: "Only releases that ran in this environment" }),
});

export interface ReleaseListItem extends Release {
  createdByEmail: string;
  /** The person's name, as lists show people (the email in a tooltip); the email when they have no name. */
  createdByName: string;
  builds: { app: string; version: string; digest: string; buildId: string }[];
}

export async function listReleases(db: Db, input: unknown): Promise<Page<ReleaseListItem>> {
  const query = parseInput(listReleasesInput, input);
  const conditions: (SQL | undefined)[] = [afterCursor(query.cursor, releases.createdAt, releases.id)];
  if (query.branch) conditions.push(eq(releases.branch, query.branch));
  if (query.commit) conditions.push(sql`${releases.commit} like ${query.commit + "%"}`);
  const environmentScope = query.environment ? parseRef(query.environment) : null;
  const pipelineFilter = environmentScope?.pipeline ?? query.pipeline;
  if (pipelineFilter) conditions.push(sql`${releases.pipelineId} in (select id from pipelines where name = ${pipelineFilter})`);
  if (environmentScope) {
    conditions.push(sql`exists (
      select 1 from ${deployments} d join ${environments} e on e.id = d.environment_id
      where d.release_id = ${releases.id} and e.name = ${environmentScope.name} and d.state in (${sql.raw(sqlList(SHIPPED_DEPLOYMENT_STATES))}))`);
  }
  const rows = await db
    .select({ release: releases, email: users.email, name: users.name })
    .from(releases)
    .innerJoin(users, eq(users.id, releases.createdBy))
    .where(and(...conditions))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(query.limit + 1);
  const page = toPage(
    rows,
    query.limit,
    (r) => ({ at: r.release.createdAt, id: r.release.id }),
    (r) => ({ ...r.release, createdByEmail: r.email, createdByName: personName(r), builds: [] as ReleaseListItem["builds"] }),
  );
  if (page.items.length) {
    const buildRows = await db
      .select({ releaseId: releaseBuilds.releaseId, app: apps.name, position: apps.position, version: builds.version, digest: builds.digest, buildId: builds.id })
      .from(releaseBuilds)
      .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
      .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
      .where(
        inArray(
          releaseBuilds.releaseId,
          page.items.map((r) => r.id),
        ),
      )
      .orderBy(asc(apps.position));
    const byRelease = new Map(page.items.map((r) => [r.id, r]));
    for (const row of buildRows) byRelease.get(row.releaseId)?.builds.push({ app: row.app, version: row.version, digest: row.digest, buildId: row.buildId });
  }
  return page;
}
