import { and, desc, eq, inArray, sql, type SQLWrapper } from "drizzle-orm";
import type { PgSelect, SelectedFields } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { fromJsonArray, jsonArray, jsonObject, type NestedRead } from "@/db/queries/json-rows";
import { z } from "zod";
import { deployments, environmentApps, releases, type Deployment } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES, PENDING_DEPLOYMENT_STATES, STRATEGIES, type DeploymentKind, type DeploymentState, type Strategy } from "@/db/schema/enums";
import { assertTransition, isCancellable } from "@/lib/domain/deployment-state";
import { checkDeploymentRequest, planQueue, previousGoodRelease } from "@/lib/domain/promotion";
import { effectiveStrategy } from "@/lib/domain/strategy";
import { newId } from "@/lib/ids";
import { abortInFlight } from "./abort";
import { recordAudit } from "./audit";
import { transitionDeployment, transitionDeployments } from "./deployment-transitions";
import { snapshotFor, type RollbackConfigChoice } from "./config-snapshots";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { acceptedInReviewOf, currentRelease, lockEnvironment, parentGraph, releaseFactColumns, skippedBy, succeededIn, targetFacts } from "./promotion-queries";
import { evaluateDeployment, GATED_KINDS, storeGateResults } from "./gate-evaluation";
import { planSoak } from "./soak-plan";
import { announce, deploymentData } from "./announce";
import type { Role } from "@/lib/auth/roles";
import { ConflictError, NotFoundError, RuleError, ValidationError } from "./errors";
import { id, reason, environmentRef } from "./schemas";
import { parseInput } from "./validation";
import { partialSelection } from "./review-clone";
import { findLiveEnvironment, pipelineOf, pipelineTarget, qualifiedName } from "./pipeline-scope";

export const requestDeploymentInput = z
  .strictObject({
    environment: environmentRef,
    releaseId: id.meta({ description: "The release to deploy" }),
    kind: z.enum(["promote", "fast-track", "redeploy", "config"]).default("promote").meta({ description: "config: restart the current release with the environment's current config variables" }),
    reason: reason.optional(),
    strategy: z.enum(STRATEGIES).optional().meta({ description: "Override the environment's strategy for this deployment" }),
    forceMigrations: z.boolean().optional().meta({ description: "Run migrations even when no migration path changed" }),
    applyPendingConfig: z
      .boolean()
      .optional()
      .meta({ description: "Also apply the environment's unapplied config edits (default false: the deployment runs with the config version running now; a config deployment applies edits by itself)" }),
  })
  .meta({ id: "RequestDeployment" });

export const rollbackInput = z
  .strictObject({
    environment: environmentRef,
    releaseId: id.optional().meta({ description: "Roll back to this release (default: the previous good one)" }),
    reason: reason.optional(),
    config: z
      .enum(["restore", "keep-current"])
      .default("restore")
      .meta({ description: "restore (default): the config version the release last ran with there; keep-current: the version running now. Unapplied edits are applied in neither case" }),
  })
  .meta({ id: "RequestRollback" });

export const cancelInput = z.strictObject({ deploymentId: id, reason: reason.optional() }).meta({ id: "CancelDeployment" });

interface NewDeployment {
  environment: string;
  releaseId: string;
  kind: DeploymentKind;
  reason?: string | undefined;
  strategy?: Strategy | undefined;
  forceMigrations?: boolean | undefined;
  /** Facts kept on the deployment (e.g. the burn-rate figures behind an automatic rollback). */
  detail?: Record<string, unknown> | undefined;
  /**
   * Undoes this automatic rollback: the release it replaced may come back although its
   * deployment is marked rolled back (it did succeed here; the rollback is what is undone).
   */
  undoes?: string | undefined;
  /**
   * The release was named exactly by whoever asked (a pull request's head commit), not chosen by
   * automation: commit order does not hold it back (a force-push may move a branch back).
   */
  explicit?: boolean | undefined;
  /** A rollback's config: the version the release ran with (default), or the current one. */
  config?: RollbackConfigChoice | undefined;
  /** A promote, fast-track or redeploy applies the unapplied config edits too (explicitly asked). */
  applyPendingConfig?: boolean | undefined;
}

