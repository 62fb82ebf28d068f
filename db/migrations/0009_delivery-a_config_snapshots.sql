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
ALTER TABLE "deployments" ADD COLUMN "config_snapshot_id" text;--> statement-breakpoint
ALTER TABLE "config_snapshots" ADD CONSTRAINT "config_snapshots_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "config_snapshots" ADD CONSTRAINT "config_snapshots_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_config_snapshot_id_config_snapshots_id_fk" FOREIGN KEY ("config_snapshot_id") REFERENCES "public"."config_snapshots"("id") ON DELETE no action ON UPDATE no action;