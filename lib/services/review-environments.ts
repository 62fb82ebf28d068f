import { LIMITS } from "@/lib/limits";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { LIVE_REVIEW_ENVIRONMENT_STATES, PENDING_DEPLOYMENT_STATES } from "@/db/schema/enums";
import { configVariables, deployments, environments, releases, reviewVerdicts, type Environment } from "@/db/schema";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { automationActor } from "@/lib/auth/actor";
import { newestByCommit } from "@/lib/domain/commit-order";
import { can } from "@/lib/auth/policy";
import { reviewNameFromBranch } from "@/lib/domain/review-names";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { transitionDeployments } from "./deployment-transitions";
import { transitionEnvironment } from "./environment-transitions";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { currentRelease, parentGraph } from "./promotion-queries";
import { enqueue } from "./deployments";
import { ConflictError, NotFoundError, RuleError, ServiceError, ValidationError } from "./errors";
import { choosePipeline, findLiveEnvironment, parseRef, pipelineById, pipelineTarget, qualifiedName } from "./pipeline-scope";
import { branchName, commitSha, dnsLabel, id, environmentRef, pipelineName } from "./schemas";
import { parseInput } from "./validation";
import { LIVE_ENVIRONMENT } from "./live-environments";
import { cloneMode, partialSelection, type CloneMode } from "./review-clone";

/** A number of hours: the type error names the unit; the bounds say what is allowed. */
const hoursSchema = z
  .number({ error: (issue) => (issue.code === "invalid_type" ? "expected a number of hours" : undefined) })
  .positive({ error: "more than 0 hours" })
  .max(24 * 365, { error: "at most a year (8760 hours)" });

export const createReviewInput = z
  .strictObject({
    branch: branchName,
    releaseId: id.optional().meta({ description: "The release to run (or give `commit`)" }),
    commit: commitSha.optional().meta({ description: "The commit of a release of the branch (instead of `releaseId`)" }),
    name: dnsLabel.max(40, { error: "at most 40 characters" }).optional().meta({ description: "Default: derived from the branch" }),
    ttlHours: hoursSchema.optional().meta({ description: "Default: the pipeline file's reviewEnvironments.defaultTtl" }),
    source: environmentRef.optional().meta({ description: "Environment to clone (default: the pipeline's reviewEnvironments.source)" }),
    pipeline: pipelineName.optional().meta({ description: "The pipeline; needed only when neither the release nor `source` says and several pipelines exist" }),
    clone: cloneMode.default("changed"),
  })
  .refine((v) => Boolean(v.releaseId) !== Boolean(v.commit), { message: "give either releaseId or commit", path: ["releaseId"] })
  .meta({ id: "CreateReviewEnvironment" });