/**
 * Puts a deployment in the environment's queue: checks the promotion rules, refuses an exact
 * duplicate, supersedes older queued promotions. Returns as soon as the row exists; the controller
 * does the rest. The environment row is locked, so concurrent requests into it are decided one by one.
 *
 * @returns the deployment row, `waiting` on its gates
 * @throws ServiceError 400 `invalid_input`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_deployment`; 422 `gate_failed`, `no_eligible_approvers`, `other_pipeline`, a promotion refusal (`PROMOTION_REFUSAL_CODES`: `wrong_branch`, `not_in_previous`, `older_commit`, …)
 */
export async function enqueue(ctx: ServiceContext, request: NewDeployment): Promise<Deployment> {
  const deployment = await ctx.db.transaction(async (tx) => {
    const environment = await lockEnvironment(tx, request.environment);
    if (!environment) throw new NotFoundError(`No environment named "${request.environment}".`);
    // slipway.yaml may narrow who deploys into this environment (access.deploy); rollbacks have their own right.
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    if (request.kind !== "rollback") {
      authorize(ctx, "deployment.request", { type: "environment", id: ref, deployRoles: environment.settings.access?.deploy, pipeline });
    }
    const [release] = await tx.select().from(releases).where(eq(releases.id, request.releaseId));
    // A release belongs to one pipeline: it runs only in that pipeline's environments.
    if (release && release.pipelineId !== environment.pipelineId) {
      throw new RuleError(`Release ${release.commit.slice(0, 7)} belongs to another pipeline than ${environment.name}: deploy it into its own pipeline's environments.`, "other_pipeline", { releaseId: "a release of another pipeline" });
    }
    if (!release) throw new ValidationError(`Unknown release "${request.releaseId}".`, { releaseId: `unknown release "${request.releaseId}"` });

    const { target, previous } = await targetFacts(tx, environment);
    const automated = ctx.actor.kind !== "user" && !request.explicit;
    const incoming = automated
      ? await tx
          .select(releaseFactColumns)
          .from(deployments)
          .innerJoin(releases, eq(releases.id, deployments.releaseId))
          .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]), inArray(deployments.kind, ["promote", "fast-track"])))
      : [];
    const ruleOutcome = checkDeploymentRequest({
      kind: request.kind,
      release,
      target,
      succeededInPrevious: previous ? await succeededIn(tx, previous.id, release.id) : false,
      succeededInTarget: Boolean(request.undoes) || (await succeededIn(tx, environment.id, release.id)),
      acceptedInReview: environment.kind === "fixed" && request.kind === "promote" ? await acceptedInReviewOf(tx, environment, release.id) : false,
      automated,
      graph: automated && (target.current || incoming.length) ? await parentGraph(tx) : new Map(),
      incoming,
    });
    if (!ruleOutcome.ok) throw new RuleError(ruleOutcome.message, ruleOutcome.code);
    // A partial review environment runs only the apps that differ from its source (see review-clone.ts).
    const partial = await partialSelection(tx, environment, release.id);
    if (partial && !partial.own.length) {
      throw new RuleError(
        `Every app of release ${release.commit.slice(0, 7)} is the build ${partial.source} runs already: ${environment.name} would run nothing of its own. Open ${partial.source}, or spin up a full clone.`,
        "nothing_differs",
        { releaseId: `no app differs from ${partial.source}` },
      );
    }

    const active = await tx
      .select({ id: deployments.id, kind: deployments.kind, state: deployments.state, releaseId: deployments.releaseId })
      .from(deployments)
      .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES])));
    const plan = planQueue(active, request);
    if (!plan.ok) {
      throw new ConflictError(`The same ${request.kind} of this release into ${environment.name} is already ${active.find((d) => d.id === plan.duplicateOf)?.state} (${plan.duplicateOf}).`, "duplicate_deployment");
    }

    const now = ctx.clock.now();
    const config = environment.settings;
    if (request.kind === "fast-track" && config.fastTrack?.requireReason !== false && !request.reason?.trim()) {
      throw new ValidationError("A fast-track skips environments: say why.", { reason: "a reason is required for a fast-track" });
    }
    const skipped = request.kind === "fast-track" ? await skippedBy(tx, environment, release.id) : [];
    const configSnapshotId = await snapshotFor(tx, { environmentId: environment.id, kind: request.kind, releaseId: release.id, config: request.config, applyPending: request.applyPendingConfig }, ctx.actor.id, now);
    const row: Deployment = {
      id: newId("dep"),
      environmentId: environment.id,
      releaseId: release.id,
      kind: request.kind,
      state: "queued",
      // The strategy it will run (the per-app overrides included); the controller may still fall back if the platform cannot.
      strategy: effectiveStrategy(request.strategy ?? null, config).strategy,
      fromEnvironmentId: request.kind === "promote" ? (previous?.id ?? null) : null,
      previousReleaseId: target.current?.id ?? null,
      requestedBy: ctx.actor.id,
      requestedVia: ctx.actor.via,
      reason: request.reason ?? null,
      idempotencyKey: null,
      forceMigrations: request.forceMigrations ?? false,
      configSnapshotId,
      overrides: [],
      failureReason: null,
      detail: {
        ...request.detail,
        ...(partial ? { appIds: partial.own.map((a) => a.id), inherited: partial.inherited.map((a) => a.name) } : {}),
        ...(skipped.length ? { skipped } : {}),
        ...(request.undoes ? { undoes: request.undoes } : {}),
      },
      supersededById: null,
      cancelledBy: null,
      fencingToken: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    for (const supersededId of plan.supersede) {
      const old = active.find((d) => d.id === supersededId)!;
      assertTransition(old.state, "superseded");
    }
    // Gates first: a deployment that can never pass (failing tests, a standing rejection) is refused
    // outright; one that waits (approvals, a window, a soak) is created waiting, with the reasons.
    // The soak is decided once, here: where it is measured and from when (it never moves later).
    const soak = GATED_KINDS.includes(row.kind) ? await planSoak(tx, row, environment) : null;
    if (soak) row.detail = { ...row.detail, soak };
    const gates = await evaluateDeployment(tx, row, environment, now);
    if (gates.stop) throw new RuleError(`${environment.name} will not take this release: ${gates.stop}`, "gate_failed", { gates: gates.stop });
    // A request nobody could ever approve would wait forever: refuse it now, saying who is missing.
    const unapprovable = gates.outcomes.find((o) => o.gate === "approvals" && o.status === "pending")?.detail?.unapprovable;
    if (typeof unapprovable === "string") {
      throw new RuleError(`Nobody could ever approve this ${request.kind} into ${environment.name}: ${unapprovable}. Ask someone else to request it, or have an admin grant the role to another person.`, "no_eligible_approvers", {
        approvals: unapprovable,
      });
    }
    row.state = gates.canShip ? "queued" : "waiting";
    await tx.insert(deployments).values(row);
    await storeGateResults(tx, row.id, gates.outcomes, now, true);
    if (plan.supersede.length) {
      await transitionDeployments(tx, plan.supersede, { from: PENDING_DEPLOYMENT_STATES, to: "superseded", set: { supersededById: row.id, finishedAt: now, updatedAt: now } });
    }
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: `deployment.${request.kind}`,
      targetType: "environment",
      targetId: ref,
      reason: request.reason,
      data: {
        deploymentId: row.id,
        releaseId: release.id,
        commit: release.commit,
        configSnapshotId,
        from: target.current?.id ?? null,
        superseded: plan.supersede,
        state: row.state,
        blockers: gates.blockers,
        skipped,
        ...(partial ? { apps: partial.own.map((a) => a.name), inherited: partial.inherited.map((a) => a.name) } : {}),
      },
    });
    const pendingApprovals = gates.outcomes.find((o) => o.gate === "approvals" && o.status === "pending");
    if (pendingApprovals) {
      const needed = ((pendingApprovals.detail?.rules ?? []) as { role: Role; needed: number; have: number }[]).filter((r) => r.have < r.needed).map((r) => ({ role: r.role, needed: r.needed - r.have }));
      await announce(tx, ctx.clock, { event: "approval.needed", data: { ...(await deploymentData(tx, row.id)), approvals: needed } });
    } else if (row.state === "waiting") {
      await announce(tx, ctx.clock, {
        event: "gate.blocked",
        data: { ...(await deploymentData(tx, row.id)), gates: gates.outcomes.filter((o) => o.status !== "pass" && o.status !== "waived").map((o) => ({ kind: o.gate, message: o.reason })) },
      });
    }
    return row;
  });
  ctx.onWorkQueued?.();
  return deployment;
}

