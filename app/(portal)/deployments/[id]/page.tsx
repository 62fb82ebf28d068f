import type { Metadata } from "next";
import Link from "next/link";
import { environmentPathByName, environmentRef, pipelinePath } from "@/lib/paths";
import { notFound } from "next/navigation";
import { cache } from "react";
import { connection } from "next/server";
import { deploymentDto } from "@/lib/api/dto";
import { getServiceContext } from "@/lib/server/page-context";
import { getDeploymentPage } from "@/lib/services/deployment-page";
import { NotFoundError } from "@/lib/services/errors";
import { AbortRolloutButton, CancelDeploymentButton, RollbackButton } from "@/components/deployment/deploy-buttons";
import { DeploymentLive } from "@/components/deployment/deployment-live";
import { DecisionControls } from "@/components/deployment/decision-controls";
import { AutomaticRollback } from "@/components/deployment/automatic-rollback";
import { Badge } from "@/components/ui/badge";
import { automationOf } from "@/lib/domain/hold";
import { HoldStatement } from "@/components/environment/hold-statement";
import { PageHeader, Panel } from "@/components/ui/layout";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";
import { CurrentPipeline } from "@/components/shell/current-pipeline";
import { VerificationList } from "@/components/verification/verification-list";

type Props = { params: Promise<{ id: string }> };

/** "Promotion to qa", but "Rollback of qa": a rollback does not bring anything to the environment. */
const TITLES = { promote: "Promotion to", "fast-track": "Fast-track to", rollback: "Rollback of", redeploy: "Redeploy of", config: "Config change in" } as const;

/** The page's view, read once per request for both the tab title and the page. */
const deploymentPage = cache(async (id: string) => {
  await connection();
  return getDeploymentPage(await getServiceContext(), id).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
});

/** "Rollback of qa · shop · Slipway": which deployment a tab holds, among several open. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { deployment, pipeline } = await deploymentPage((await params).id);
  return { title: `${TITLES[deployment.kind]} ${deployment.environment.name} · ${pipeline.name}` };
}

export default async function DeploymentPage({ params }: Props) {
  const view = await deploymentPage((await params).id);
  const ctx = await getServiceContext();
  const { deployment, verifications, automatic, decisions, allowed } = view;
  const pipeline = view.pipeline.name;
  const environment = deployment.environment.name;

  return (
    <>
      <CurrentPipeline name={pipeline} />
      <PageHeader
        eyebrow={
          <Breadcrumbs
            items={[
              { label: "Portfolio", href: "/" },
              { label: pipeline, href: pipelinePath(pipeline) },
              { label: environment, href: environmentPathByName(environment, pipeline) },
              { label: "Deployments", href: `/deployments?${new URLSearchParams({ pipeline, environment })}` },
            ]}
          />
        }
        title={
          <span className="flex flex-wrap items-center gap-2">
            {/* One flex item: as two, the gap read as a double space ("Promotion to  qa"). */}
            <span>
              {TITLES[deployment.kind]}{" "}
              <Link href={environmentPathByName(deployment.environment.name, pipeline)} className="hover:underline">
                {deployment.environment.name}
              </Link>
            </span>
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
      {deployment.environment.heldAt && (
        <p role="status" className="mb-6 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="deployment-hold">
          <HoldStatement environment={environment} hold={{ at: deployment.environment.heldAt, reason: deployment.environment.holdReason }} automation={automationOf(deployment.environment)} now={ctx.clock.now()} /> It is lifted on{" "}
          <Link href={environmentPathByName(environment, pipeline)} className="font-medium underline">
            {environment}&apos;s page
          </Link>
          .
        </p>
      )}
      {automatic && (
        <div className="mb-6">
          <AutomaticRollback deploymentId={deployment.id} environment={deployment.environment.name} detail={automatic} canDecide={allowed.decideAutomatic} />
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
        requestedByName={deployment.requestedByUser.name}
        renderedAt={ctx.clock.now().toISOString()}
        decisions={decisions ? <DecisionControls {...decisions} /> : undefined}
        actions={
          <>
            {allowed.cancel && <CancelDeploymentButton deploymentId={deployment.id} />}
            {allowed.abort && <AbortRolloutButton deploymentId={deployment.id} environment={deployment.environment.name} />}
            {view.rollback && (
              <RollbackButton
                automation={automationOf(deployment.environment)}
                held={Boolean(deployment.environment.heldAt)}
                further={view.rollback.further}
                environment={deployment.environment.name}
                environmentRef={pipeline ? environmentRef(pipeline, deployment.environment.name) : deployment.environment.name}
                target={view.rollback.target}
                config={view.rollback.config}
              />
            )}
          </>
        }
      />
    </>
  );
}
