import { sql } from "drizzle-orm";
import { check, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { GRANT_SCOPES, ROLES } from "@/lib/domain/roles";
import { sqlList } from "./enums";

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** A disabled user can no longer sign in, use tokens or give approvals; their history stays. */
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("users_email_key").on(sql`lower(${t.email})`)],
);

export const roleMemberships = pgTable(
  "role_memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role").notNull().$type<(typeof ROLES)[number]>(),
    /** Where the role applies: everywhere, in one team's pipelines, or in one pipeline. */
    scope: text("scope").notNull().default("global").$type<(typeof GRANT_SCOPES)[number]>(),
    /** The team's or pipeline's id; '' for a global grant (part of the primary key, so never null). */
    scopeId: text("scope_id").notNull().default(""),
    grantedBy: text("granted_by").references(() => users.id),
    grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.role, t.scope, t.scopeId] }),
    check("role_memberships_role_check", sql.raw(`role in (${sqlList(ROLES)})`)),
    check("role_memberships_scope_check", sql.raw(`scope in (${sqlList(GRANT_SCOPES)}) and ((scope = 'global') = (scope_id = ''))`)),
    index("role_memberships_scope_idx").on(t.scope, t.scopeId),
  ],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    /** sha256 of the token; the token itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull(),
    /** The first characters of the token, so people can tell their tokens apart. */
    prefix: text("prefix").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: text("revoked_by").references(() => users.id),
    /**
     * The roles the token may act with, a subset of its owner's; null means all the owner's roles.
     * Either way the token never acts with a role its owner no longer holds.
     */
    roles: text("roles").array().$type<(typeof ROLES)[number][]>(),
    /**
     * The pipeline (id) the token is restricted to; null: every pipeline its owner's roles reach.
     * No foreign key: pipeline.ts imports this file; createToken checks the pipeline exists.
     */
    pipelineId: text("pipeline_id"),
  },
  (t) => [uniqueIndex("api_tokens_hash_key").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
