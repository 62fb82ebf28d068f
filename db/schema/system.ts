import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/** Responses of mutating API requests by Idempotency-Key, replayed for 24 hours. */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    response: jsonb("response").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Controller leadership: the holder of the advisory lock records itself here with a fencing token. */
export const controllerLeases = pgTable("controller_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  fencingToken: bigint("fencing_token", { mode: "number" }).notNull(),
  acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull(),
});

/** Small facts about this installation (e.g. when demo data was loaded). */
export const slipwayMeta = pgTable("slipway_meta", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