/**
 * Promote (or redeploy) a release into an environment.
 *
 * @returns the deployment row, `waiting` on its gates (the controller takes it from there)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_deployment`; 422 `gate_failed`, `no_eligible_approvers`, `other_pipeline`, a promotion refusal (`PROMOTION_REFUSAL_CODES`: `wrong_branch`, `not_in_previous`, `older_commit`, …)
 */
export async function requestDeployment(ctx: ServiceContext, input: unknown): Promise<Deployment> {
  authorizeKind(ctx, "deployment.request", "environment");
  const data = parseInput(requestDeploymentInput, input);
  // enqueue authorizes with the environment's pipeline (and its access.deploy) once it is looked up.
  return enqueue(ctx, data);
}

/**
 * Roll an environment back, on its own, to its previous good release or a chosen one. During a
 * forward rollout in progress, the rollout is aborted at once and what served before it is kept
 * (that is the rollback; nothing older is deployed unless `releaseId` names another release).
 *
 * @returns the rollback deployment row
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_deployment`; 422 `gate_failed`, `no_eligible_approvers`, `nothing_to_roll_back_to`, `other_pipeline`, a promotion refusal (`PROMOTION_REFUSAL_CODES`: `wrong_branch`, `not_in_previous`, `older_commit`, …)
 */
