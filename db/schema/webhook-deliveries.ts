import { index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Signed webhook deliveries already accepted, remembered while a replay of them could still
 * authenticate: each delivery (by id, and by its signature or body hash) is applied once.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** `incident`, `github` or `gitlab`. */
    source: text("source").notNull(),
    /** `id:<delivery id>`, `sig:<signature>` or `body:<sha256 of the body>`. */
    key: text("key").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
    /** After this a replay could no longer authenticate (or the record is no longer kept). */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.key] }), index("webhook_deliveries_expires_idx").on(t.expiresAt)],
);
