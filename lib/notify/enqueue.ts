import { v7 as uuidv7 } from "uuid";
import type { Db } from "@/db/client";
import { notificationDeliveries } from "@/db/schema";
import type { NotificationChannel } from "@/lib/config/schema";
import { subscribes, type SlipwayEvent } from "./events";

/** What notification_deliveries.payload holds: the event's data and when it happened. */
export interface StoredPayload {
  occurredAt: string;
  data: unknown;
}

/** `ntf_…`, time-ordered like the ids of lib/ids.ts. */
export function newDeliveryId(at: Date): string {
  return `ntf_${uuidv7({ msecs: at.getTime() }).replaceAll("-", "")}`;
}

/**
 * Queues one delivery per channel subscribed to the event, due at once. Call it inside the
 * transaction of the change it announces: a change that rolls back announces nothing, and one that
 * commits is announced even if the process dies right after (the controller's dispatcher sends it).
 * Returns how many deliveries were queued.
 */
export async function enqueueNotification(tx: Db, channels: NotificationChannel[], event: SlipwayEvent, now: Date): Promise<number> {
  const targets = channels.filter((channel) => subscribes(channel, event.event));
  if (targets.length === 0) return 0;
  // A JSON round trip keeps the stored payload plain: no undefined, no Date objects, no prototypes.
  const payload: StoredPayload = JSON.parse(JSON.stringify({ occurredAt: now.toISOString(), data: event.data }));
  await tx.insert(notificationDeliveries).values(
    targets.map((channel) => ({
      id: newDeliveryId(now),
      channel: channel.name,
      event: event.event,
      payload,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
  return targets.length;
}