export async function requestRollback(ctx: ServiceContext, input: unknown): Promise<Deployment> {
  authorizeKind(ctx, "environment.rollback", "environment");
  const data = parseInput(rollbackInput, input);
  const environment = await findLiveEnvironment(ctx.db, data.environment);
  if (!environment) throw new NotFoundError(`No environment named "${data.environment}".`);
  const pipeline = await pipelineTarget(ctx.db, environment.pipelineId);
  authorize(ctx, "environment.rollback", { type: "environment", id: qualifiedName(pipeline, environment.name), pipeline });
  const current = await currentRelease(ctx.db, environment.id);
  if (!data.releaseId || data.releaseId === current?.id) {
    const aborted = await ctx.db.transaction(async (tx) => {
      const locked = await lockEnvironment(tx, environment.id, true);
      return locked ? abortInFlight(tx, ctx, locked, data.reason) : null;
    });
    if (aborted) {
      ctx.onWorkQueued?.();
      return aborted;
    }
  }
  const releaseId = data.releaseId ?? (await previousGoodReleaseOf(ctx, environment.id));
  if (!releaseId) throw new RuleError(`${data.environment} has no earlier good release to roll back to.`, "nothing_to_roll_back_to");
  const rollback = await enqueue(ctx, { environment: data.environment, releaseId, kind: "rollback", reason: data.reason, config: data.config });
  // Another release was chosen: the rollback queues behind what rolls out now, which stops at once.
  await ctx.db.transaction(async (tx) => {
    const locked = await lockEnvironment(tx, environment.id, true);
    if (locked) await abortInFlight(tx, ctx, locked, data.reason);
  });
  ctx.onWorkQueued?.();
  return rollback;
}