export const teardownInput = z
  .strictObject({
    name: environmentRef,
    reason: z
      .string()
      .trim()
      .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` })
      .optional(),
  })
  .meta({ id: "TeardownReviewEnvironment" });
export const extendInput = z.strictObject({ name: environmentRef, hours: hoursSchema }).meta({ id: "ExtendReviewEnvironment" });
const verdictFields = z.strictObject({
  name: environmentRef,
  verdict: z.enum(["accepted", "changes-requested"]),
  comment: z
    .string()
    .trim()
    .max(LIMITS.verdictComment, { error: `at most ${LIMITS.verdictComment} characters` })
    .default("")
    .meta({ description: "Required with changes-requested: which changes" }),
});
export const verdictInput = verdictFields.refine((v) => v.verdict !== "changes-requested" || v.comment.length > 0, { message: "say which changes are needed", path: ["comment"] });
/** The request body of POST /review-environments/{name}/verdicts, for the API document. */
export const verdictBody = verdictFields.omit({ name: true }).meta({ id: "ReviewVerdict" });

/** States in which a review environment exists on the platform (or is about to): it counts against the quota. */
export const LIVE_REVIEW_STATES = LIVE_REVIEW_ENVIRONMENT_STATES;

/**
 * What a review environment keeps of its source's rules: how it deploys, never its gates or
 * automation; and how much of the source it runs itself (`clone`, see review-clone.ts).
 */
function reviewSettings(source: Environment, clone: CloneMode): Partial<EnvironmentConfig> & { clone: CloneMode } {
  const { gates: _gates, autoPromote: _auto, fastTrack: _fastTrack, hooks: _hooks, slo: _slo, overrides: _overrides, access: _access, ...rest } = source.settings;
  const description = clone === "full" ? `Review environment cloned from ${source.name}` : `Review environment cloned from ${source.name}: runs the apps whose build differs from ${source.name}'s; ${source.name} serves any others`;
  return { ...rest, instances: 1, apps: {}, description, clone };
}

/** A live review environment by reference ("shop/pr-12" or a bare "pr-12"). @throws NotFoundError | AmbiguousError */
async function liveReview(db: Db, ref: string, lock = false): Promise<Environment> {
  const found = await findLiveEnvironment(db, ref, { lock });
  if (!found || found.kind !== "review" || !(LIVE_REVIEW_STATES as readonly string[]).includes(found.state)) throw new NotFoundError(`No live review environment named "${ref}".`);
  return found;
}

/**
 * Spins up a review environment: a copy of the source (staging by default) — its config variables
 * (secrets by reference, never copied in clear) and, when the controller provisions it, its data —
 * running one release of the branch, at its own address, until it expires. With `clone: "changed"`
 * (the default) it runs only the apps whose build differs from the source's; the source serves the
 * rest (see review-clone.ts).
 *
 * A branch has one live review environment per repository (409 `branch_has_review`, naming it).
 *
 * @param origin `sourceRepository`: the fork a pull request came from (null: our repository)
 * @returns the review environment (`provisioning`) and the id of the deployment that fills it
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `branch_has_review`, `duplicate_deployment`, `duplicate_name`; 422 `gate_failed`, `no_eligible_approvers`, `nothing_differs`, `other_pipeline`, `quota_per_person`, `quota_total`, `source_not_allowed`, a promotion refusal (`PROMOTION_REFUSAL_CODES`)
 */
export async function createReviewEnvironment(ctx: ServiceContext, input: unknown, origin: { sourceRepository: string | null } = { sourceRepository: null }): Promise<{ environment: Environment; deploymentId: string }> {
  authorizeKind(ctx, "review.create", "environment");
  const data = parseInput(createReviewInput, input);
  const result = await ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    // The pipeline: the body's, the source's, the release's; else the only one (409 when several).
    const [byId] = data.releaseId ? await tx.select().from(releases).where(eq(releases.id, data.releaseId)) : [];
    const pipeline =
      byId && !data.pipeline && !data.source
        ? await pipelineById(tx, byId.pipelineId)
        : await choosePipeline(tx, { pipeline: data.pipeline, environment: data.source, environmentField: "source", appIds: [] }).catch(async (error: unknown) => {
            // A commit cut in exactly one pipeline decides it too.
            const owners = data.commit ? await tx.selectDistinct({ pipelineId: releases.pipelineId }).from(releases).where(eq(releases.commit, data.commit)) : [];
            if (owners.length === 1) return pipelineById(tx, owners[0]!.pipelineId);
            throw error;
          });
    const settings = pipeline.config.reviewEnvironments;

    const [release] = data.releaseId
      ? byId && byId.pipelineId === pipeline.id
        ? [byId]
        : []
      : await tx
          .select()
          .from(releases)
          .where(and(eq(releases.commit, data.commit!), eq(releases.pipelineId, pipeline.id)));
    if (!release) throw new ValidationError("No such release.", data.releaseId ? { releaseId: `unknown release "${data.releaseId}"` } : { commit: `no release was cut for commit ${data.commit}` });
    if (release.branch !== data.branch) throw new ValidationError(`Release ${release.commit.slice(0, 7)} is from ${release.branch}, not ${data.branch}.`, { branch: `the release is from ${release.branch}` });

    const sourceName = data.source ? parseRef(data.source).name : settings.source;
    // Only the sources slipway.yaml allows (default: the configured source), never e.g. prod by asking.
    const allowedSources = settings.sources ?? [settings.source];
    if (!allowedSources.includes(sourceName)) {
      throw new RuleError(`Review environments may be cloned only from ${allowedSources.join(", ")} (the pipeline file's reviewEnvironments.sources), not from ${sourceName}.`, "source_not_allowed", {
        source: `expected ${allowedSources.join(" or ")}`,
      });
    }
    const [source] = await tx
      .select()
      .from(environments)
      .where(and(eq(environments.pipelineId, pipeline.id), eq(environments.name, sourceName), eq(environments.kind, "fixed"), eq(environments.state, "active")));
    if (!source) throw new ValidationError(`Unknown environment "${sourceName}" to clone.`, { source: `expected an environment of the chain, e.g. ${settings.source}` });
    // Cloning copies what the source runs (and its data): it needs the right to deploy there.
    const access = source.settings.access;
    const target = { id: pipeline.id, teamId: pipeline.teamId };
    authorize(ctx, "review.create", { type: "environment", pipeline: target });
    authorize(ctx, "deployment.request", { type: "environment", id: qualifiedName(pipeline, source.name), deployRoles: access?.deploy, pipeline: target });
    const mayViewConfig = can(ctx.actor, "config.view", { viewConfigRoles: access?.viewConfig, pipeline: target });

    const ttlMs = data.ttlHours !== undefined ? data.ttlHours * 3_600_000 : settings.defaultTtl;
    if (ttlMs > settings.maxTtl) throw new ValidationError(`A review environment lives at most ${settings.maxTtl / 3_600_000} hours.`, { ttlHours: `at most ${settings.maxTtl / 3_600_000}` });

    // Two spin-ups of one branch at once would both see none live (READ COMMITTED): the second
    // waits here for the first to commit, then sees it. Keyed on pipeline, branch and repository.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`review:${pipeline.id}:${data.branch}:${origin.sourceRepository ?? ""}`}))`);
    const live = await tx
      .select({ ownerId: environments.ownerId, name: environments.name, branch: environments.branch, sourceRepository: environments.sourceRepository })
      .from(environments)
      .where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "review"), inArray(environments.state, [...LIVE_REVIEW_STATES])));
    // One review environment per branch: the branch's next release follows into it (followBranch
    // takes the newest), and a reviewer would not know which of two to look at.
    const ofBranch = live.find((e) => e.branch === data.branch && e.sourceRepository === origin.sourceRepository);
    if (ofBranch) {
      throw new ConflictError(`${data.branch} already has a review environment, ${ofBranch.name}: open it, or tear it down before spinning up another.`, "branch_has_review", {
        branch: `already running in ${ofBranch.name}`,
      });
    }
    if (live.length >= settings.quota.total) throw new RuleError(`There are already ${live.length} review environments, the most the pipeline file allows: tear one down first.`, "quota_total");
    const mine = live.filter((e) => e.ownerId === ctx.actor.id).length;
    if (mine >= settings.quota.perPerson) throw new RuleError(`You already have ${mine} review environments, the most one person may have: tear one down first.`, "quota_per_person");

    const taken = new Set((await tx.select({ name: environments.name }).from(environments).where(LIVE_ENVIRONMENT)).map((e) => e.name));
    let name = data.name;
    if (name) {
      if (taken.has(name)) throw new ConflictError(`The name "${name}" is taken by a live environment.`, "duplicate_name", { name: "already in use" });
    } else {
      name = reviewNameFromBranch(data.branch, taken);
    }

    const environment: Environment = {
      id: newId("env"),
      pipelineId: pipeline.id,
      name,
      kind: "review",
      position: null,
      state: "provisioning",
      platform: source.platform,
      settings: reviewSettings(source, data.clone),
      sourceEnvironmentId: source.id,
      branch: data.branch,
      sourceRepository: origin.sourceRepository,
      ownerId: ctx.actor.id,
      expiresAt: new Date(now.getTime() + ttlMs),
      lastRequestAt: now,
      verdict: null,
      heldAt: null,
      heldBy: null,
      holdReason: null,
      createdBy: ctx.actor.id,
      createdAt: now,
      tornDownAt: null,
    };
    await tx.insert(environments).values(environment);
    // Config: values copied; secrets point at their source, so they are never copied in clear — and
    // only for a creator who may see the source's config (else the review environment starts without it).
    const sourceVariables = await tx.select().from(configVariables).where(eq(configVariables.environmentId, source.id));
    const withheld = mayViewConfig ? 0 : sourceVariables.length;
    if (sourceVariables.length && mayViewConfig) {
      await tx.insert(configVariables).values(
        sourceVariables.map((v) => ({
          id: newId("cfg"),
          environmentId: environment.id,
          appId: v.appId,
          key: v.key,
          value: v.secret ? null : v.value,
          secret: v.secret,
          encryptedValue: null,
          sourceVariableId: v.secret ? v.id : null,
          updatedBy: ctx.actor.id,
          updatedAt: now,
        })),
      );
    }
    const partial = await partialSelection(tx, environment, release.id);
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "review.create",
      targetType: "environment",
      targetId: qualifiedName(pipeline, name),
      data: {
        branch: data.branch,
        releaseId: release.id,
        source: source.name,
        clone: data.clone,
        ...(partial ? { apps: partial.own.map((a) => a.name), inherited: partial.inherited.map((a) => a.name) } : {}),
        expiresAt: environment.expiresAt!.toISOString(),
        config: sourceVariables.length - withheld,
        ...(withheld ? { configWithheld: withheld } : {}),
      },
    });
    const deployment = await enqueue({ ...ctx, db: tx }, { environment: name, releaseId: release.id, kind: "promote", reason: `review environment of ${data.branch}` });
    return { environment, deploymentId: deployment.id };
  });
  ctx.onWorkQueued?.();
  return result;
}

