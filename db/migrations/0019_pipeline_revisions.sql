CREATE TABLE "pipeline_revisions" (
	"pipeline_id" text PRIMARY KEY NOT NULL,
	"revision" bigint DEFAULT 0 NOT NULL,
	"xact" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pipeline_revisions" ADD CONSTRAINT "pipeline_revisions_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE cascade ON UPDATE no action;