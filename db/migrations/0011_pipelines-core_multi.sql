DROP INDEX "environments_live_name_key";--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "team_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "environments_live_name_key" ON "environments" USING btree ("pipeline_id","name") WHERE state not in ('torn-down', 'retired');