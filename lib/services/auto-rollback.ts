import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { deployments, environments, type Deployment } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { enqueue, previousGoodReleaseOf } from "./deployments";
import { NotFoundError, RuleError } from "./errors";
import { id, reason } from "./schemas";
import { parseInput } from "./validation";
import { pipelineOf, qualifiedName } from "./pipeline-scope";
import type { Db } from "@/db/client";
import type { PipelineRef } from "@/lib/auth/policy";

import type { AutomaticRollbackDetail } from "@/lib/domain/deployment-detail";
export type { AutomaticRollbackDetail };

/**
 * Slipway rolls an environment back by itself: to its previous good release, as its automation,
 * with the figures that made it act. The rollout holds the environment afterwards, like any
 * rollback, so nothing brings the release back until a person decides.
 */
export async function requestAutomaticRollback(ctx: Pick<ServiceContext, "db" | "clock">, input: { environment: string; environmentId: string; reason: string; detail: AutomaticRollbackDetail }): Promise<Deployment> {
  const automation: ServiceContext = { ...ctx, actor: automationActor() };
  const owner = await pipelineOf(ctx.db, { environmentId: input.environmentId });
  const ref = qualifiedName(owner, input.environment);
  authorize(automation, "environment.rollback", { type: "environment", id: ref, pipeline: { id: owner.id, teamId: owner.teamId } });
  const releaseId = await previousGoodReleaseOf(ctx, input.environmentId);
  if (!releaseId) throw new RuleError(`${input.environment} has no earlier good release to roll back to.`, "nothing_to_roll_back_to");
  return enqueue(automation, { environment: ref, releaseId, kind: "rollback", reason: input.reason, detail: { automatic: input.detail } });
}

export const confirmRollbackInput = z.strictObject({ deploymentId: id, comment: reason.optional() }).meta({ id: "ConfirmAutomaticRollback" });
export const undoRollbackInput = z.strictObject({ deploymentId: id, reason: reason.min(3, { error: "say why the release may come back (at least 3 characters)" }) }).meta({ id: "UndoAutomaticRollback" });

/** The policy's view of the pipeline a deployment's environment belongs to, with its name (for qualified references). */
async function rollbackPipeline(db: Db, deployment: Deployment): Promise<PipelineRef & { name: string }> {
  const owner = await pipelineOf(db, { environmentId: deployment.environmentId });
  return { id: owner.id, teamId: owner.teamId, name: owner.name };
}

async function automaticRollback(ctx: ServiceContext, deploymentId: string): Promise<{ rollback: Deployment; detail: AutomaticRollbackDetail }> {
  const [rollback] = await ctx.db.select().from(deployments).where(eq(deployments.id, deploymentId)).for("update");
  if (!rollback) throw new NotFoundError(`No deployment with id ${deploymentId}.`);
  const detail = rollback.detail?.automatic;
  if (rollback.kind !== "rollback" || !detail) throw new RuleError("Only an automatic rollback can be confirmed or undone; this deployment is not one.", "not_automatic_rollback");
  if (detail.confirmation) {
    throw new RuleError(`This rollback was already ${detail.confirmation.decision} by ${detail.confirmation.byName} at ${detail.confirmation.at}.`, "already_decided");
  }
  if (rollback.state !== "succeeded" && rollback.state !== "rolled-back") {
    throw new RuleError(`This rollback is ${rollback.state}: it can be confirmed or undone once it has succeeded.`, "not_finished");
  }
  return { rollback, detail };
}

/**
 * On-call agrees with Slipway: the rollback stays, the environment stays held until they lift it.
 *
 * @returns nothing; the automatic rollback is marked as confirmed
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `already_decided`, `not_automatic_rollback`, `not_finished`
 */
export async function confirmAutomaticRollback(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "environment.rollback", "deployment");
  const data = parseInput(confirmRollbackInput, input);
  await ctx.db.transaction(async (tx) => {
    const scoped = { ...ctx, db: tx };
    const { rollback, detail } = await automaticRollback(scoped, data.deploymentId);
    authorize(ctx, "environment.rollback", { type: "deployment", id: rollback.id, pipeline: await rollbackPipeline(tx, rollback) });
    const confirmation = { decision: "confirmed" as const, by: ctx.actor.id, byName: ctx.actor.name, at: ctx.clock.now().toISOString(), comment: data.comment ?? null };
    await tx
      .update(deployments)
      .set({ detail: { ...rollback.detail, automatic: { ...detail, confirmation } }, updatedAt: ctx.clock.now() })
      .where(eq(deployments.id, rollback.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "rollback.confirm", targetType: "deployment", targetId: rollback.id, reason: data.comment ?? null, data: { rule: detail.rule, badDeploymentId: detail.deploymentId } });
  });
}

/**
 * On-call overrules Slipway (a false alarm: say, a dependency failed, not the release): the
 * release that was rolled back comes back — a rollback to it, without the gates it already passed,
 * instant when it is still warm — and the hold the automatic rollback put on goes.
 *
 * @returns the new deployment that puts the rolled-back release out again
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_deployment`; 422 `already_decided`, `gate_failed`, `no_eligible_approvers`, `not_automatic_rollback`, `not_finished`, `nothing_to_undo`, `other_pipeline`, a promotion refusal (`PROMOTION_REFUSAL_CODES`: `wrong_branch`, `not_in_previous`, `older_commit`, …)
 */
export async function undoAutomaticRollback(ctx: ServiceContext, input: unknown): Promise<Deployment> {
  authorizeKind(ctx, "environment.rollback", "deployment");
  const data = parseInput(undoRollbackInput, input);
  return ctx.db.transaction(async (tx) => {
    const scoped = { ...ctx, db: tx };
    const { rollback, detail } = await automaticRollback(scoped, data.deploymentId);
    const pipeline = await rollbackPipeline(tx, rollback);
    authorize(ctx, "environment.rollback", { type: "deployment", id: rollback.id, pipeline });
    if (!rollback.previousReleaseId) throw new RuleError("This rollback replaced nothing that could come back.", "nothing_to_undo");
    const [environment] = await tx.select().from(environments).where(eq(environments.id, rollback.environmentId));
    const ref = qualifiedName(pipeline, environment!.name);
    const now = ctx.clock.now();
    if (environment!.heldAt && environment!.heldBy === rollback.requestedBy) {
      await tx
        .update(environments)
        .set({ heldAt: null, heldBy: null, holdReason: null })
        .where(and(eq(environments.id, environment!.id)));
      await recordAudit(tx, ctx.actor, ctx.clock, {
        action: "environment.hold.lift",
        targetType: "environment",
        targetId: ref,
        reason: `undoing the automatic rollback: ${data.reason}`,
        data: { holdReason: environment!.holdReason },
      });
    }
    const redeployment = await enqueue(scoped, { environment: ref, releaseId: rollback.previousReleaseId, kind: "rollback", reason: `Undo the automatic rollback: ${data.reason}`, undoes: rollback.id });
    const confirmation = { decision: "undone" as const, by: ctx.actor.id, byName: ctx.actor.name, at: now.toISOString(), comment: data.reason, redeploymentId: redeployment.id };
    await tx
      .update(deployments)
      .set({ detail: { ...rollback.detail, automatic: { ...detail, confirmation } }, updatedAt: now })
      .where(eq(deployments.id, rollback.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "rollback.undo", targetType: "deployment", targetId: rollback.id, reason: data.reason, data: { redeploymentId: redeployment.id, releaseId: rollback.previousReleaseId } });
    return redeployment;
  });
}
