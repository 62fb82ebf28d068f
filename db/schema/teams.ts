import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { users } from "./identity";

/**
 * A group of people that owns pipelines (`pipelines.team_id`). Roles are granted per team in
 * `role_memberships` (scope `team`, scope_id = the team's id). `name` is a DNS label used in URLs
 * and the API; `oidc_group`, when set, is the identity provider's group whose members join the team
 * at sign-in (SLIPWAY_OIDC_GROUPS_CLAIM).
 */
export const teams = pgTable("teams", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  displayName: text("display_name").notNull(),
  oidcGroup: text("oidc_group").unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  createdBy: text("created_by").references(() => users.id),
});

export type Team = typeof teams.$inferSelect;
