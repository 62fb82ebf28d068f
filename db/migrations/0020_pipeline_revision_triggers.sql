-- Every pipeline's revision (pipeline_revisions) moves when a row of it that a page shows changes,
-- whoever writes the row: services, the controller (health, drift, rollout steps) and scripts alike,
-- so no writer can forget it. Each trigger is a deferred constraint trigger: it runs at commit,
-- after the transaction's own row locks, so the revision row is locked only for the moment of the
-- commit (an immediate trigger would hold it from the first write and could deadlock against a
-- writer of the same cells in the other order). A transaction moves a pipeline's revision once,
-- however many rows it writes (the xact column), and only when it commits.
--
-- TG_ARGV[0] says how a row leads to its pipeline: 'self' (pipelines), 'pipeline' (pipeline_id),
-- 'environment' (environment_id), 'deployment' (deployment_id), 'app' (app_id), 'scope' (freezes and
-- incidents: pipeline_id, else environment_id, else the whole organisation: every pipeline).
CREATE FUNCTION pipeline_revision_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
  targets text[];
BEGIN
  targets := CASE TG_ARGV[0]
    WHEN 'self' THEN ARRAY[changed->>'id']
    WHEN 'pipeline' THEN ARRAY[changed->>'pipeline_id']
    WHEN 'environment' THEN ARRAY(SELECT e.pipeline_id FROM environments e WHERE e.id = changed->>'environment_id')
    WHEN 'deployment' THEN ARRAY(SELECT e.pipeline_id FROM deployments d JOIN environments e ON e.id = d.environment_id WHERE d.id = changed->>'deployment_id')
    WHEN 'app' THEN ARRAY(SELECT a.pipeline_id FROM apps a WHERE a.id = changed->>'app_id')
    WHEN 'scope' THEN CASE
      WHEN changed->>'pipeline_id' IS NOT NULL THEN ARRAY[changed->>'pipeline_id']
      WHEN changed->>'environment_id' IS NOT NULL THEN ARRAY(SELECT e.pipeline_id FROM environments e WHERE e.id = changed->>'environment_id')
      ELSE ARRAY(SELECT p.id FROM pipelines p ORDER BY p.id)
    END
  END;
  -- Pipelines in id order (the same lock order for every transaction); a pipeline removed in the same
  -- transaction (tests emptying tables) has nothing left to show.
  INSERT INTO pipeline_revisions AS r (pipeline_id, revision, xact)
    SELECT p.id, 1, pg_current_xact_id()::text::bigint FROM pipelines p WHERE p.id = ANY (targets) ORDER BY p.id
  ON CONFLICT (pipeline_id) DO UPDATE SET revision = r.revision + 1, xact = excluded.xact WHERE r.xact <> excluded.xact;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER pipelines_pipeline_revision AFTER INSERT OR DELETE ON pipelines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('self');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER pipelines_pipeline_revision_update AFTER UPDATE ON pipelines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('self');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER apps_pipeline_revision AFTER INSERT OR DELETE ON apps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER apps_pipeline_revision_update AFTER UPDATE ON apps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER environments_pipeline_revision AFTER INSERT OR DELETE ON environments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER environments_pipeline_revision_update AFTER UPDATE ON environments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - '{last_request_at}'::text[]) IS DISTINCT FROM (to_jsonb(NEW) - '{last_request_at}'::text[]))
  EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER environment_apps_pipeline_revision AFTER INSERT OR DELETE ON environment_apps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER environment_apps_pipeline_revision_update AFTER UPDATE ON environment_apps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - '{health_observed_at,health_detail}'::text[]) IS DISTINCT FROM (to_jsonb(NEW) - '{health_observed_at,health_detail}'::text[]))
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER deployments_pipeline_revision AFTER INSERT OR DELETE ON deployments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER deployments_pipeline_revision_update AFTER UPDATE ON deployments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER deployment_steps_pipeline_revision AFTER INSERT OR DELETE ON deployment_steps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER deployment_steps_pipeline_revision_update AFTER UPDATE ON deployment_steps
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - '{log}'::text[]) IS DISTINCT FROM (to_jsonb(NEW) - '{log}'::text[]))
  EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER gate_results_pipeline_revision AFTER INSERT OR DELETE ON gate_results
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER gate_results_pipeline_revision_update AFTER UPDATE ON gate_results
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - '{evaluated_at,detail}'::text[]) IS DISTINCT FROM (to_jsonb(NEW) - '{evaluated_at,detail}'::text[]))
  EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER approvals_pipeline_revision AFTER INSERT OR DELETE ON approvals
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER approvals_pipeline_revision_update AFTER UPDATE ON approvals
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER checklist_ticks_pipeline_revision AFTER INSERT OR DELETE ON checklist_ticks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER checklist_ticks_pipeline_revision_update AFTER UPDATE ON checklist_ticks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('deployment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER verifications_pipeline_revision AFTER INSERT OR DELETE ON verifications
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER verifications_pipeline_revision_update AFTER UPDATE ON verifications
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER releases_pipeline_revision AFTER INSERT OR DELETE ON releases
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER releases_pipeline_revision_update AFTER UPDATE ON releases
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('pipeline');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER builds_pipeline_revision AFTER INSERT OR DELETE ON builds
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('app');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER builds_pipeline_revision_update AFTER UPDATE ON builds
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('app');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER freezes_pipeline_revision AFTER INSERT OR DELETE ON freezes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('scope');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER freezes_pipeline_revision_update AFTER UPDATE ON freezes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('scope');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER incidents_pipeline_revision AFTER INSERT OR DELETE ON incidents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('scope');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER incidents_pipeline_revision_update AFTER UPDATE ON incidents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('scope');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER review_verdicts_pipeline_revision AFTER INSERT OR DELETE ON review_verdicts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER review_verdicts_pipeline_revision_update AFTER UPDATE ON review_verdicts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER review_change_requests_pipeline_revision AFTER INSERT OR DELETE ON review_change_requests
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER review_change_requests_pipeline_revision_update AFTER UPDATE ON review_change_requests
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER config_variables_pipeline_revision AFTER INSERT OR DELETE ON config_variables
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER config_variables_pipeline_revision_update AFTER UPDATE ON config_variables
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER config_snapshots_pipeline_revision AFTER INSERT OR DELETE ON config_snapshots
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER config_snapshots_pipeline_revision_update AFTER UPDATE ON config_snapshots
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER job_runs_pipeline_revision AFTER INSERT OR DELETE ON job_runs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pipeline_revision_touch('environment');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER job_runs_pipeline_revision_update AFTER UPDATE ON job_runs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((to_jsonb(OLD) - '{output}'::text[]) IS DISTINCT FROM (to_jsonb(NEW) - '{output}'::text[]))
  EXECUTE FUNCTION pipeline_revision_touch('environment');
