import { automationActor, type Actor } from "@/lib/auth/actor";

/** Who sent a webhook, for the audit trail. */
export interface WebhookSender {
  ip?: string | undefined;
  /** The sender's User-Agent (which tool). */
  userAgent?: string | undefined;
}

/** Slipway's automation, acting on behalf of a signed webhook (an incident tool, source control). */
export function webhookActor(sender: WebhookSender = {}): Actor {
  return { ...automationActor(), via: "webhook", ip: sender.ip };
}
