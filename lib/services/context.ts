import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";

/** What every service call receives: where to read and write, who is acting, and what time it is. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  clock: Clock;
  /**
   * Called after a transaction that queued work for the controller (a deployment, a job, a
   * verification) has committed. The web server wires it to wake its in-process controller so a
   * promotion starts at once; without it the controller finds the work at its next poll.
   */
  onWorkQueued?: (() => void) | undefined;
}
