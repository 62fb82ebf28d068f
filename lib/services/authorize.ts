import type { Db } from "@/db/client";
import { decide, decideKind, type Action, type Target } from "@/lib/auth/policy";
import type { Clock } from "@/lib/domain/clock";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "./audit";
import { ForbiddenError } from "./errors";
import type { ServiceContext } from "./context";

/** Throws ForbiddenError (naming what is missing) unless the policy allows the action. */
export function authorize(ctx: Pick<ServiceContext, "actor">, action: Action, target: Target & { type: string; id?: string | undefined } = { type: "pipeline" }): void {
  const decision = decide(ctx.actor, action, target);
  if (!decision.allowed) {
    throw new ForbiddenError(`Not allowed: ${decision.reason}.`, { action, targetType: target.type, targetId: target.id });
  }
}

/**
 * The first thing every mutation does, before its input is looked up (or even parsed): may the
 * actor do this action to a target of this kind at all? A refusal is the same 403 whether or not
 * the named target exists, so it tells nothing about what exists. `authorize` with the target's
 * facts follows once it is loaded.
 *
 * @param targetType what the action aims at (`deployment`, `environment`, …), for the audit record
 * @throws ForbiddenError naming what is missing
 */
export function authorizeKind(ctx: Pick<ServiceContext, "actor">, action: Action, targetType: string, known: Pick<Target, "role"> = {}): void {
  const decision = decideKind(ctx.actor, action, known);
  if (!decision.allowed) throw new ForbiddenError(`Not allowed: ${decision.reason}.`, { action, targetType });
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
            // What the caller named, refused: bounded, as a refused read can be asked for at will.
            targetId: error.attempt.targetId?.slice(0, 200),
            outcome: "denied",
            reason: error.message,
          }),
        )
        .catch((auditError) => console.error("[audit] could not record a denied attempt:", auditError));
    }
    throw error;
  }
}
