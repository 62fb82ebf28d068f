import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { wakeController } from "@/lib/controller/wakeup";
import type { ServiceContext } from "@/lib/services/context";

/**
 * The service context of one web request (a server action or an API call): the wall clock, and
 * work queued by the request wakes this process's controller once the transaction has committed.
 */
export function requestContext(db: Db, actor: Actor): ServiceContext {
  return { db, actor, clock: systemClock, onWorkQueued: wakeController };
}
