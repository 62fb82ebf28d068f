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
ALTER TABLE "environments" ADD COLUMN "source_repository" text;--> statement-breakpoint
ALTER TABLE "review_change_requests" ADD CONSTRAINT "review_change_requests_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_change_requests_env_idx" ON "review_change_requests" USING btree ("environment_id","state");--> statement-breakpoint
CREATE INDEX "review_change_requests_branch_idx" ON "review_change_requests" USING btree ("branch","state");