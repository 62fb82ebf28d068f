import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { users } from "./identity";
import { apps, environments, pipelines } from "./pipeline";

export interface BuildTests {
  passed: boolean;
  total?: number | undefined;
  failed?: number | undefined;
  url?: string | undefined;
}

/** One immutable artifact of one app, registered by CI. Never changed after registration. */
export const builds = pgTable(
  "builds",
  {
    id: text("id").primaryKey(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id),
    version: text("version").notNull(),
    commit: text("commit").notNull(),
    branch: text("branch").notNull(),
    /** `sha256:<64 hex>` of the artifact: the digest that runs is the digest that was registered. */
    digest: text("digest").notNull(),
    /** Where the platform finds the artifact (a path or an image reference). */
    artifact: text("artifact"),
    ciUrl: text("ci_url"),
    tests: jsonb("tests").$type<BuildTests>(),
    changedFiles: jsonb("changed_files").$type<string[]>(),
    /** Labels CI put on the build ("iam", "payments"); null when CI sent none (unknown: counts as risky for a `when: { labels }`). */
    labels: jsonb("labels").$type<string[]>(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A version names one artifact for good: registering it again with another digest is a conflict.
    uniqueIndex("builds_app_version_key").on(t.appId, t.version),
    index("builds_app_created_idx").on(t.appId, t.createdAt),
    index("builds_commit_idx").on(t.commit),
    index("builds_created_idx").on(t.createdAt, t.id),
  ],
);

/** The unit that moves through the chain: one build per app, identified by its commit. */
export const releases = pgTable(
  "releases",
  {
    id: text("id").primaryKey(),
    pipelineId: text("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    commit: text("commit").notNull(),
    branch: text("branch").notNull(),
    /** Where the builds of apps the request did not name were taken from. */
    sourceEnvironmentId: text("source_environment_id").references(() => environments.id),
    /**
     * Commit order, as CI knows it (any of the three; all null when CI sent none). Slipway's
     * automation never moves an environment to a release it cannot show to be newer than what runs.
     */
    committedAt: timestamp("committed_at", { withTimezone: true }),
    /** The commit's parent SHAs (lower case), to tell ancestry between releases. */
    parentCommits: jsonb("parent_commits").$type<string[]>(),
    /** A number CI increases with every build of the pipeline (e.g. GITHUB_RUN_NUMBER). */
    buildNumber: bigint("build_number", { mode: "number" }),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("releases_pipeline_commit_key").on(t.pipelineId, t.commit),
    index("releases_created_idx").on(t.createdAt, t.id),
    index("releases_branch_idx").on(t.branch, t.createdAt),
    // Auto-promotion reads each pipeline's entry branch's newest releases (every 5 s): by pipeline
    // first, a branch shared by 50 pipelines costs 50 index entries each, not the branch's whole history.
    index("releases_pipeline_branch_idx").on(t.pipelineId, t.branch, t.createdAt, t.id),
    // The commit graph (parentGraph): the newest releases that carry parents. Without it, when few
    // or none do (CI that sends no parents), every read scanned the whole table (86 ms at 206,000).
    index("releases_with_parents_idx")
      .on(t.createdAt)
      .where(sql`parent_commits is not null`),
  ],
);

export const releaseBuilds = pgTable(
  "release_builds",
  {
    releaseId: text("release_id")
      .notNull()
      .references(() => releases.id),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id),
    buildId: text("build_id")
      .notNull()
      .references(() => builds.id),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.appId] }), index("release_builds_build_idx").on(t.buildId)],
);

export type Build = typeof builds.$inferSelect;
export type Release = typeof releases.$inferSelect;
