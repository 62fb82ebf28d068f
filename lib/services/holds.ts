import { LIMITS } from "@/lib/limits";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { environments } from "@/db/schema";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, RuleError } from "./errors";
import { environmentRef } from "./schemas";
import { parseInput } from "./validation";
import { findLiveEnvironment, pipelineTarget, qualifiedName } from "./pipeline-scope";

export const liftHoldInput = z
  .strictObject({
    environment: environmentRef,
    reason: z
      .string()
      .trim()
      .min(3, { error: "say why the hold can go (at least 3 characters)" })
      .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` }),
  })
  .meta({ id: "LiftHold" });

/**
 * Lifts the hold a rollback put on an environment, so automation may deploy there again.
 *
 * @returns nothing; the environment takes deployments again
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`; 422 `not_held`
 */
export async function liftHold(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "environment.hold.lift", "environment");
  const data = parseInput(liftHoldInput, input);
  await ctx.db.transaction(async (tx) => {
    const environment = await findLiveEnvironment(tx, data.environment, { lock: true });
    if (!environment) throw new NotFoundError(`No environment named "${data.environment}".`);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "environment.hold.lift", { type: "environment", id: ref, pipeline });
    if (!environment.heldAt) throw new RuleError(`${environment.name} is not on hold.`, "not_held");
    await tx.update(environments).set({ heldAt: null, heldBy: null, holdReason: null }).where(eq(environments.id, environment.id));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "environment.hold.lift",
      targetType: "environment",
      targetId: ref,
      reason: data.reason,
      data: { heldSince: environment.heldAt.toISOString(), holdReason: environment.holdReason },
    });
  });
}