/**
 * Deploys a newer release of a review environment's branch into it (a pull request was updated).
 *
 * @returns the id of the deployment that brings the branch's new release
 * @throws ServiceError 400 `invalid_input`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_deployment`; 422 `gate_failed`, `no_eligible_approvers`, `other_pipeline`, a promotion refusal (`PROMOTION_REFUSAL_CODES`: `wrong_branch`, `not_in_previous`, `older_commit`, …)
 */
export async function updateReviewEnvironment(ctx: ServiceContext, input: { name: string; releaseId: string; reason?: string; explicit?: boolean }): Promise<string> {
  authorizeKind(ctx, "deployment.request", "environment");
  // enqueue authorizes with the environment's pipeline once it is looked up.
  const id = (await enqueue(ctx, { environment: input.name, releaseId: input.releaseId, kind: "promote", reason: input.reason ?? "the branch has a new release", explicit: input.explicit })).id;
  ctx.onWorkQueued?.();
  return id;
}

/**
 * A review environment follows its branch: a new release of the branch is deployed into it by
 * Slipway's automation, in the transaction that cut the release. Returns the deployment, if any.
 */
export async function followBranch(tx: Db, ctx: ServiceContext, release: { id: string; branch: string; commit: string }): Promise<string | null> {
  const environment = await reviewOfBranch(tx, release.branch);
  if (!environment) return null;
  // A savepoint: a refusal (say, the review environment is being torn down) must not undo the release
  // itself. A hold does not stop it: a new release of the branch is the fix its reviewers wait for.
  try {
    return await tx.transaction(async (savepoint) => {
      const deployment = await enqueue(
        { db: savepoint, actor: automationActor(), clock: ctx.clock },
        { environment: environment.name, releaseId: release.id, kind: "promote", reason: `${release.branch} has a new release (${release.commit.slice(0, 7)})` },
      );
      return deployment.id;
    });
  } catch (error) {
    if (error instanceof ServiceError) return null;
    throw error;
  }
}

