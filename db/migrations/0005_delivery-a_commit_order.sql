ALTER TABLE "releases" ADD COLUMN "committed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "parent_commits" jsonb;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "build_number" bigint;