import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { ENVIRONMENT_KINDS, ENVIRONMENT_STATES, FAILING_HEALTH_STATUSES, GONE_ENVIRONMENT_STATES, HEALTH_STATUSES, REVIEW_VERDICTS, sqlList } from "./enums";
import type { EnvironmentKind, EnvironmentState, HealthStatus, ReviewVerdict } from "./enums";
import type { AppConfig, EnvironmentConfig, PipelineConfig } from "@/lib/config/schema";
import type { Drift } from "@/lib/domain/drift";
import { users } from "./identity";
import { teams } from "./teams";

/**
 * One product's delivery chain, as loaded from its pipeline file (`pipelines/<name>.yaml`, or
 * registered through `PUT /api/v1/pipelines/{name}`); the file stays the source of truth. Found by
 * `name`: environment and app names are unique only within a pipeline.
 */
export const pipelines = pgTable("pipelines", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** sha256 of the slipway.yaml text last loaded, so a start-up with an unchanged file writes nothing. */
  configHash: text("config_hash").notNull(),
  /** The pipeline file as parsed and checked (lib/config/schema.ts). */
  config: jsonb("config").notNull().$type<PipelineConfig>(),
  loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
  /** The team that owns the pipeline (from its YAML or set by an admin); null: no owner team. */
  teamId: text("team_id").references(() => teams.id),
});

