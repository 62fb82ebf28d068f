import type { SlipwayEventName } from "./events";
import { signPayload } from "./signature";

/** The JSON body of a generic webhook. `id` is the delivery id: the same on every retry. */
export interface WebhookBody {
  id: string;
  event: SlipwayEventName;
  occurredAt: string;
  data: unknown;
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * The signed request for one webhook delivery. The timestamp is the time of this attempt (so a
 * retry hours later still passes the receiver's freshness check); the delivery id stays the same.
 */
export function buildWebhookRequest(input: { deliveryId: string; event: SlipwayEventName; occurredAt: string; data: unknown; secret: string; now: Date }): WebhookRequest {
  const payload: WebhookBody = { id: input.deliveryId, event: input.event, occurredAt: input.occurredAt, data: input.data };
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "Slipway-Webhooks/1",
      "X-Slipway-Event": input.event,
      "X-Slipway-Delivery": input.deliveryId,
      "X-Slipway-Timestamp": String(timestamp),
      "X-Slipway-Signature": signPayload(input.secret, timestamp, body),
    },
  };
}
