import type { Db } from "@/db/client";
import { decide, type Action, type Target } from "@/lib/auth/policy";
import type { Clock } from "@/lib/domain/clock";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "./audit";
import { ForbiddenError } from "./errors";
import type { ServiceContext } from "./context";

/** Throws ForbiddenError (naming what is missing) unless the policy allows the action. */
export function authorize(
  ctx: Pick<ServiceContext, "actor">,
  action: Action,
  target: Target & { type: string; id?: string | undefined } = { type: "pipeline" },
): void {
  const decision = decide(ctx.actor, action, target);
  if (!decision.allowed) {
    throw new ForbiddenError(`Not allowed: ${decision.reason}.`, { action, targetType: target.type, targetId: target.id });
  }
}

/**
 * Runs a service call and, when it is refused by the policy, records the denied attempt in the
 * audit trail. The refusal rolled the service's own transaction back, so the record is written in
 * a transaction of its own.
 */
export async function withDeniedAudit<T>(db: Db, actor: Actor, clock: Clock, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ForbiddenError) {
      await db
        .transaction((tx) =>
          recordAudit(tx, actor, clock, {
            action: error.attempt.action,
            targetType: error.attempt.targetType,
            targetId: error.attempt.targetId,
            outcome: "denied",
            reason: error.message,
          }),
        )
        .catch((auditError) => console.error("[audit] could not record a denied attempt:", auditError));
    }
    throw error;
  }
}
