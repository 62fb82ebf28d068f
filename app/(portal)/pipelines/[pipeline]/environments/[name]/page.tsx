import type { Metadata } from "next";

import { notFound } from "next/navigation";
import { connection } from "next/server";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { getServiceContext } from "@/lib/server/page-context";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { NotFoundError, ValidationError } from "@/lib/services/errors";
import { environmentPath, pipelinePath } from "@/lib/paths";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";
import { deploymentDto } from "@/lib/api/dto";
import { RedeployButton, RollbackButton } from "@/components/deployment/deploy-buttons";
import { AppsFilter, AppsPager, AppsTable } from "@/components/environment/apps-table";
import { ConfigPanel } from "@/components/environment/config-panel";
import { DeploymentsTable } from "@/components/environment/deployments-table";
import { HoldBanner } from "@/components/environment/hold-banner";
import { automationOf } from "@/lib/domain/hold";
import { JobsList, SeedButton } from "@/components/environment/jobs-panel";
import { ReviewPanel } from "@/components/environment/review-panel";
import { ExtendButton, TeardownButton } from "@/components/review/lifecycle-buttons";
import { RolloutProgress } from "@/components/review/rollout-progress";
import { RulesPanel } from "@/components/environment/rules-panel";
import { GoneBanner } from "@/components/environment/gone-banner";
import { EnvironmentStateBadge } from "@/components/status";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { IncidentBanner } from "@/components/operations/incident-banner";
import { TrafficPanel } from "@/components/environment/traffic-panel";
import { InstancesPanel } from "@/components/environment/instances-panel";

