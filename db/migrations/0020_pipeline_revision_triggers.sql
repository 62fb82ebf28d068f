-- Every pipeline's revision (pipeline_revisions) moves when a row of it that a page shows changes,
-- whoever writes the row: services, the controller (health, drift, rollout steps) and scripts alike,
-- so no writer can forget it. Each trigger is a deferred constraint trigger: it runs at commit,
-- after the transaction's own row locks, so the revision row is locked only for the moment of the
-- commit (an immediate trigger would hold it from the first write and could deadlock against a
-- writer of the same cells in the other order). A transaction moves a pipeline's revision once,
-- however many rows it writes (the xact column), and only when it commits.
--
-- A transaction's deferred firings come in the order it wrote its rows, so two transactions that
-- touch the same pipelines in opposite orders (the health sampler's batch across pipelines, an
-- organisation-wide incident) would lock revision rows in opposite orders and deadlock. The first
-- firing therefore takes one transaction-level advisory lock (the two-key form, apart from the
-- one-key locks of the audit chain and migrations): revision rows are locked only by its holder,
-- from its commit's first firing to its end, so moving revisions is serialised and deadlock-free.
--
-- TG_ARGV[0] says how a row leads to its pipeline: 'self' (pipelines), 'pipeline' (pipeline_id),
-- 'environment' (environment_id), 'deployment' (deployment_id), 'app' (app_id), 'scope' (freezes and
-- incidents: pipeline_id, else environment_id, else the whole organisation: every pipeline). An
-- UPDATE moves the pipelines of the row before and after (a freeze moved to another scope).
--
-- Left to the pages' slow refresh (not moving the token): health samples (the traffic chart), team,
-- user and role changes (names, which buttons show), and what time alone changes.
CREATE FUNCTION pipeline_revision_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  versions jsonb[] := CASE TG_OP WHEN 'UPDATE' THEN ARRAY[to_jsonb(OLD), to_jsonb(NEW)] WHEN 'DELETE' THEN ARRAY[to_jsonb(OLD)] ELSE ARRAY[to_jsonb(NEW)] END;
  changed jsonb;
  targets text[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(1936288882, 1919252854); -- "slip", "revs": see the note above
  FOREACH changed IN ARRAY versions LOOP
    targets := targets || CASE TG_ARGV[0]
      WHEN 'self' THEN ARRAY[changed->>'id']
      WHEN 'pipeline' THEN ARRAY[changed->>'pipeline_id']
      WHEN 'environment' THEN ARRAY(SELECT e.pipeline_id FROM environments e WHERE e.id = changed->>'environment_id')
      WHEN 'deployment' THEN ARRAY(SELECT e.pipeline_id FROM deployments d JOIN environments e ON e.id = d.environment_id WHERE d.id = changed->>'deployment_id')
      WHEN 'app' THEN ARRAY(SELECT a.pipeline_id FROM apps a WHERE a.id = changed->>'app_id')
      WHEN 'scope' THEN CASE
        WHEN changed->>'pipeline_id' IS NOT NULL THEN ARRAY[changed->>'pipeline_id']
        WHEN changed->>'environment_id' IS NOT NULL THEN ARRAY(SELECT e.pipeline_id FROM environments e WHERE e.id = changed->>'environment_id')
        ELSE ARRAY(SELECT p.id FROM pipelines p)
      END
    END;
  END LOOP;
  -- A pipeline removed in the same transaction (tests emptying tables) has nothing left to show.
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
  -- Every column but health_detail, by name (comparing whole rows as JSON cost the health sampler's
  -- update of every running cell 40 %; lib/services/__tests__/pipeline-revision.test.ts fails when a
  -- column is added and not named here). health_observed_at moves it when a reading appears or comes
  -- after a gap of HEALTH_STALE_AFTER_MS (a stale reading fresh again), not at every sample.
  WHEN (OLD.environment_id IS DISTINCT FROM NEW.environment_id
     OR OLD.app_id IS DISTINCT FROM NEW.app_id
     OR OLD.release_id IS DISTINCT FROM NEW.release_id
     OR OLD.build_id IS DISTINCT FROM NEW.build_id
     OR OLD.deployment_id IS DISTINCT FROM NEW.deployment_id
     OR OLD.deployed_at IS DISTINCT FROM NEW.deployed_at
     OR OLD.deployed_by IS DISTINCT FROM NEW.deployed_by
     OR OLD.previous_release_id IS DISTINCT FROM NEW.previous_release_id
     OR OLD.previous_build_id IS DISTINCT FROM NEW.previous_build_id
     OR OLD.url IS DISTINCT FROM NEW.url
     OR OLD.warm_until IS DISTINCT FROM NEW.warm_until
     OR OLD.health_status IS DISTINCT FROM NEW.health_status
     OR OLD.drift IS DISTINCT FROM NEW.drift
     OR OLD.drift_observed_at IS DISTINCT FROM NEW.drift_observed_at
     OR (OLD.health_observed_at IS NULL) <> (NEW.health_observed_at IS NULL)
     OR NEW.health_observed_at - OLD.health_observed_at >= interval '2 minutes')
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
  -- The status only: the gatekeeper re-evaluates a waiting deployment's gates every few seconds and
  -- their reasons count time ("soaked 4 min", "closes in 2 h"), which the pages' slow refresh shows;
  -- what decides a gate (approvals, freezes, incidents, verifications, health) moves the token itself.
  WHEN (OLD.status IS DISTINCT FROM NEW.status)
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
