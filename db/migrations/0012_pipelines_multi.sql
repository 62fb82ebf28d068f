DROP INDEX "environments_live_name_key";--> statement-breakpoint
ALTER TABLE "incidents" ALTER COLUMN "environment_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "freezes" ADD COLUMN "pipeline_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "pipeline_id" text;--> statement-breakpoint
ALTER TABLE "freezes" ADD CONSTRAINT "freezes_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "environments_live_name_key" ON "environments" USING btree ("pipeline_id","name") WHERE state not in ('torn-down', 'retired');--> statement-breakpoint
ALTER TABLE "freezes" ADD CONSTRAINT "freezes_scope_check" CHECK (environment_id is null or pipeline_id is null);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_scope_check" CHECK (environment_id is null or pipeline_id is null);