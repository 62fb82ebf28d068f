CREATE TABLE "verifications" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"environment_id" text NOT NULL,
	"release_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"url" text,
	"summary" text,
	"app" text,
	"job" text,
	"job_run_id" text,
	"reported_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "verifications_status_check" CHECK (status in ('pending', 'running', 'passed', 'failed')),
	CONSTRAINT "verifications_source_check" CHECK (source in ('ci', 'job'))
);
--> statement-breakpoint
ALTER TABLE "gate_results" DROP CONSTRAINT "gate_results_gate_check";--> statement-breakpoint
ALTER TABLE "builds" ADD COLUMN "labels" jsonb;--> statement-breakpoint
ALTER TABLE "verifications" ADD CONSTRAINT "verifications_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verifications" ADD CONSTRAINT "verifications_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verifications" ADD CONSTRAINT "verifications_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verifications" ADD CONSTRAINT "verifications_reported_by_users_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "verifications_deployment_name_key" ON "verifications" USING btree ("deployment_id","name");--> statement-breakpoint
CREATE INDEX "verifications_environment_release_idx" ON "verifications" USING btree ("environment_id","release_id");--> statement-breakpoint
CREATE INDEX "verifications_open_idx" ON "verifications" USING btree ("status") WHERE status in ('pending', 'running');--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_gate_check" CHECK (gate in ('tests', 'soak', 'verified', 'window', 'freeze', 'approvals', 'incident', 'checklist'));