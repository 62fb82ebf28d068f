import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { ACTIVE_DEPLOYMENT_STATES, APPROVAL_DECISIONS, DEPLOYMENT_KINDS, DEPLOYMENT_STATES, GATE_KINDS, GATE_STATUSES, REQUEST_SOURCES, ROLLING_OUT_DEPLOYMENT_STATES, STEP_STATES, STRATEGIES, sqlList } from "./enums";
import type { ApprovalDecision, DeploymentKind, DeploymentState, GateKind, GateStatus, RequestSource, StepState, Strategy } from "./enums";
import type { Role } from "@/lib/domain/roles";
import { users } from "./identity";
import { apps, environments } from "./pipeline";
import { releases } from "./releases";
import { configSnapshots } from "./operations";
import type { DeploymentDetailData, RecordedOverride } from "@/lib/domain/deployment-detail";

/** One attempt to put a release into an environment. Advanced by the controller, never by a request. */
export const deployments = pgTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    releaseId: text("release_id")
      .notNull()
      .references(() => releases.id),
    kind: text("kind").notNull().$type<DeploymentKind>(),
    state: text("state").notNull().$type<DeploymentState>(),
    strategy: text("strategy").$type<Strategy>(),
    /** The environment the release was promoted from (null for the first environment and rollbacks). */
    fromEnvironmentId: text("from_environment_id").references(() => environments.id),
    /** What the environment ran when this was requested: the way back. */
    previousReleaseId: text("previous_release_id").references(() => releases.id),
    requestedBy: text("requested_by")
      .notNull()
      .references(() => users.id),
    requestedVia: text("requested_via").notNull().$type<RequestSource>(),
    reason: text("reason"),
    idempotencyKey: text("idempotency_key"),
    /** The exact config version it runs with (null only for deployments made before versions were kept). */
    configSnapshotId: text("config_snapshot_id").references(() => configSnapshots.id),
    /** Run migrations even when no migration path changed. */
    forceMigrations: boolean("force_migrations").notNull().default(false),
    /** Window/freeze overrides granted for this deployment: who, which gate, why. */
    overrides: jsonb("overrides").notNull().default([]).$type<RecordedOverride[]>(),
    failureReason: text("failure_reason"),
    /** Facts about how it came to be or ended: the figures behind an automatic rollback, skipped environments of a fast-track, maintenance time. */
    detail: jsonb("detail").notNull().default({}).$type<DeploymentDetailData>(),
    supersededById: text("superseded_by_id"),
    cancelledBy: text("cancelled_by").references(() => users.id),
    /** Fencing token of the controller leader that last wrote this row; older leaders are refused. */
    fencingToken: bigint("fencing_token", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The database itself guarantees one rollout at a time per environment.
    uniqueIndex("deployments_one_rolling_out_key")
      .on(t.environmentId)
      .where(sql.raw(`state in (${sqlList(ROLLING_OUT_DEPLOYMENT_STATES)})`)),
    index("deployments_env_created_idx").on(t.environmentId, t.createdAt),
    // Delivery metrics read "what ended in the period" per environment: by index, whatever the history's size.
    index("deployments_env_ended_idx").on(t.environmentId, sql`coalesce(${t.finishedAt}, ${t.createdAt})`),
    index("deployments_active_idx")
      .on(t.state, t.createdAt)
      .where(sql.raw(`state in (${sqlList(ACTIVE_DEPLOYMENT_STATES)})`)),
    index("deployments_created_idx").on(t.createdAt, t.id),
    index("deployments_release_idx").on(t.releaseId),
    index("deployments_requested_by_idx").on(t.requestedBy, t.createdAt),
    check("deployments_kind_check", sql.raw(`kind in (${sqlList(DEPLOYMENT_KINDS)})`)),
    check("deployments_state_check", sql.raw(`state in (${sqlList(DEPLOYMENT_STATES)})`)),
    check("deployments_strategy_check", sql.raw(`strategy is null or strategy in (${sqlList(STRATEGIES)})`)),
    check("deployments_via_check", sql.raw(`requested_via in (${sqlList(REQUEST_SOURCES)})`)),
  ],
);

/** The ordered steps of a deployment, each with its own start, end, outcome and log excerpt. */
export const deploymentSteps = pgTable(
  "deployment_steps",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    appId: text("app_id").references(() => apps.id),
    state: text("state").notNull().$type<StepState>(),
    attempts: integer("attempts").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    log: text("log").notNull().default(""),
    detail: jsonb("detail"),
  },
  (t) => [uniqueIndex("deployment_steps_position_key").on(t.deploymentId, t.position), check("deployment_steps_state_check", sql.raw(`state in (${sqlList(STEP_STATES)})`))],
);

/** The latest evaluation of each gate of a deployment, with its reason. */
export const gateResults = pgTable(
  "gate_results",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    gate: text("gate").notNull().$type<GateKind>(),
    status: text("status").notNull().$type<GateStatus>(),
    reason: text("reason").notNull(),
    /** The figures behind the verdict, per gate (lib/domain/gates). */
    detail: jsonb("detail").$type<Record<string, unknown>>(),
    evaluatedAt: timestamp("evaluated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("gate_results_deployment_gate_key").on(t.deploymentId, t.gate),
    check("gate_results_gate_check", sql.raw(`gate in (${sqlList(GATE_KINDS)})`)),
    check("gate_results_status_check", sql.raw(`status in (${sqlList(GATE_STATUSES)})`)),
  ],
);

/**
 * A person's decision on one deployment, made in one role. Bound to the release and environment it
 * was given for; voided (not deleted) when either changes or it expires.
 */
export const approvals = pgTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id),
    releaseId: text("release_id")
      .notNull()
      .references(() => releases.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role").notNull().$type<Role>(),
    decision: text("decision").notNull().$type<ApprovalDecision>(),
    comment: text("comment"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    voidedAt: timestamp("voided_at", { withTimezone: true }),
    voidReason: text("void_reason"),
  },
  (t) => [
    // One person gives one live decision per deployment, whatever roles they hold.
    uniqueIndex("approvals_one_per_person_key")
      .on(t.deploymentId, t.userId)
      .where(sql`voided_at is null`),
    index("approvals_deployment_idx").on(t.deploymentId),
    check("approvals_decision_check", sql.raw(`decision in (${sqlList(APPROVAL_DECISIONS)})`)),
  ],
);

/** Pre-flight checklist items ticked by the requester: who ticked what, when. */
export const checklistTicks = pgTable(
  "checklist_ticks",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    item: text("item").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tickedAt: timestamp("ticked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("checklist_ticks_item_key").on(t.deploymentId, t.item)],
);

export type Deployment = typeof deployments.$inferSelect;
export type DeploymentStep = typeof deploymentSteps.$inferSelect;
export type GateResult = typeof gateResults.$inferSelect;
export type Approval = typeof approvals.$inferSelect;
