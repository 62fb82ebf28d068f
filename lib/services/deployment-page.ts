import { can, type Target } from "@/lib/auth/policy";
import { isCancellable } from "@/lib/domain/deployment-state";
import type { AutomaticRollbackDetail } from "./auto-rollback";
import { rollbackConfigPreview, type RollbackConfigPreview } from "./config-snapshots";
import type { ServiceContext } from "./context";
import { currentRelease } from "./promotion-queries";
import { previousGoodReleaseOf } from "./deployments";
import { getDeployment, type DeploymentDetail } from "./deployment-queries";
import { decisionPropsFor, type DecisionProps } from "./decision-queries";
import { authorize } from "./authorize";
import { pipelineOf } from "./pipeline-scope";
import { getRelease } from "./releases";
import { listDeploymentVerifications } from "./verifications";

/** What the deployment page shows, and what the viewer may do there now. */
export interface DeploymentPage {
  deployment: DeploymentDetail;
  pipeline: { id: string; name: string; teamId: string | null };
  verifications: Awaited<ReturnType<typeof listDeploymentVerifications>>;
  /** Set on an automatic rollback: on-call confirms it or undoes it. */
  automatic: AutomaticRollbackDetail | null;
  /** The decision controls while it waits or queues (null otherwise). */
  decisions: DecisionProps | null;
  /**
   * Each action as its service would accept it in the deployment's current state: cancel while it
   * has not started, abort while a forward rollout runs, roll back once it succeeded and still runs.
   */
  allowed: { cancel: boolean; abort: boolean; rollback: boolean; decideAutomatic: boolean };
  /** The release a rollback from here goes back to, and what that does to the config; null unless `allowed.rollback`. */
  rollback: {
    target: { id: string; commit: string; versions: { app: string; version: string }[] };
    config: RollbackConfigPreview;
    /** This deployment is itself a rollback (not an undone automatic one, whose rollback would redo it): a rollback from here goes further back. */
    further: boolean;
  } | null;
}

/**
 * The deployment page of `id` as one view model: the deployment with its steps, gates and
 * decisions, its verifications, and the actions the viewer may take in its current state (so a
 * page re-read after the state changes offers only what still applies).
 * @throws NotFoundError when no deployment has the id
 */
export async function getDeploymentPage(ctx: ServiceContext, id: string): Promise<DeploymentPage> {
  authorize(ctx, "pipeline.view");
  const { db, actor } = ctx;
  const deployment = await getDeployment(db, id);
  const [current, verifications, owner, decisions] = await Promise.all([
    currentRelease(db, deployment.environmentId),
    listDeploymentVerifications(db, deployment.id),
    pipelineOf(db, { environmentId: deployment.environmentId }),
    decisionPropsFor(db, actor, deployment),
  ]);
  // Team and pipeline grants count only with the pipeline the deployment belongs to.
  const scope: Target = { pipeline: { id: owner.id, teamId: owner.teamId } };
  const mayRollBack = can(actor, "environment.rollback", scope);
  const automatic = (deployment.detail as { automatic?: AutomaticRollbackDetail } | null)?.automatic ?? null;
  const rollingForward = (deployment.state === "running" || deployment.state === "verifying") && deployment.kind !== "rollback";
  // Roll back from here when this deployment is what the environment runs now — except an
  // automatic rollback, which on-call confirms or undoes (its undo keeps the record straight).
  // The target is the environment's previous good release, as on its page: a rollback's own
  // previousReleaseId is the release it rolled back, which must never be offered again.
  const rollbackTo = !automatic && deployment.state === "succeeded" && current?.id === deployment.releaseId && mayRollBack ? await previousGoodReleaseOf(ctx, deployment.environmentId) : null;
  const [target, config] = rollbackTo ? await Promise.all([getRelease(db, rollbackTo), rollbackConfigPreview(db, deployment.environmentId, rollbackTo)]) : [null, null];
  return {
    deployment,
    pipeline: { id: owner.id, name: owner.name, teamId: owner.teamId },
    verifications,
    automatic,
    decisions,
    allowed: {
      cancel: isCancellable(deployment.state) && can(actor, "deployment.cancel", { requestedBy: deployment.requestedBy, ...scope }),
      abort: rollingForward && !(deployment.detail as { abort?: unknown } | null)?.abort && mayRollBack,
      rollback: Boolean(target && config),
      decideAutomatic: Boolean(automatic) && mayRollBack,
    },
    rollback:
      target && config
        ? {
            target: { id: target.id, commit: target.commit, versions: target.builds.map((b) => ({ app: b.app, version: b.build.version })) },
            config,
            further: deployment.kind === "rollback" && !(deployment.detail as { undoes?: unknown } | null)?.undoes,
          }
        : null,
  };
}
