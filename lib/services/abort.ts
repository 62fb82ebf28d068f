import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { deployments, environments, type Deployment, type Environment } from "@/db/schema";
import { isCancellable, isRollingOut } from "@/lib/domain/deployment-state";
import { recordAudit } from "./audit";

import { transitionDeployment } from "./deployment-transitions";
import { authorize, authorizeKind } from "./authorize";
import { pipelineTarget } from "./pipeline-scope";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError } from "./errors";
import { id, reason } from "./schemas";
import { parseInput } from "./validation";
import { ROLLING_OUT_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

export const abortInput = z
  .strictObject({ deploymentId: id, reason: reason.optional() })
  .meta({ id: "AbortDeployment", description: "Stop a deployment at once: a rollout in progress is stopped and what served before it is kept; one that has not started is cancelled." });

import type { AbortRequest } from "@/lib/domain/deployment-detail";
export type { AbortRequest };

/** The abort asked for on a deployment, if any. */
export function abortOf(deployment: Pick<Deployment, "detail">): AbortRequest | null {
  const abort = deployment.detail?.abort;
  return abort && typeof abort === "object" && typeof abort.byId === "string" ? abort : null;
}

/** The failure reason an aborted rollout ends with: "Aborted by Dana Dev: checkout is broken". */
export function abortReason(abort: AbortRequest): string {
  return `Aborted by ${abort.by}${abort.reason ? `: ${abort.reason}` : ""}; what served before it was kept.`;
}

/**
 * Inside a transaction: marks the forward rollout in progress in `environment` as aborted (the
 * controller stops it at its next step or wait, restores what served before, and fails it with
 * the abort's reason) and holds the environment, so automation does not bring the release straight
 * back. Returns the deployment, or null when nothing is rolling forward there. A rollback in
 * progress is never aborted: it is the restore.
 */
export async function abortInFlight(tx: Db, ctx: ServiceContext, environment: Environment, why: string | undefined): Promise<Deployment | null> {
  const [running] = await tx
    .select()
    .from(deployments)
    .where(and(eq(deployments.environmentId, environment.id), inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES])))
    .for("update");
  if (!running || running.kind === "rollback") return null;
  if (abortOf(running)) return running;
  const now = ctx.clock.now();
  const abort: AbortRequest = { by: ctx.actor.name, byId: ctx.actor.id, reason: why?.trim() || null, at: now.toISOString() };
  const detail = { ...running.detail, abort };
  await tx.update(deployments).set({ detail, updatedAt: now }).where(eq(deployments.id, running.id));
  const holdReason = `Rollout ${running.id} aborted by ${ctx.actor.name}${abort.reason ? `: ${abort.reason}` : ""}`;
  await tx.update(environments).set({ heldAt: now, heldBy: ctx.actor.id, holdReason }).where(eq(environments.id, environment.id));
  await recordAudit(tx, ctx.actor, ctx.clock, {
    action: "deployment.abort",
    targetType: "deployment",
    targetId: running.id,
    reason: abort.reason ?? undefined,
    data: { environment: environment.name, releaseId: running.releaseId, kept: running.previousReleaseId, state: running.state },
  });
  return { ...running, detail };
}

/**
 * Abort one deployment. Whoever may roll the environment back may abort there
 * (`environment.rollback`). A rollout in progress (running or verifying) stops at once and keeps
 * what served before it; a waiting or queued one is cancelled. Errors: 404 unknown deployment,
 * 403 not allowed, 409 when it already ended or is itself a rollback.
 *
 * @returns the deployment: a waiting or queued one `cancelled`, a rollout in progress as the abort left it
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `not_in_progress`, `rollback_in_progress`
 */
export async function abortDeployment(ctx: ServiceContext, input: unknown): Promise<Deployment> {
  const data = parseInput(abortInput, input);
  // The right to roll back is the same in every environment: decided before anything is looked up.
  authorizeKind(ctx, "environment.rollback", "deployment");
  const result = await ctx.db.transaction(async (tx) => {
    const [deployment] = await tx.select().from(deployments).where(eq(deployments.id, data.deploymentId)).for("update");
    if (!deployment) throw new NotFoundError(`No deployment with id ${data.deploymentId}.`);
    const [environment] = await tx.select().from(environments).where(eq(environments.id, deployment.environmentId)).for("update");
    authorize(ctx, "environment.rollback", { type: "deployment", id: deployment.id, pipeline: await pipelineTarget(tx, environment!.pipelineId) });
    if (isCancellable(deployment.state)) {
      const now = ctx.clock.now();
      await transitionDeployment(tx, deployment.id, { from: deployment.state, to: "cancelled", set: { cancelledBy: ctx.actor.id, finishedAt: now, updatedAt: now } });
      await recordAudit(tx, ctx.actor, ctx.clock, { action: "deployment.abort", targetType: "deployment", targetId: deployment.id, reason: data.reason, data: { environment: environment!.name, state: deployment.state } });
      return { ...deployment, state: "cancelled" as const, cancelledBy: ctx.actor.id, finishedAt: now, updatedAt: now };
    }
    if (!isRollingOut(deployment.state)) throw new ConflictError(`This deployment is ${deployment.state}: there is nothing to abort.`, "not_in_progress");
    if (deployment.kind === "rollback") throw new ConflictError("A rollback in progress is the restore itself: it cannot be aborted.", "rollback_in_progress");
    return (await abortInFlight(tx, ctx, environment!, data.reason))!;
  });
  ctx.onWorkQueued?.();
  return result;
}
