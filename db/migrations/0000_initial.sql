CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text
);
--> statement-breakpoint
CREATE TABLE "role_memberships" (
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"granted_by" text,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_memberships_user_id_role_pk" PRIMARY KEY("user_id","role"),
	CONSTRAINT "role_memberships_role_check" CHECK (role in ('viewer', 'developer', 'delivery-lead', 'tech-lead', 'pm', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "apps" (
	"id" text PRIMARY KEY NOT NULL,
	"pipeline_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"position" integer NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "environment_apps" (
	"environment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"release_id" text,
	"build_id" text,
	"deployment_id" text,
	"deployed_at" timestamp with time zone,
	"deployed_by" text,
	"previous_release_id" text,
	"previous_build_id" text,
	"url" text,
	"health_status" text DEFAULT 'unknown' NOT NULL,
	"health_observed_at" timestamp with time zone,
	"health_detail" jsonb,
	CONSTRAINT "environment_apps_environment_id_app_id_pk" PRIMARY KEY("environment_id","app_id"),
	CONSTRAINT "environment_apps_health_check" CHECK (health_status in ('healthy', 'degraded', 'unhealthy', 'unknown'))
);
--> statement-breakpoint
CREATE TABLE "environments" (
	"id" text PRIMARY KEY NOT NULL,
	"pipeline_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"position" integer,
	"state" text NOT NULL,
	"platform" text DEFAULT 'local' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_environment_id" text,
	"branch" text,
	"owner_id" text,
	"expires_at" timestamp with time zone,
	"last_request_at" timestamp with time zone,
	"verdict" text,
	"held_at" timestamp with time zone,
	"held_by" text,
	"hold_reason" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"torn_down_at" timestamp with time zone,
	CONSTRAINT "environments_kind_check" CHECK (kind in ('fixed', 'review')),
	CONSTRAINT "environments_state_check" CHECK (state in ('active', 'retired', 'provisioning', 'ready', 'sleeping', 'waking', 'tearing-down', 'torn-down', 'failed')),
	CONSTRAINT "environments_verdict_check" CHECK (verdict is null or verdict in ('accepted', 'changes-requested'))
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"config_hash" text NOT NULL,
	"config" jsonb NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipelines_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "review_verdicts" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"verdict" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"release_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_verdicts_verdict_check" CHECK (verdict in ('accepted', 'changes-requested'))
);
--> statement-breakpoint
CREATE TABLE "builds" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"version" text NOT NULL,
	"commit" text NOT NULL,
	"branch" text NOT NULL,
	"digest" text NOT NULL,
	"artifact" text,
	"ci_url" text,
	"tests" jsonb,
	"changed_files" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "release_builds" (
	"release_id" text NOT NULL,
	"app_id" text NOT NULL,
	"build_id" text NOT NULL,
	CONSTRAINT "release_builds_release_id_app_id_pk" PRIMARY KEY("release_id","app_id")
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" text PRIMARY KEY NOT NULL,
	"pipeline_id" text NOT NULL,
	"commit" text NOT NULL,
	"branch" text NOT NULL,
	"source_environment_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"environment_id" text NOT NULL,
	"release_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"voided_at" timestamp with time zone,
	"void_reason" text,
	CONSTRAINT "approvals_decision_check" CHECK (decision in ('approve', 'reject'))
);
--> statement-breakpoint
CREATE TABLE "checklist_ticks" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"item" text NOT NULL,
	"user_id" text NOT NULL,
	"ticked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployment_steps" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"app_id" text,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"log" text DEFAULT '' NOT NULL,
	"detail" jsonb,
	CONSTRAINT "deployment_steps_state_check" CHECK (state in ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"release_id" text NOT NULL,
	"kind" text NOT NULL,
	"state" text NOT NULL,
	"strategy" text,
	"from_environment_id" text,
	"previous_release_id" text,
	"requested_by" text NOT NULL,
	"requested_via" text NOT NULL,
	"reason" text,
	"idempotency_key" text,
	"force_migrations" boolean DEFAULT false NOT NULL,
	"overrides" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"failure_reason" text,
	"superseded_by_id" text,
	"cancelled_by" text,
	"fencing_token" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployments_kind_check" CHECK (kind in ('promote', 'fast-track', 'rollback', 'redeploy', 'config')),
	CONSTRAINT "deployments_state_check" CHECK (state in ('waiting', 'queued', 'running', 'verifying', 'succeeded', 'failed', 'cancelled', 'superseded', 'rolled-back')),
	CONSTRAINT "deployments_strategy_check" CHECK (strategy is null or strategy in ('rolling', 'blue-green', 'recreate')),
	CONSTRAINT "deployments_via_check" CHECK (requested_via in ('ui', 'api', 'cli', 'automation', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "gate_results" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"gate" text NOT NULL,
	"status" text NOT NULL,
	"reason" text NOT NULL,
	"detail" jsonb,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gate_results_gate_check" CHECK (gate in ('tests', 'soak', 'window', 'freeze', 'approvals', 'incident', 'checklist')),
	CONSTRAINT "gate_results_status_check" CHECK (status in ('pass', 'fail', 'pending', 'waived'))
);
--> statement-breakpoint
CREATE TABLE "config_variables" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"app_id" text,
	"key" text NOT NULL,
	"value" text,
	"secret" boolean DEFAULT false NOT NULL,
	"encrypted_value" text,
	"source_variable_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "config_variables_key" UNIQUE NULLS NOT DISTINCT("environment_id","app_id","key")
);
--> statement-breakpoint
CREATE TABLE "freezes" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text,
	"name" text NOT NULL,
	"reason" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"rrule" text,
	"duration_ms" bigint,
	"timezone" text,
	"source" text DEFAULT 'ui' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lifted_at" timestamp with time zone,
	"lifted_by" text,
	"lift_reason" text
);
--> statement-breakpoint
CREATE TABLE "health_samples" (
	"environment_id" text NOT NULL,
	"app_id" text NOT NULL,
	"release_id" text,
	"bucket_start" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"p95_ms" integer,
	"checks" jsonb,
	CONSTRAINT "health_samples_bucket_key" UNIQUE("environment_id","app_id","bucket_start"),
	CONSTRAINT "health_samples_status_check" CHECK (status in ('healthy', 'degraded', 'unhealthy', 'unknown'))
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text NOT NULL,
	"title" text NOT NULL,
	"severity" text DEFAULT 'major' NOT NULL,
	"state" text NOT NULL,
	"external_id" text,
	"url" text,
	"opened_via" text NOT NULL,
	"opened_by" text,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "incidents_state_check" CHECK (state in ('open', 'resolved')),
	CONSTRAINT "incidents_via_check" CHECK (opened_via in ('ui', 'api', 'cli', 'automation', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_label" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text NOT NULL,
	"ip" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_events_id_unique" UNIQUE("id"),
	CONSTRAINT "audit_events_outcome_check" CHECK (outcome in ('allowed', 'denied')),
	CONSTRAINT "audit_events_source_check" CHECK (source in ('ui', 'api', 'cli', 'automation', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "controller_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"fencing_token" bigint NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "slipway_meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_memberships" ADD CONSTRAINT "role_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_memberships" ADD CONSTRAINT "role_memberships_granted_by_users_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environment_apps" ADD CONSTRAINT "environment_apps_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environment_apps" ADD CONSTRAINT "environment_apps_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environment_apps" ADD CONSTRAINT "environment_apps_deployed_by_users_id_fk" FOREIGN KEY ("deployed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_held_by_users_id_fk" FOREIGN KEY ("held_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_verdicts" ADD CONSTRAINT "review_verdicts_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_verdicts" ADD CONSTRAINT "review_verdicts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_builds" ADD CONSTRAINT "release_builds_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_builds" ADD CONSTRAINT "release_builds_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_builds" ADD CONSTRAINT "release_builds_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_source_environment_id_environments_id_fk" FOREIGN KEY ("source_environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checklist_ticks" ADD CONSTRAINT "checklist_ticks_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checklist_ticks" ADD CONSTRAINT "checklist_ticks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_steps" ADD CONSTRAINT "deployment_steps_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_steps" ADD CONSTRAINT "deployment_steps_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_from_environment_id_environments_id_fk" FOREIGN KEY ("from_environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_previous_release_id_releases_id_fk" FOREIGN KEY ("previous_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_variables" ADD CONSTRAINT "config_variables_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_variables" ADD CONSTRAINT "config_variables_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_variables" ADD CONSTRAINT "config_variables_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freezes" ADD CONSTRAINT "freezes_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freezes" ADD CONSTRAINT "freezes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freezes" ADD CONSTRAINT "freezes_lifted_by_users_id_fk" FOREIGN KEY ("lifted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_samples" ADD CONSTRAINT "health_samples_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_samples" ADD CONSTRAINT "health_samples_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_tokens_user_idx" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "apps_pipeline_name_key" ON "apps" USING btree ("pipeline_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "environments_live_name_key" ON "environments" USING btree ("name") WHERE state not in ('torn-down', 'retired');--> statement-breakpoint
CREATE INDEX "environments_pipeline_idx" ON "environments" USING btree ("pipeline_id","kind","position");--> statement-breakpoint
CREATE INDEX "environments_owner_idx" ON "environments" USING btree ("owner_id") WHERE kind = 'review';--> statement-breakpoint
CREATE INDEX "review_verdicts_env_idx" ON "review_verdicts" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "builds_app_version_key" ON "builds" USING btree ("app_id","version");--> statement-breakpoint
CREATE INDEX "builds_app_created_idx" ON "builds" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE INDEX "builds_commit_idx" ON "builds" USING btree ("commit");--> statement-breakpoint
CREATE INDEX "builds_created_idx" ON "builds" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "release_builds_build_idx" ON "release_builds" USING btree ("build_id");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_pipeline_commit_key" ON "releases" USING btree ("pipeline_id","commit");--> statement-breakpoint
CREATE INDEX "releases_created_idx" ON "releases" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "releases_branch_idx" ON "releases" USING btree ("branch","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_one_per_person_key" ON "approvals" USING btree ("deployment_id","user_id") WHERE voided_at is null;--> statement-breakpoint
CREATE INDEX "approvals_deployment_idx" ON "approvals" USING btree ("deployment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "checklist_ticks_item_key" ON "checklist_ticks" USING btree ("deployment_id","item");--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_steps_position_key" ON "deployment_steps" USING btree ("deployment_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_one_rolling_out_key" ON "deployments" USING btree ("environment_id") WHERE state in ('running', 'verifying');--> statement-breakpoint
CREATE INDEX "deployments_env_created_idx" ON "deployments" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE INDEX "deployments_active_idx" ON "deployments" USING btree ("state","created_at") WHERE state in ('waiting', 'queued', 'running', 'verifying');--> statement-breakpoint
CREATE INDEX "deployments_created_idx" ON "deployments" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "deployments_release_idx" ON "deployments" USING btree ("release_id");--> statement-breakpoint
CREATE INDEX "deployments_requested_by_idx" ON "deployments" USING btree ("requested_by","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "gate_results_deployment_gate_key" ON "gate_results" USING btree ("deployment_id","gate");--> statement-breakpoint
CREATE INDEX "freezes_env_idx" ON "freezes" USING btree ("environment_id","starts_at");--> statement-breakpoint
CREATE INDEX "health_samples_bucket_idx" ON "health_samples" USING btree ("bucket_start");--> statement-breakpoint
CREATE INDEX "incidents_env_open_idx" ON "incidents" USING btree ("environment_id") WHERE state = 'open';--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING btree ("target_type","target_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","at");