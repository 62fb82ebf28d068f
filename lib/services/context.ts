import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";

/** What every service call receives: where to read and write, who is acting, and what time it is. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  clock: Clock;
}