/** The release an environment rolls back to by default: the last good one before what runs. One statement. */
export async function previousGoodReleaseOf(ctx: Pick<ServiceContext, "db">, environmentId: string): Promise<string | null> {
  const history = (await rollbackHistory(ctx.db, rollbackHistoryFields(ctx.db, environmentId), environmentId)) as RollbackHistoryRow[];
  return previousGoodRelease(history, history[0]?.current ?? null);
}

/**
 * previousGoodReleaseOf() nested in another statement as one JSON column (the environment page
 * reads it with the environment): `environmentId` is usually the outer statement's column.
 */
export function previousGoodReleaseNested(db: Db, environmentId: SQLWrapper): NestedRead<string | null> {
  const fields = rollbackHistoryFields(db, environmentId);
  return {
    sql: jsonArray(rollbackHistory(db, { row: jsonObject(fields) }, environmentId)),
    read: (value) => {
      const history = fromJsonArray(fields, value) as RollbackHistoryRow[];
      return previousGoodRelease(history, history[0]?.current ?? null);
    },
  };
}

interface RollbackHistoryRow {
  releaseId: string;
  state: DeploymentState;
  current: string | null;
}

// Each row of the history carries what runs now (currentRelease()'s rule), so one statement tells both.
function rollbackHistoryFields(db: Db, environmentId: string | SQLWrapper) {
  const running = db.select({ id: releases.id }).from(environmentApps).innerJoin(releases, eq(releases.id, environmentApps.releaseId)).where(eq(environmentApps.environmentId, environmentId)).orderBy(desc(releases.createdAt)).limit(1);
  return { releaseId: deployments.releaseId, state: deployments.state, current: sql<string | null>`${running}` };
}

/** The last ROLLBACK_HISTORY deployments of an environment, newest first, selecting `fields` (rollbackHistoryFields, or a JSON object of them). */
function rollbackHistory(db: Db, fields: SelectedFields, environmentId: string | SQLWrapper): PgSelect {
  return db.select(fields).from(deployments).$dynamic().where(eq(deployments.environmentId, environmentId)).orderBy(desc(deployments.createdAt), desc(deployments.id)).limit(ROLLBACK_HISTORY);
}

/** How many of an environment's latest deployments the default rollback target is chosen from. */
const ROLLBACK_HISTORY = 200;

/**
 * Cancel a deployment that has not started rolling out.
 *
 * @returns the deployment, now `cancelled`
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `not_cancellable`
 */
export async function cancelDeployment(ctx: ServiceContext, input: unknown): Promise<Deployment> {
  authorizeKind(ctx, "deployment.cancel", "deployment");
  const data = parseInput(cancelInput, input);
  return ctx.db.transaction(async (tx) => {
    const [deployment] = await tx.select().from(deployments).where(eq(deployments.id, data.deploymentId)).for("update");
    if (!deployment) throw new NotFoundError(`No deployment with id ${data.deploymentId}.`);
    const owner = await pipelineOf(tx, { environmentId: deployment.environmentId });
    authorize(ctx, "deployment.cancel", { type: "deployment", id: deployment.id, requestedBy: deployment.requestedBy, pipeline: { id: owner.id, teamId: owner.teamId } });
    if (!isCancellable(deployment.state)) {
      throw new ConflictError(
        `This deployment is ${deployment.state}: only a waiting or queued deployment can be cancelled${deployment.state === "running" || deployment.state === "verifying" ? "; roll back instead once it finishes" : ""}.`,
        "not_cancellable",
      );
    }
    const now = ctx.clock.now();
    const updated = { ...deployment, state: "cancelled" as const, cancelledBy: ctx.actor.id, finishedAt: now, updatedAt: now };
    await transitionDeployment(tx, deployment.id, { from: deployment.state, to: "cancelled", set: { cancelledBy: ctx.actor.id, finishedAt: now, updatedAt: now } });
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "deployment.cancel", targetType: "deployment", targetId: deployment.id, reason: data.reason });
    return updated;
  });
}