/**
 * Pushes a review environment's expiry out, up to the longest lifetime slipway.yaml allows.
 *
 * @returns the environment with its new expiry
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`; 422 `max_ttl`
 */
export async function extendReviewEnvironment(ctx: ServiceContext, input: unknown): Promise<Environment> {
  authorizeKind(ctx, "review.extend", "environment");
  const data = parseInput(extendInput, input);
  return ctx.db.transaction(async (tx) => {
    const environment = await liveReview(tx, data.name, true);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "review.extend", { type: "environment", id: ref, ownerId: environment.ownerId ?? undefined, pipeline });
    const settings = (await pipelineById(tx, environment.pipelineId)).config.reviewEnvironments;
    const latest = environment.createdAt.getTime() + settings.maxTtl;
    const expiresAt = new Date(Math.max(environment.expiresAt?.getTime() ?? 0, ctx.clock.now().getTime()) + data.hours * 3_600_000);
    if (expiresAt.getTime() > latest) {
      throw new RuleError(`${environment.name} may live until ${new Date(latest).toISOString()} at most (${settings.maxTtl / 3_600_000} h after it was created).`, "max_ttl", {
        hours: `at most ${Math.floor((latest - Math.max(environment.expiresAt?.getTime() ?? 0, ctx.clock.now().getTime())) / 3_600_000)}`,
      });
    }
    await tx.update(environments).set({ expiresAt }).where(eq(environments.id, environment.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "review.extend", targetType: "environment", targetId: ref, data: { from: environment.expiresAt?.toISOString() ?? null, to: expiresAt.toISOString() } });
    return { ...environment, expiresAt };
  });
}

