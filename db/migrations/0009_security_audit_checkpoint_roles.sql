-- The audit chain's head (sequence and hash), kept outside audit_events and advanced by the database
-- itself on every insert, only forwards. SECURITY DEFINER: it runs with the migration owner's
-- rights, so the application's role needs (and gets) no write access to the checkpoint.
CREATE FUNCTION audit_checkpoint_advance() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO audit_checkpoints (name, seq, hash, at) VALUES ('head', NEW.seq, NEW.hash, NEW.at)
  ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, at = EXCLUDED.at
    WHERE audit_checkpoints.seq < EXCLUDED.seq;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_advance_checkpoint
  AFTER INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_advance();
--> statement-breakpoint
CREATE FUNCTION audit_checkpoints_refuse_rewind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.seq > OLD.seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_checkpoints only moves forward: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_forward_only
  BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_rewind();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_rewind();
--> statement-breakpoint
-- Installations with a trail already: the head is its newest event now.
INSERT INTO audit_checkpoints (name, seq, hash, at)
  SELECT 'head', seq, hash, at FROM audit_events ORDER BY seq DESC LIMIT 1;
--> statement-breakpoint
-- On PostgreSQL the application runs as a role that does not own the tables (README: database roles).
-- Its rights come from the group role slipway_app: everything it needs, but on the audit trail only
-- SELECT and INSERT, and on the checkpoint only SELECT. Where roles cannot be created (PGlite, a
-- migration role without CREATEROLE) this is skipped and the installation runs as one role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'slipway_app') THEN
    CREATE ROLE slipway_app NOLOGIN;
  END IF;
EXCEPTION WHEN insufficient_privilege OR feature_not_supported THEN
  RAISE NOTICE 'slipway_app role not created: %', SQLERRM;
END;
$$;
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'slipway_app') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO slipway_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO slipway_app', current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO slipway_app', current_schema());
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM slipway_app;
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM slipway_app;
    -- Tables later migrations create (as the same owner) get the same rights.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO slipway_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO slipway_app', current_schema());
  END IF;
END;
$$;
