import { sql } from "drizzle-orm";
import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { deployments } from "./deployments";

/**
 * A Slipway deployment as reported to a change request's source control (a GitHub deployment
 * with its statuses, a GitLab deployment). One row per deployment and repository: the state we
 * want the provider to show (`desiredState`) and the last one it accepted (`reportedState`). A
 * reconciler sends what differs, in order, with retries; a provider that is down never holds up
 * a rollout.
 */
export const sourceControlDeployments = pgTable(
  "source_control_deployments",
  {
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    provider: text("provider").notNull().$type<"github" | "gitlab">(),
    /** `owner/name` (GitHub) or the project path (GitLab). */
    repository: text("repository").notNull(),
    environment: text("environment").notNull(),
    commit: text("commit").notNull(),
    ref: text("ref").notNull(),
    /** The provider's id for the deployment, once created (GitHub and GitLab both use numbers). */
    externalId: text("external_id"),
    desiredState: text("desired_state").notNull(),
    environmentUrl: text("environment_url"),
    reportedState: text("reported_state"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    lastError: text("last_error"),
    /** Given up after the last retry; a later state change tries again. */
    failedAt: timestamp("failed_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.deploymentId, t.provider, t.repository] }),
    index("source_control_deployments_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`reported_state is distinct from desired_state and failed_at is null`),
  ],
);

export type SourceControlDeployment = typeof sourceControlDeployments.$inferSelect;
