import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { notificationDeliveries } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";

/** Rows deleted per statement when pruning. */
export const PRUNE_BATCH = 5_000;

/** Notification deliveries that were delivered or gave up are kept this long (then pruned). */
export const NOTIFICATION_RETENTION_MS = 30 * 86_400_000;

/**
 * Runs `deleteBatch` until it deletes fewer than `batchSize` rows; returns how many went in all.
 * Each batch is its own statement: a big backlog never becomes one long transaction.
 */
export async function deleteInBatches(deleteBatch: () => Promise<unknown[]>, batchSize: number): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  let total = 0;
  for (;;) {
    const deleted = (await deleteBatch()).length;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * Deletes notification deliveries finished (delivered, or failed for good) before the retention
 * period, `batchSize` per statement. Deliveries still due are never pruned, however old. Returns
 * how many went.
 */
export async function pruneNotificationDeliveries(db: Db, clock: Clock, retentionMs = NOTIFICATION_RETENTION_MS, batchSize = PRUNE_BATCH): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - retentionMs);
  const t = notificationDeliveries;
  return deleteInBatches(
    () =>
      db
        .delete(t)
        .where(sql`${t.id} in (select id from ${t} where coalesce(${t.deliveredAt}, ${t.failedAt}) < ${cutoff} limit ${batchSize})`)
        .returning({ id: t.id }),
    batchSize,
  );
}
