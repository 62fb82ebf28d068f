import { createHash } from "node:crypto";
import { lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { ConflictError } from "./errors";

export type WebhookSource = "incident" | "github" | "gitlab";

/** How long a delivery is remembered, per source, in seconds. */
export const DELIVERY_MEMORY_SECONDS: Record<WebhookSource, number> = {
  // Our signature covers its timestamp, which is accepted ±300 s: after 10 minutes (plus margin)
  // a replay fails the timestamp check anyway.
  incident: 15 * 60,
  // GitHub's signature and GitLab's token carry no time: remember much longer.
  github: 30 * 24 * 3600,
  gitlab: 30 * 24 * 3600,
};

/** The keys one delivery is remembered by: its id (when the sender gives one) and its signature or body. */
export function deliveryKeys(input: { deliveryId?: string | null | undefined; signature?: string | null | undefined; rawBody: string }): string[] {
  const keys: string[] = [];
  const id = input.deliveryId?.trim();
  if (id) keys.push(`id:${id.slice(0, 200)}`);
  // The delivery id header is not signed: a replay with a fresh id is still caught by what is.
  if (input.signature?.trim()) keys.push(`sig:${input.signature.trim().toLowerCase().slice(0, 200)}`);
  else keys.push(`body:${createHash("sha256").update(input.rawBody, "utf8").digest("hex")}`);
  return keys;
}

/**
 * Claims a webhook delivery inside the transaction that applies it, so it is applied at most once
 * (and a failed application does not use it up). Forgets deliveries past their memory.
 *
 * @param keys from `deliveryKeys`; any one already remembered makes this a replay
 * @throws ConflictError (409, code `replayed_delivery`) when the delivery was accepted before
 */
export async function claimWebhookDelivery(tx: Db, clock: Clock, source: WebhookSource, keys: string[]): Promise<void> {
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + DELIVERY_MEMORY_SECONDS[source] * 1000);
  await tx.delete(webhookDeliveries).where(lt(webhookDeliveries.expiresAt, now));
  for (const key of keys) {
    const claimed = await tx
      .insert(webhookDeliveries)
      .values({ source, key, receivedAt: now, expiresAt })
      .onConflictDoUpdate({
        target: [webhookDeliveries.source, webhookDeliveries.key],
        set: { receivedAt: now, expiresAt },
        setWhere: sql`${webhookDeliveries.expiresAt} < ${now}`,
      })
      .returning({ key: webhookDeliveries.key });
    if (claimed.length === 0) {
      throw new ConflictError(
        `This ${source} webhook delivery was already accepted (${key.split(":")[0] === "id" ? "same delivery id" : "same signed content"}); a delivery is applied once. Send a new delivery, signed afresh, to repeat it.`,
        "replayed_delivery",
      );
    }
  }
}

/**
 * Applies a webhook delivery once: claims it and runs `apply` in one transaction.
 *
 * @throws ConflictError (409 `replayed_delivery`) for a delivery already accepted; whatever `apply` throws
 */
export async function oncePerDelivery<T>(db: Db, clock: Clock, source: WebhookSource, keys: string[], apply: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await claimWebhookDelivery(tx, clock, source, keys);
    return apply(tx);
  });
}
