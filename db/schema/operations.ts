import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique } from "drizzle-orm/pg-core";
import { HEALTH_STATUSES, INCIDENT_STATES, REQUEST_SOURCES, sqlList } from "./enums";
import type { HealthStatus, IncidentState, RequestSource } from "./enums";
import { users } from "./identity";
import { apps, environments, pipelines } from "./pipeline";

/**
 * Config variables per environment (and optionally per app). Secrets are stored only encrypted;
 * a review environment's copy of a secret points at its source instead of holding the value.
 */
export const configVariables = pgTable(
  "config_variables",
  {
    id: text("id").primaryKey(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    /** Null: applies to every app of the environment. */
    appId: text("app_id").references(() => apps.id),
    key: text("key").notNull(),
    value: text("value"),
    secret: boolean("secret").notNull().default(false),
    encryptedValue: text("encrypted_value"),
    /** Secrets copied by reference: the variable whose value this one uses. */
    sourceVariableId: text("source_variable_id"),
    version: integer("version").notNull().default(1),
    updatedBy: text("updated_by").references(() => users.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("config_variables_key").on(t.environmentId, t.appId, t.key).nullsNotDistinct()],
);

/** A period in which deployments stop: one-off or recurring (RRULE), on one environment or all. */
export const freezes = pgTable(
  "freezes",
  {
    id: text("id").primaryKey(),
    /** Null: every environment of `pipelineId`, or of every pipeline when that is null too ("stop the line"). */
    environmentId: text("environment_id").references(() => environments.id),
    /** Set (with environmentId null) for a freeze of one whole pipeline. */
    pipelineId: text("pipeline_id").references(() => pipelines.id),
    name: text("name").notNull(),
    reason: text("reason").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    /** Null: until lifted. */
    endsAt: timestamp("ends_at", { withTimezone: true }),
    rrule: text("rrule"),
    durationMs: bigint("duration_ms", { mode: "number" }),
    timezone: text("timezone"),
    /** `config` freezes come from slipway.yaml and are replaced when the file changes. */
    source: text("source").notNull().default("ui"),
    createdBy: text("created_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    liftedAt: timestamp("lifted_at", { withTimezone: true }),
    liftedBy: text("lifted_by").references(() => users.id),
    liftReason: text("lift_reason"),
  },
  (t) => [index("freezes_env_idx").on(t.environmentId, t.startsAt), check("freezes_scope_check", sql`environment_id is null or pipeline_id is null`)],
);

export const incidents = pgTable(
  "incidents",
  {
    id: text("id").primaryKey(),
    /** Null: an incident of every environment of `pipelineId`, or of the whole organisation when that is null too. */
    environmentId: text("environment_id").references(() => environments.id),
    /** Set (with environmentId null) for an incident of one whole pipeline. */
    pipelineId: text("pipeline_id").references(() => pipelines.id),
    title: text("title").notNull(),
    severity: text("severity").notNull().default("major"),
    state: text("state").notNull().$type<IncidentState>(),
    /** The incident tool's own id, for webhooks that open and close incidents. */
    externalId: text("external_id"),
    url: text("url"),
    openedVia: text("opened_via").notNull().$type<RequestSource>(),
    openedBy: text("opened_by").references(() => users.id),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedBy: text("resolved_by").references(() => users.id),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [
    index("incidents_env_open_idx")
      .on(t.environmentId)
      .where(sql`state = 'open'`),
    check("incidents_state_check", sql.raw(`state in (${sqlList(INCIDENT_STATES)})`)),
    check("incidents_scope_check", sql`environment_id is null or pipeline_id is null`),
    check("incidents_via_check", sql.raw(`opened_via in (${sqlList(REQUEST_SOURCES)})`)),
  ],
);

/** Health and traffic per app and environment, in time buckets, kept for a retention period. */
export const healthSamples = pgTable(
  "health_samples",
  {
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id),
    releaseId: text("release_id"),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    status: text("status").notNull().$type<HealthStatus>(),
    requests: integer("requests").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    p95Ms: integer("p95_ms"),
    checks: jsonb("checks"),
  },
  (t) => [
    // Per release: the minute a deployment finishes holds both releases' traffic apart, so a burn
    // rate after a deployment never counts the previous release's errors.
    unique("health_samples_bucket_key").on(t.environmentId, t.appId, t.bucketStart, t.releaseId).nullsNotDistinct(),
    index("health_samples_bucket_idx").on(t.bucketStart),
    check("health_samples_status_check", sql.raw(`status in (${sqlList(HEALTH_STATUSES)})`)),
  ],
);

/** One variable of a config snapshot: its value as the apps received it (secrets encrypted). */
export interface ConfigSnapshotEntry {
  key: string;
  /** Null: every app of the environment. */
  appId: string | null;
  secret: boolean;
  value: string | null;
  encryptedValue: string | null;
}

/**
 * An exact, immutable config version of an environment: every variable as a deployment handed it
 * to the platform. Each deployment records the one it runs with, so a rollback can restore a
 * release together with its config, and an edit not yet applied never rides along by accident.
 */
export const configSnapshots = pgTable(
  "config_snapshots",
  {
    id: text("id").primaryKey(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    /** 1, 2, 3… per environment. */
    version: integer("version").notNull(),
    entries: jsonb("entries").notNull().$type<ConfigSnapshotEntry[]>(),
    createdBy: text("created_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("config_snapshots_version_key").on(t.environmentId, t.version)],
);

export type ConfigSnapshot = typeof configSnapshots.$inferSelect;
export type ConfigVariable = typeof configVariables.$inferSelect;
export type Freeze = typeof freezes.$inferSelect;
export type Incident = typeof incidents.$inferSelect;
export type HealthSample = typeof healthSamples.$inferSelect;

/**
 * One-off jobs (migrations, seeds, hooks) run on exactly one instance: as a step of a deployment,
 * or by hand (a seed). Their output and exit status are kept.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: text("id").primaryKey(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id),
    job: text("job").notNull(),
    /** Why it ran: "migrations changed", "forced", "hook sync-branch", "by hand". */
    trigger: text("trigger").notNull(),
    deploymentId: text("deployment_id"),
    buildId: text("build_id"),
    requestedBy: text("requested_by").references(() => users.id),
    state: text("state").notNull().$type<"queued" | "running" | "succeeded" | "failed">(),
    exitCode: integer("exit_code"),
    output: text("output").notNull().default(""),
    durationMs: integer("duration_ms"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("job_runs_env_idx").on(t.environmentId, t.createdAt),
    index("job_runs_deployment_idx").on(t.deploymentId),
    index("job_runs_queued_idx")
      .on(t.state)
      .where(sql`state in ('queued', 'running')`),
  ],
);

/**
 * Outgoing notifications (chat and webhooks), kept until delivered so retries survive a restart
 * and a slow receiver never blocks a deployment.
 */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: text("id").primaryKey(),
    channel: text("channel").notNull(),
    event: text("event").notNull(),
    payload: jsonb("payload").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    failedAt: timestamp("failed_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("notification_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`delivered_at is null and failed_at is null`),
  ],
);

export type JobRun = typeof jobRuns.$inferSelect;
export type NotificationDelivery = typeof notificationDeliveries.$inferSelect;
