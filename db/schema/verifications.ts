import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { deployments } from "./deployments";
import { sqlList } from "./enums";
import { users } from "./identity";
import { environments } from "./pipeline";
import { releases } from "./releases";

/** pending: Slipway's own job has not run yet; running: it runs; passed / failed: the result. */
export const VERIFICATION_STATUSES = ["pending", "running", "passed", "failed"] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** ci: reported through the API; job: a verification job Slipway ran itself (slipway.yaml `verifications`). */
export const VERIFICATION_SOURCES = ["ci", "job"] as const;
export type VerificationSource = (typeof VERIFICATION_SOURCES)[number];

/**
 * A post-deploy result for one deployment (end-to-end tests against staging, …), one per name:
 * reporting the same name again replaces the result (a re-run). The `verified` gate of the next
 * environment reads them for the release in the previous environment.
 */
export const verifications = pgTable(
  "verifications",
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
    name: text("name").notNull(),
    status: text("status").notNull().$type<VerificationStatus>(),
    source: text("source").notNull().$type<VerificationSource>(),
    /** The run: a CI job's page, or Slipway's job run. */
    url: text("url"),
    summary: text("summary"),
    /** For source `job`: the app and job slipway.yaml names, and the job run that did it. */
    app: text("app"),
    job: text("job"),
    jobRunId: text("job_run_id"),
    reportedBy: text("reported_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("verifications_deployment_name_key").on(t.deploymentId, t.name),
    index("verifications_environment_release_idx").on(t.environmentId, t.releaseId),
    index("verifications_open_idx")
      .on(t.status)
      .where(sql`status in ('pending', 'running')`),
    check("verifications_status_check", sql.raw(`status in (${sqlList(VERIFICATION_STATUSES)})`)),
    check("verifications_source_check", sql.raw(`source in (${sqlList(VERIFICATION_SOURCES)})`)),
  ],
);

export type Verification = typeof verifications.$inferSelect;
