CREATE TABLE "source_control_deployments" (
	"deployment_id" text NOT NULL,
	"provider" text NOT NULL,
	"repository" text NOT NULL,
	"environment" text NOT NULL,
	"commit" text NOT NULL,
	"ref" text NOT NULL,
	"external_id" text,
	"desired_state" text NOT NULL,
	"environment_url" text,
	"reported_state" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"failed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "source_control_deployments_deployment_id_provider_repository_pk" PRIMARY KEY("deployment_id","provider","repository")
);
--> statement-breakpoint
ALTER TABLE "source_control_deployments" ADD CONSTRAINT "source_control_deployments_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "source_control_deployments_due_idx" ON "source_control_deployments" USING btree ("next_attempt_at") WHERE reported_state is distinct from desired_state and failed_at is null;