type Props = { params: Promise<{ pipeline: string; name: string }>; searchParams: Promise<{ q?: string; status?: string; page?: string; cursor?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { pipeline, name } = await params;
  return { title: `${decodeURIComponent(name)} · ${decodeURIComponent(pipeline)}` };
}

/** At rest, the page re-renders this often (seconds) for what time alone changes (stale readings, expiries); changes show through its change token. */
const ENVIRONMENT_BACKSTOP_S = 30;

export default async function EnvironmentPage({ params, searchParams }: Props) {
  await connection();
  const ctx = await getServiceContext();
  const { pipeline: pipelineParam, name: nameParam } = await params;
  const { q, status, page, cursor } = await searchParams;
  // A torn-down review environment (or a retired one) keeps its page: its record, verdicts and history.
  const load = (apps: { q?: string; status?: string; page?: string; cursor?: string }) =>
    getEnvironmentPage(ctx, { pipeline: decodeURIComponent(pipelineParam), name: decodeURIComponent(nameParam), ...apps }).catch((error: unknown) => {
      if (error instanceof NotFoundError) notFound();
      throw error;
    });
  // A hand-edited or stale apps address (an unknown status, a cursor from elsewhere) says what is wrong above the first page of apps, not an error page.
  const { view, appsProblem } = await load({ q: q || undefined, status: status || undefined, page: page || undefined, cursor: cursor || undefined }).then(
    (view) => ({ view, appsProblem: null as string | null }),
    async (error: unknown) => {
      if (!(error instanceof ValidationError)) throw error;
      return { view: await load({}), appsProblem: error.message };
    },
  );
  const { pipeline, environment, ref, gone, current, review, allowed } = view;
  const now = ctx.clock.now();
  const pageApps = view.apps.items.map((a) => a.app);
  const rollout = review?.rollout ? deploymentDto(review.rollout) : null;

  return (
    <>
      <LiveRefresh url={`/api/v1/pipelines/${encodeURIComponent(pipeline.name)}/revision`} revision={view.revision} renderedAt={now.toISOString()} backstopSeconds={view.busy ? 2 : ENVIRONMENT_BACKSTOP_S} />
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ label: "Portfolio", href: "/" }, { label: pipeline.name, href: pipelinePath(pipeline.name) }, { label: environment.name }]} />}
        title={
          <span className="flex items-center gap-2">
            {environment.name}
            <EnvironmentStateBadge state={environment.state} />
            {environment.kind === "review" ? <Badge tone="violet">review · cloned from {environment.source}</Badge> : <Badge>fixed · #{(environment.position ?? 0) + 1} in the chain</Badge>}
            {environment.hold && <Badge tone="amber">on hold</Badge>}
          </span>
        }
        subtitle={(environment.settings as { description?: string }).description}
        actions={
          <>
            <ButtonLink size="sm" href={`/deployments?pipeline=${encodeURIComponent(pipeline.name)}&environment=${encodeURIComponent(environment.name)}`}>
              History
            </ButtonLink>
            {review?.allowed.extend && <ExtendButton environmentRef={ref} />}
            {review?.allowed.teardown && <TeardownButton environment={environment.name} environmentRef={ref} source={environment.source} pipeline={pipeline.name} />}
            {current && allowed.redeploy && <RedeployButton environment={environment.name} environmentRef={ref} releaseId={current.id} />}
            {view.rollback && (
              <RollbackButton
                environment={environment.name}
                environmentRef={ref}
                automation={automationOf(environment)}
                held={Boolean(environment.hold)}
                target={view.rollback.target}
                config={view.rollback.config}
                inFlight={view.rollback.inFlight}
              />
            )}
          </>
        }
      />
      <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
        <div className="flex min-w-0 flex-col gap-6">
          {gone && <GoneBanner environment={environment} now={now} />}
          <FreezeBanner freezes={view.freezes} now={now} environment={environment.name} />
          <IncidentBanner incidents={view.incidents} now={now} environment={environment.name} />
          {rollout && <RolloutProgress deployment={rollout} provisioning={environment.state === "provisioning"} renderedAt={now.toISOString()} />}
          {review && (
            <ReviewPanel
              environment={environment}
              addresses={review.addresses}
              pipeline={pipeline.name}
              conversation={review.conversation}
              now={now}
              release={review.release}
              promotion={review.promotion}
              promotionPreview={review.promotionPreview}
              allowed={review.allowed}
            />
          )}
          {environment.hold && (
            <HoldBanner
              environment={environment.name}
              environmentRef={ref}
              hold={{ at: environment.hold.at.toISOString(), reason: environment.hold.reason }}
              automation={automationOf(environment)}
              canLift={allowed.liftHold}
              now={now.toISOString()}
            />
          )}
          <Panel title="Apps" actions={<AppsFilter q={view.apps.q} status={view.apps.status} total={view.apps.total} />}>
            {appsProblem && (
              <p role="alert" className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
                This address does not name a page of apps: {appsProblem.replace(/\.$/, "")}. Showing the first page.
              </p>
            )}
            <AppsTable environment={environment} apps={pageApps} now={now} filtered={Boolean(view.apps.q || view.apps.status)} inherited={review?.inherited} />
            <AppsPager
              basePath={environmentPath(pipeline.name, environment.name)}
              page={view.apps.page}
              pages={view.apps.pages}
              before={view.apps.before}
              shown={view.apps.items.length}
              matching={view.apps.matching}
              total={view.apps.total}
              q={view.apps.q}
              status={view.apps.status}
            />
          </Panel>
          {/* Only the apps deployed here: one never deployed has no instances (the API answers 404), and its source's are not its own. */}
          {/* With no app on this page (filtered to none) the Apps panel says why; an empty Instances panel would say something else. */}
          {!gone && pageApps.length > 0 && <InstancesPanel environment={environment.name} pipeline={pipeline.name} apps={pageApps.filter((app) => environment.apps[app]?.releaseId && !review?.inherited.some((i) => i.app === app))} />}
          {view.traffic && <TrafficPanel environmentRef={ref} traffic={view.traffic} />}
          <Panel title="Recent deployments">
            {view.deployments.length ? (
              <DeploymentsTable deployments={view.deployments} now={now} />
            ) : (
              <EmptyState title={`Nothing has been deployed to ${environment.name} yet`}>
                {environment.kind === "review"
                  ? `Its first release is deployed as it is spun up; new releases of ${environment.branch ?? "its branch"} follow it here.`
                  : environment.position === 0
                    ? "Register builds and cut a release through the API (see /api/v1/openapi.json); releases of this environment's branch enter here."
                    : "A release arrives here when it is promoted from the environment before this one."}
              </EmptyState>
            )}
          </Panel>
          {!gone && (
            <Panel title="Configuration">
              {view.variables === null ? (
                <p className="text-sm text-zinc-600">Only the roles its pipeline file names in this environment&apos;s access.viewConfig see its configuration.</p>
              ) : (
                <ConfigPanel
                  environment={environment.name}
                  environmentRef={ref}
                  apps={pageApps}
                  variables={view.variables}
                  canEdit={allowed.editConfig}
                  canDeploy={allowed.requestDeployment}
                  pendingSince={view.configPendingSince?.toISOString() ?? null}
                  currentReleaseId={current?.id ?? null}
                />
              )}
            </Panel>
          )}
          <Panel
            title="Jobs"
            actions={
              allowed.runJob && view.seedApps.length > 0 ? (
                <span className="flex flex-wrap gap-2">
                  {view.seedApps.map((app) => (
                    <SeedButton key={app} environment={environment.name} environmentRef={ref} app={app} typeName={view.isLast} />
                  ))}
                </span>
              ) : undefined
            }
          >
            <JobsList jobs={view.jobs.map((j) => ({ ...j, createdAt: j.createdAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null }))} now={now.toISOString()} />
          </Panel>
        </div>
        <RulesPanel config={environment.settings as Partial<EnvironmentConfig>} />
      </div>
    </>
  );
}
