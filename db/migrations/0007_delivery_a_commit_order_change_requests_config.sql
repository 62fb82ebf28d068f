CREATE TABLE "review_change_requests" (
	"provider" text NOT NULL,
	"repository" text NOT NULL,
	"number" integer NOT NULL,
	"head_repository" text NOT NULL,
	"branch" text NOT NULL,
	"head_commit" text NOT NULL,
	"environment_id" text,
	"state" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "review_change_requests_provider_repository_number_pk" PRIMARY KEY("provider","repository","number"),
	CONSTRAINT "review_change_requests_state_check" CHECK (state in ('open', 'closed'))
);
--> statement-breakpoint
CREATE TABLE "config_snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"version" integer NOT NULL,
	"entries" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "config_snapshots_version_key" UNIQUE("environment_id","version")
);
--> statement-breakpoint
-- Pull requests that waited for their branch's first release (review_requests, one per branch)
-- become open change requests with no environment yet. The provider did not say which repository
-- they belong to, so it is recorded as '' (the pipeline's own repository), head included.
INSERT INTO "review_change_requests" ("provider", "repository", "number", "head_repository", "branch", "head_commit", "environment_id", "state", "opened_at", "updated_at")
SELECT "provider", '', "number", '', "branch", "commit", NULL, 'open', "requested_at", "requested_at"
FROM "review_requests"
ON CONFLICT DO NOTHING;--> statement-breakpoint
DROP TABLE "review_requests" CASCADE;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "source_repository" text;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "committed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "parent_commits" jsonb;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "build_number" bigint;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "config_snapshot_id" text;--> statement-breakpoint
ALTER TABLE "review_change_requests" ADD CONSTRAINT "review_change_requests_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_snapshots" ADD CONSTRAINT "config_snapshots_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_snapshots" ADD CONSTRAINT "config_snapshots_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_change_requests_env_idx" ON "review_change_requests" USING btree ("environment_id","state");--> statement-breakpoint
CREATE INDEX "review_change_requests_branch_idx" ON "review_change_requests" USING btree ("branch","state");--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_config_snapshot_id_config_snapshots_id_fk" FOREIGN KEY ("config_snapshot_id") REFERENCES "public"."config_snapshots"("id") ON DELETE no action ON UPDATE no action;