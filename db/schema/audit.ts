import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { REQUEST_SOURCES, sqlList } from "./enums";
import type { RequestSource } from "./enums";

export const AUDIT_OUTCOMES = ["allowed", "denied"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * The audit trail: who did what, to what, when, why and from where. Append-only: a trigger in the
 * migrations refuses UPDATE, DELETE and TRUNCATE. Each event carries the hash of the one before it,
 * so an edit made around the trigger (by a superuser) is still detectable.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    id: text("id").notNull().unique(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    /** Null for events without a person (a webhook, the system itself). */
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    outcome: text("outcome").notNull().$type<AuditOutcome>(),
    reason: text("reason"),
    /** What the action was about, as the service recorded it (any JSON object). */
    data: jsonb("data").notNull().default({}).$type<Record<string, unknown>>(),
    source: text("source").notNull().$type<RequestSource>(),
    ip: text("ip"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_actor_idx").on(t.actorId, t.at),
    index("audit_events_target_idx").on(t.targetType, t.targetId, t.at),
    // The trail filtered by action, newest first: "starts with" (text_pattern_ops serves `like 'x%'`
    // under any collation) and ordered by seq, so a rare action is read from the index, not found by
    // walking the whole trail; it replaces (action, at), which no query ordered by.
    index("audit_events_action_seq_idx").using("btree", t.action.op("text_pattern_ops"), t.seq),
    check("audit_events_outcome_check", sql.raw(`outcome in ('allowed', 'denied')`)),
    check("audit_events_source_check", sql.raw(`source in (${sqlList(REQUEST_SOURCES)})`)),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;

/**
 * The audit chain's head — the newest event's sequence and hash — kept apart from the trail: a
 * trigger (migrations) advances it on every insert, only forwards, and the application's role may
 * only read it. Removing events from the end of the trail leaves the head pointing past them, so
 * verification notices a truncated tail the chain alone could not show.
 */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  name: text("name").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull(),
});
