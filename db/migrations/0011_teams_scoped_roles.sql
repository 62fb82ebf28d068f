CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"display_name" text NOT NULL,
	"oidc_group" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	CONSTRAINT "teams_name_unique" UNIQUE("name"),
	CONSTRAINT "teams_oidc_group_unique" UNIQUE("oidc_group")
);
--> statement-breakpoint
ALTER TABLE "role_memberships" DROP CONSTRAINT "role_memberships_user_id_role_pk";--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "pipeline_id" text;--> statement-breakpoint
ALTER TABLE "role_memberships" ADD COLUMN "scope" text DEFAULT 'global' NOT NULL;--> statement-breakpoint
ALTER TABLE "role_memberships" ADD COLUMN "scope_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "role_memberships" ADD CONSTRAINT "role_memberships_user_id_role_scope_scope_id_pk" PRIMARY KEY("user_id","role","scope","scope_id");--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "team_id" text;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "role_memberships_scope_idx" ON "role_memberships" USING btree ("scope","scope_id");--> statement-breakpoint
ALTER TABLE "role_memberships" ADD CONSTRAINT "role_memberships_scope_check" CHECK (scope in ('global', 'team', 'pipeline') and ((scope = 'global') = (scope_id = '')));