export const apps = pgTable(
  "apps",
  {
    id: text("id").primaryKey(),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    name: text("name").notNull(),
    description: text("description"),
    position: integer("position").notNull(),
    /** The app's section of the pipeline file (lib/config/schema.ts); empty for apps written before it was kept. */
    settings: jsonb("settings").notNull().default({}).$type<Partial<AppConfig>>(),
    /** Set when the app disappears from slipway.yaml; its history stays. */
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  // A pipeline's apps in file order, (position, id) as every page of apps is keyed: an environment's
  // page of apps walks it and stops after a page; the board finds each column's first cell with it.
  (t) => [uniqueIndex("apps_pipeline_name_key").on(t.pipelineId, t.name), index("apps_pipeline_position_idx").on(t.pipelineId, t.position, t.id)],
);

export const environments = pgTable(
  "environments",
  {
    id: text("id").primaryKey(),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    name: text("name").notNull(),
    kind: text("kind").notNull().$type<EnvironmentKind>(),
    /** Place in the chain for fixed environments; null for review environments. */
    position: integer("position"),
    state: text("state").notNull().$type<EnvironmentState>(),
    platform: text("platform").notNull().default("local"),
    /** The environment's section of slipway.yaml (fixed) or its template (review). */
    settings: jsonb("settings").notNull().default({}).$type<Partial<EnvironmentConfig>>(),
    // Review environments: where they were cloned from, for which branch, whose, until when.
    sourceEnvironmentId: text("source_environment_id"),
    branch: text("branch"),
    /**
     * The repository the branch lives in when it is not the pipeline's own (a pull request from a
     * fork); null otherwise. A fork's branch never shares an environment with a same-named branch.
     */
    sourceRepository: text("source_repository"),
    ownerId: text("owner_id").references(() => users.id),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastRequestAt: timestamp("last_request_at", { withTimezone: true }),
    verdict: text("verdict").$type<ReviewVerdict>(),
    // A hold (set by a rollback) stops automation from deploying here until someone lifts it.
    heldAt: timestamp("held_at", { withTimezone: true }),
    heldBy: text("held_by").references(() => users.id),
    holdReason: text("hold_reason"),
    createdBy: text("created_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    tornDownAt: timestamp("torn_down_at", { withTimezone: true }),
  },
  (t) => [
    // A name is reused (within its pipeline) only once the environment holding it is gone; the old record stays for history.
    uniqueIndex("environments_live_name_key")
      .on(t.pipelineId, t.name)
      .where(sql.raw(`state not in (${sqlList(GONE_ENVIRONMENT_STATES)})`)),
    index("environments_pipeline_idx").on(t.pipelineId, t.kind, t.position),
    index("environments_owner_idx")
      .on(t.ownerId)
      .where(sql`kind = 'review'`),
    check("environments_kind_check", sql.raw(`kind in (${sqlList(ENVIRONMENT_KINDS)})`)),
    check("environments_state_check", sql.raw(`state in (${sqlList(ENVIRONMENT_STATES)})`)),
    check("environments_verdict_check", sql.raw(`verdict is null or verdict in (${sqlList(REVIEW_VERDICTS)})`)),
  ],
);

/**
 * What each app of each environment runs right now: one row per cell of the board, so the board is
 * one query. Written by the deployment that put the release there (and by health observations).
 */
export const environmentApps = pgTable(
  "environment_apps",
  {
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id),
    releaseId: text("release_id"),
    buildId: text("build_id"),
    deploymentId: text("deployment_id"),
    deployedAt: timestamp("deployed_at", { withTimezone: true }),
    deployedBy: text("deployed_by").references(() => users.id),
    /** The release that ran before, kept for rollback (warm where the strategy allows). */
    previousReleaseId: text("previous_release_id"),
    previousBuildId: text("previous_build_id"),
    /** Where a person opens this app in this environment. */
    url: text("url"),
    /** The previous release stays warm (blue-green) until then, for an instant rollback. */
    warmUntil: timestamp("warm_until", { withTimezone: true }),
    healthStatus: text("health_status").notNull().default("unknown").$type<HealthStatus>(),
    healthObservedAt: timestamp("health_observed_at", { withTimezone: true }),
    healthDetail: jsonb("health_detail"),
    /** What the platform really runs when it differs from what Slipway recorded; null when they agree. */
    drift: jsonb("drift").$type<Drift>(),
    driftObservedAt: timestamp("drift_observed_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.environmentId, t.appId] }),
    check("environment_apps_health_check", sql.raw(`health_status in (${sqlList(HEALTH_STATUSES)})`)),
    // The few failing cells, for "failing health" (portfolio filter, badges) without reading every cell.
    index("environment_apps_unhealthy_idx")
      .on(t.environmentId)
      .where(sql.raw(`health_status in (${sqlList(FAILING_HEALTH_STATUSES)})`)),
    // The few cells keeping a release warm: the controller asks for the expired ones on every pass
    // (about once a second), which without it scanned every cell (2,000 apps: ~20 ms of PostgreSQL each).
    index("environment_apps_warm_until_idx")
      .on(t.warmUntil)
      .where(sql`warm_until is not null`),
  ],
);

/** The delivery lead's verdicts on a review environment: the conversation kept on its page. */
export const reviewVerdicts = pgTable(
  "review_verdicts",
  {
    id: text("id").primaryKey(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    verdict: text("verdict").notNull().$type<ReviewVerdict>(),
    comment: text("comment").notNull().default(""),
    releaseId: text("release_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("review_verdicts_env_idx").on(t.environmentId, t.createdAt), check("review_verdicts_verdict_check", sql.raw(`verdict in (${sqlList(REVIEW_VERDICTS)})`))],
);

/**
 * A change request (GitHub pull request, GitLab merge request) and the review environment it
 * references. An environment is torn down by source control only when none of its requests is
 * still open; a request opened before its branch had a release waits here with no environment.
 */
export const reviewChangeRequests = pgTable(
  "review_change_requests",
  {
    provider: text("provider").notNull(),
    /** The repository the request was opened against (`owner/name`; "" when the provider did not say). */
    repository: text("repository").notNull(),
    number: integer("number").notNull(),
    /** Where the head branch lives: the same repository, or a fork. */
    headRepository: text("head_repository").notNull(),
    branch: text("branch").notNull(),
    /** The head commit when the request was last opened or updated. */
    headCommit: text("head_commit").notNull(),
    environmentId: text("environment_id").references(() => environments.id),
    state: text("state").notNull().$type<"open" | "closed">(),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.repository, t.number] }),
    index("review_change_requests_env_idx").on(t.environmentId, t.state),
    index("review_change_requests_branch_idx").on(t.branch, t.state),
    check("review_change_requests_state_check", sql`state in ('open', 'closed')`),
  ],
);

export type ReviewChangeRequest = typeof reviewChangeRequests.$inferSelect;
export type Pipeline = typeof pipelines.$inferSelect;
export type App = typeof apps.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type EnvironmentApp = typeof environmentApps.$inferSelect;
