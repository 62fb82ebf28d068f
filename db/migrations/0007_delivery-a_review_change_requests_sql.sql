-- Pull requests that waited for their branch's first release (review_requests, one per branch)
-- become open change requests with no environment yet. The provider did not say which repository
-- they belong to, so it is recorded as '' (the pipeline's own repository), head included.
INSERT INTO "review_change_requests" ("provider", "repository", "number", "head_repository", "branch", "head_commit", "environment_id", "state", "opened_at", "updated_at")
SELECT "provider", '', "number", '', "branch", "commit", NULL, 'open', "requested_at", "requested_at"
FROM "review_requests"
ON CONFLICT DO NOTHING;
