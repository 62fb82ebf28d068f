import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { controllerLeases } from "@/db/schema";

export class LostLeadershipError extends Error {
  constructor(token: number, current: number | undefined) {
    super(`This controller (fencing token ${token}) is no longer the leader${current !== undefined ? ` (the lease is at ${current})` : ""}; its writes are refused.`);
  }
}

/**
 * Runs controller writes in a transaction that first checks, under a share lock on the lease, that
 * `token` is still the current fencing token. A new leader bumping the token waits for this
 * transaction, and once it has, every write of the old leader is refused here.
 */
export async function fencedTransaction<T>(db: Db, token: number, run: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const [lease] = await tx.select({ token: controllerLeases.fencingToken }).from(controllerLeases).where(eq(controllerLeases.name, "controller")).for("share");
    if (!lease || lease.token !== token) throw new LostLeadershipError(token, lease?.token);
    return run(tx);
  });
}
