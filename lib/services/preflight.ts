import { LIMITS } from "@/lib/limits";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { checklistTicks, deployments, environments } from "@/db/schema";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError, ValidationError } from "./errors";
import type { RecordedOverride } from "./gate-queries";
import { checklistItemName } from "@/lib/domain/gates";
import { id } from "./schemas";
import { parseInput } from "./validation";
import { pipelineTarget } from "./pipeline-scope";

export const tickInput = z.strictObject({ deploymentId: id, item: z.string().min(1).max(500), ticked: z.boolean().default(true) }).meta({ id: "ChecklistTick" });

export const overrideInput = z
  .strictObject({
    deploymentId: id,
    gate: z.enum(["window", "freeze"]),
    reason: z
      .string()
      .trim()
      .min(3, { error: "say why it must go out now (at least 3 characters)" })
      .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` }),
  })
  .meta({ id: "GateOverride" });

async function waitingDeployment(ctx: ServiceContext, deploymentId: string) {
  const [deployment] = await ctx.db.select().from(deployments).where(eq(deployments.id, deploymentId)).for("update");
  if (!deployment) throw new NotFoundError(`No deployment with id ${deploymentId}.`);
  if (deployment.state !== "waiting" && deployment.state !== "queued") throw new ConflictError(`This deployment is ${deployment.state}: its gates are settled.`, "not_waiting");
  const environment = (await ctx.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
  return { deployment, environment, config: environment.settings };
}

/**
 * Ticks (or unticks) one pre-flight checklist item; who ticked what is recorded.
 *
 * @returns nothing; the item is ticked (or unticked) and the gates are looked at again
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `not_waiting`
 */
export async function tickChecklist(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "deployment.checklist", "deployment");
  const data = parseInput(tickInput, input);
  await ctx.db.transaction(async (tx) => {
    const { deployment, environment, config } = await waitingDeployment({ ...ctx, db: tx }, data.deploymentId);
    authorize(ctx, "deployment.checklist", { type: "deployment", id: deployment.id, requestedBy: deployment.requestedBy, pipeline: await pipelineTarget(tx, environment.pipelineId) });
    const items = (config.gates?.checklist ?? []).map(checklistItemName);
    if (!items.includes(data.item)) throw new ValidationError(`"${data.item}" is not on ${environment.name}'s checklist.`, { item: `expected one of: ${items.join("; ") || "(no checklist)"}` });
    const where = and(eq(checklistTicks.deploymentId, deployment.id), eq(checklistTicks.item, data.item));
    if (data.ticked) {
      await tx
        .insert(checklistTicks)
        .values({ id: newId("chk"), deploymentId: deployment.id, item: data.item, userId: ctx.actor.id, tickedAt: ctx.clock.now() })
        .onConflictDoNothing();
    } else {
      await tx.delete(checklistTicks).where(where);
    }
    await recordAudit(tx, ctx.actor, ctx.clock, { action: data.ticked ? "checklist.tick" : "checklist.untick", targetType: "deployment", targetId: deployment.id, data: { item: data.item } });
  });
  ctx.onWorkQueued?.();
}

/**
 * Overrides a closed window or an active freeze for one deployment: only roles slipway.yaml allows,
 * always with a reason; audited and kept with the deployment so its history shows it.
 *
 * @returns nothing; the gate is waived for this deployment, with the reason audited
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `not_waiting`; 422 `already_overridden`
 */
export async function overrideGate(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "gate.override", "deployment");
  const data = parseInput(overrideInput, input);
  await ctx.db.transaction(async (tx) => {
    const { deployment, environment, config } = await waitingDeployment({ ...ctx, db: tx }, data.deploymentId);
    authorize(ctx, "gate.override", { type: "deployment", id: deployment.id, overrideRoles: config.overrides?.roles ?? [], pipeline: await pipelineTarget(tx, environment.pipelineId) });
    const recorded = deployment.overrides;
    if (recorded.some((o) => o.gate === data.gate)) throw new RuleError(`The ${data.gate} gate of this deployment is already overridden.`, "already_overridden");
    const override: RecordedOverride = { gate: data.gate, by: ctx.actor.name, byId: ctx.actor.id, reason: data.reason, at: ctx.clock.now().toISOString() };
    await tx
      .update(deployments)
      .set({ overrides: [...recorded, override], updatedAt: ctx.clock.now() })
      .where(eq(deployments.id, deployment.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "gate.override", targetType: "deployment", targetId: deployment.id, reason: data.reason, data: { gate: data.gate, environment: environment.name } });
  });
  ctx.onWorkQueued?.();
}