/**
 * A delivery lead's verdict; the conversation stays on the environment's page.
 *
 * @returns nothing; the verdict is stored on the environment and in its history
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`; 422 `not_ready`
 */
export async function giveVerdict(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "review.verdict", "environment");
  const data = parseInput(verdictInput, input);
  await ctx.db.transaction(async (tx) => {
    const environment = await liveReview(tx, data.name, true);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "review.verdict", { type: "environment", id: ref, pipeline });
    if (environment.state === "provisioning" || environment.state === "failed") throw new RuleError(`${environment.name} is ${environment.state}: there is nothing to verify yet.`, "not_ready");
    const release = await currentRelease(tx, environment.id);
    await tx.insert(reviewVerdicts).values({ id: newId("ver"), environmentId: environment.id, userId: ctx.actor.id, verdict: data.verdict, comment: data.comment, releaseId: release?.id ?? null, createdAt: ctx.clock.now() });
    await tx.update(environments).set({ verdict: data.verdict }).where(eq(environments.id, environment.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: `review.${data.verdict}`, targetType: "environment", targetId: ref, reason: data.comment || null, data: { releaseId: release?.id ?? null } });
  });
}

/**
 * Tears a review environment down: the controller stops its processes and removes its data and
 * config; the record stays for history. Deployments still waiting for it are cancelled.
 *
 * @returns the environment, `tearing-down` from now on
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`
 */
export async function teardownReviewEnvironment(ctx: ServiceContext, input: unknown): Promise<Environment> {
  authorizeKind(ctx, "review.teardown", "environment");
  const data = parseInput(teardownInput, input);
  const environment = await ctx.db.transaction(async (tx) => {
    const environment = await liveReview(tx, data.name, true);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "review.teardown", { type: "environment", id: ref, ownerId: environment.ownerId ?? undefined, pipeline });
    const now = ctx.clock.now();
    await transitionDeployments(tx, eq(deployments.environmentId, environment.id), { from: PENDING_DEPLOYMENT_STATES, to: "cancelled", set: { cancelledBy: ctx.actor.id, finishedAt: now, updatedAt: now } });
    await transitionEnvironment(tx, environment.id, { from: environment.state, to: "tearing-down" });
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "review.teardown", targetType: "environment", targetId: ref, reason: data.reason ?? null });
    return { ...environment, state: "tearing-down" as const };
  });
  ctx.onWorkQueued?.();
  return environment;
}

/** The newest release of a branch, for webhooks and the spin-up form. */
export async function newestReleaseOf(db: Db, branch: string) {
  // Newest by commit order (see lib/domain/commit-order.ts), not by when CI happened to cut it;
  // among releases that cannot be ordered, the last one cut.
  const recent = await db.select().from(releases).where(eq(releases.branch, branch)).orderBy(desc(releases.createdAt), desc(releases.id)).limit(50);
  return newestByCommit(recent, await parentGraph(db));
}

/** The live review environment of a branch of our repository (never a fork's branch of the same name), if any. */
export async function reviewOfBranch(db: Db, branch: string): Promise<Environment | null> {
  const [environment] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "review"), eq(environments.branch, branch), isNull(environments.sourceRepository), inArray(environments.state, [...LIVE_REVIEW_STATES])))
    .orderBy(desc(environments.createdAt))
    .limit(1);
  return environment ?? null;
}
