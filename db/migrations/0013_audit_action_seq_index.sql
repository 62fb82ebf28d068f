DROP INDEX "audit_events_action_idx";--> statement-breakpoint
CREATE INDEX "audit_events_action_seq_idx" ON "audit_events" USING btree ("action" text_pattern_ops,"seq");