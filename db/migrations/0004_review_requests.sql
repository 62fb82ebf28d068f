CREATE TABLE "review_requests" (
	"branch" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"number" integer NOT NULL,
	"commit" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
