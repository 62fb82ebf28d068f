import { systemClock } from "@/lib/domain/clock";
import type { Metadata } from "next";
import Link from "next/link";
import { environmentPathByName, environmentRef, pipelinePath } from "@/lib/paths";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { deploymentDto } from "@/lib/api/dto";
import { requireActor } from "@/lib/auth/session";
import { can, type Target } from "@/lib/auth/policy";
import { pipelineOf } from "@/lib/services/pipeline-scope";
import { isCancellable } from "@/lib/domain/deployment-state";
import { getDeployment } from "@/lib/services/deployment-queries";
import { NotFoundError } from "@/lib/services/errors";
import { getRelease } from "@/lib/services/releases";
import { currentRelease } from "@/lib/services/promotion-queries";
import { AbortRolloutButton, CancelDeploymentButton, RollbackButton } from "@/components/deployment/deploy-buttons";
import { rollbackConfigPreview } from "@/lib/services/config-snapshots";
import { DeploymentLive } from "@/components/deployment/deployment-live";
import { DecisionControls } from "@/components/deployment/decision-controls";
import { AutomaticRollback } from "@/components/deployment/automatic-rollback";
import { decisionPropsFor } from "@/lib/services/decision-queries";
import { Badge } from "@/components/ui/badge";
import { PageHeader, Panel } from "@/components/ui/layout";
import { VerificationList } from "@/components/verification/verification-list";
import { listDeploymentVerifications } from "@/lib/services/verifications";

type Props = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: "Deployment" };

const TITLES = { promote: "Promotion", "fast-track": "Fast-track", rollback: "Rollback", redeploy: "Redeploy", config: "Config change" } as const;

export default async function DeploymentPage({ params }: Props) {
  await connection();
  const actor = await requireActor();
  const { id } = await params;
  const db = await getDb();
  const deployment = await getDeployment(db, id).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const [current, verifications, owner] = await Promise.all([
    currentRelease(db, deployment.environmentId),
    listDeploymentVerifications(db, deployment.id),
    pipelineOf(db, { environmentId: deployment.environmentId }),
  ]);
  const pipeline = owner.name;
  // Team and pipeline grants count only with the pipeline the deployment belongs to.
  const scope: Target = { pipeline: { id: owner.id, teamId: owner.teamId } };
  const decisions = await decisionPropsFor(db, actor, deployment);
  const automatic = deployment.detail?.automatic;
  // Roll back from here when this deployment is what the environment runs now — except an
  // automatic rollback, which on-call confirms or undoes (its undo keeps the record straight).
  const rollbackTarget =
    !automatic && deployment.state === "succeeded" && current?.id === deployment.releaseId && deployment.previousReleaseId && can(actor, "environment.rollback", scope)
      ? await getRelease(db, deployment.previousReleaseId)
      : null;
  const rollbackConfig = rollbackTarget ? await rollbackConfigPreview(db, deployment.environmentId, rollbackTarget.id) : null;

  return (
    <>
      <PageHeader
        eyebrow={
          <span className="flex flex-wrap items-center gap-1">
            {pipeline && (
              <>
                <Link href={pipelinePath(pipeline)} className="hover:underline">
                  {pipeline}
                </Link>
                <span aria-hidden className="text-zinc-400">›</span>
              </>
            )}
            <Link href={pipeline ? `/deployments?pipeline=${encodeURIComponent(pipeline)}` : "/deployments"} className="hover:underline">
              Deployments
            </Link>
          </span>
        }
        title={
          <span className="flex flex-wrap items-center gap-2">
            {TITLES[deployment.kind]} to
            <Link href={environmentPathByName(deployment.environment.name, pipeline)} className="hover:underline">
              {deployment.environment.name}
            </Link>
            <Badge>{deployment.strategy ?? "rolling"}</Badge>
          </span>
        }
        subtitle={
          <span className="flex flex-wrap items-center gap-x-4 gap-y-1">
            <span>
              Release{" "}
              <Link href={`/releases/${deployment.releaseId}`} className="font-mono hover:underline">
                {deployment.release.commit.slice(0, 7)}
              </Link>{" "}
              <span className="text-zinc-500">({deployment.release.builds.map((b) => `${b.app} ${b.version}`).join(", ")})</span>
            </span>
            {deployment.previousRelease && (
              <span className="text-zinc-500">
                replacing{" "}
                <Link href={`/releases/${deployment.previousRelease.id}`} className="font-mono hover:underline">
                  {deployment.previousRelease.commit.slice(0, 7)}
                </Link>
              </span>
            )}
          </span>
        }
      />
      {automatic && (
        <div className="mb-6">
          <AutomaticRollback deploymentId={deployment.id} environment={deployment.environment.name} detail={automatic} canDecide={can(actor, "environment.rollback", scope)} />
        </div>
      )}
      {verifications.length > 0 && (
        <div className="mb-6">
          <Panel title="Verifications after this deployment" bodyClassName="px-4 py-3">
            <VerificationList items={verifications} label="Verifications of this deployment" />
          </Panel>
        </div>
      )}
      <DeploymentLive
        initial={deploymentDto(deployment)}
        renderedAt={systemClock.now().toISOString()}
        decisions={decisions ? <DecisionControls {...decisions} /> : undefined}
        actions={
          <>
            {isCancellable(deployment.state) && can(actor, "deployment.cancel", { requestedBy: deployment.requestedBy, ...scope }) && <CancelDeploymentButton deploymentId={deployment.id} />}
            {(deployment.state === "running" || deployment.state === "verifying") && deployment.kind !== "rollback" && !deployment.detail?.abort && can(actor, "environment.rollback", scope) && (
              <AbortRolloutButton deploymentId={deployment.id} environment={deployment.environment.name} />
            )}
            {rollbackTarget && (
              <RollbackButton
                environment={deployment.environment.name}
                environmentRef={pipeline ? environmentRef(pipeline, deployment.environment.name) : deployment.environment.name}
                target={{ id: rollbackTarget.id, commit: rollbackTarget.commit, versions: rollbackTarget.builds.map((b) => ({ app: b.app, version: b.build.version })) }}
                config={rollbackConfig}
              />
            )}
          </>
        }
      />
    </>
  );
}
