import type { Metadata } from "next";

import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import type { AppConfig, EnvironmentConfig } from "@/lib/config/schema";
import { requireActor } from "@/lib/auth/session";
import { can, type Target } from "@/lib/auth/policy";
import { systemClock } from "@/lib/domain/clock";
import { previousGoodRelease } from "@/lib/domain/promotion";
import { pendingConfigChanges, rollbackConfigPreview } from "@/lib/services/config-snapshots";
import { configChangedAt, listConfig } from "@/lib/services/config-vars";
import { getEnvironmentRecord, isGone, recentDeployments, reviewConversation } from "@/lib/services/environments";
import { inheritedAddressesOf } from "@/lib/services/review-clone";
import { ForbiddenError, NotFoundError } from "@/lib/services/errors";
import { listJobRuns } from "@/lib/services/jobs";
import { listApps } from "@/lib/services/pipeline-queries";
import { fixedPositions } from "@/lib/services/pipeline-pages";
import { resolvePipeline } from "@/lib/services/pipeline-scope";
import { environmentRef, pipelinePath } from "@/lib/paths";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";
import { getRelease, type ReleaseDetail } from "@/lib/services/releases";
import { deploymentDto } from "@/lib/api/dto";
import { getDeployment } from "@/lib/services/deployment-queries";
import type { EnvironmentView } from "@/lib/services/environments";
import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { RedeployButton, RollbackButton } from "@/components/deployment/deploy-buttons";
import { AppsTable } from "@/components/environment/apps-table";
import { ConfigPanel } from "@/components/environment/config-panel";
import { DeploymentsTable } from "@/components/environment/deployments-table";
import { HoldBanner } from "@/components/environment/hold-banner";
import { JobsList, SeedButton } from "@/components/environment/jobs-panel";
import { ReviewPanel } from "@/components/environment/review-panel";
import { ExtendButton, TeardownButton } from "@/components/review/lifecycle-buttons";
import { RolloutProgress } from "@/components/review/rollout-progress";
import { RulesPanel } from "@/components/environment/rules-panel";
import { GoneBanner } from "@/components/environment/gone-banner";
import { EnvironmentStateBadge } from "@/components/status";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { IncidentBanner } from "@/components/operations/incident-banner";
import { listFreezes, storedFreezesForGate } from "@/lib/services/freezes";
import { describePromotion } from "@/lib/domain/promotion-preview";
import { listIncidents } from "@/lib/services/incidents";
import { environmentTraffic } from "@/lib/services/traffic-queries";
import { TrafficPanel } from "@/components/environment/traffic-panel";
import { InstancesPanel } from "@/components/environment/instances-panel";

type Props = { params: Promise<{ pipeline: string; name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { pipeline, name } = await params;
  return { title: `${decodeURIComponent(name)} · ${decodeURIComponent(pipeline)}` };
}

const summaryOf = (release: ReleaseDetail) => ({ id: release.id, commit: release.commit, versions: release.builds.map((b) => ({ app: b.app, version: b.build.version })) });

/** What a review environment's page adds: the rollout in progress, the release it runs, and whether that went on to its source. */
async function reviewDetails(db: Db, actor: Actor, environment: EnvironmentView, currentReleaseId: string | null, gone: boolean, pipelineName: string, scope: Target) {
  const inProgress = environment.active.find((d) => d.state !== "waiting") ?? environment.active[0];
  // While it provisions nothing runs yet: show the release on its way in.
  const releaseId = currentReleaseId ?? inProgress?.releaseId ?? null;
  const [rollout, release] = await Promise.all([inProgress ? getDeployment(db, inProgress.id).then(deploymentDto) : null, releaseId ? getRelease(db, releaseId) : null]);
  const promotion = release?.runs.find((r) => r.environment === environment.source && !["failed", "cancelled", "superseded"].includes(r.state));
  const owner = { ownerId: environment.owner?.id };
  // What promoting it into its source would do now, for the Promote confirmation.
  const now = systemClock.now();
  const [target, storedFreezes] = environment.source && !gone ? await Promise.all([getEnvironmentRecord(db, systemClock, environment.source, pipelineName), storedFreezesForGate(db, now)]) : [null, []];
  const promotionPreview = target
    ? describePromotion({ to: target.name, from: environment.name, config: target.settings as Partial<EnvironmentConfig>, storedFreezes, hold: target.hold, now })
    : null;
  return {
    rollout,
    promotionPreview,
    release: release ? { ...summaryOf(release), running: release.id === currentReleaseId } : null,
    promotion: promotion ? { deploymentId: promotion.deploymentId, state: promotion.state } : null,
    allowed: gone
      ? { verdict: false, promote: false, extend: false, teardown: false }
      : { verdict: can(actor, "review.verdict", scope), promote: can(actor, "deployment.request", scope), extend: can(actor, "review.extend", { ...owner, ...scope }), teardown: can(actor, "review.teardown", { ...owner, ...scope }) },
  };
}

export default async function EnvironmentPage({ params }: Props) {
  await connection();
  const actor = await requireActor();
  const { pipeline: pipelineParam, name: nameParam } = await params;
  const name = decodeURIComponent(nameParam);
  const db = await getDb();
  const pipeline = await resolvePipeline(db, decodeURIComponent(pipelineParam)).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  // Team and pipeline grants count only with the pipeline in the target.
  const scope: Target = { pipeline: { id: pipeline.id, teamId: pipeline.teamId } };
  // A torn-down review environment (or a retired one) keeps its page: its record, verdicts and history.
  const environment = await getEnvironmentRecord(db, systemClock, name, pipeline.name).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const gone = isGone(environment);
  // What services and server actions take: "shop/dev" (a bare "dev" is ambiguous when another pipeline has one).
  const ref = environmentRef(pipeline.name, environment.name);
  const now = systemClock.now();
  const ctx = { db, actor, clock: systemClock };
  const [apps, deployments, conversation, variables, jobs, configChanged, fixedCount, freezeList, openIncidents, traffic, inherited] = await Promise.all([
    listApps(db, pipeline.id),
    recentDeployments(db, environment.id),
    environment.kind === "review" ? reviewConversation(db, environment.id) : Promise.resolve([]),
    // slipway.yaml may hide an environment's config from some roles (access.viewConfig).
    gone
      ? []
      : listConfig(ctx, { environment: ref }).catch((error: unknown) => {
          if (error instanceof ForbiddenError) return null;
          throw error;
        }),
    listJobRuns(db, environment.id),
    configChangedAt(db, environment.id),
    fixedPositions(db, pipeline.id),
    gone ? [] : listFreezes(ctx, { environment: ref }),
    gone ? [] : listIncidents(ctx, { environment: ref, state: "open" }),
    gone ? null : environmentTraffic(db, systemClock, environment),
    // A partial review environment: the apps its source serves for it.
    environment.kind === "review" && !gone ? inheritedAddressesOf(db, [environment.id]).then((m) => m.get(environment.id) ?? []) : [],
  ]);
  const cells = Object.values(environment.apps);
  const current = cells[0]?.releaseId ?? null;
  const lastDeployedAt = cells.reduce<Date | null>((latest, c) => (c.deployedAt && (!latest || c.deployedAt > latest) ? c.deployedAt : latest), null);
  const rollbackTo = !gone && can(actor, "environment.rollback", scope) ? previousGoodRelease(deployments, current) : null;
  const rollbackRelease = rollbackTo ? await getRelease(db, rollbackTo) : null;
  const rollbackConfig = rollbackTo ? await rollbackConfigPreview(db, environment.id, rollbackTo) : null;
  // Pending edits: what differs from the config version that runs (the old time rule only when none was recorded).
  const pendingConfig = await pendingConfigChanges(db, environment.id);
  const configPending = pendingConfig ? pendingConfig.length > 0 : Boolean(configChanged && lastDeployedAt && configChanged > lastDeployedAt);
  // A forward rollout in progress: rolling back stops it and keeps what serves (lib/services/abort.ts).
  const forward = environment.active.find((d) => (d.state === "running" || d.state === "verifying") && d.kind !== "rollback");
  const rollingForward = forward ? await getRelease(db, forward.releaseId) : null;
  const review = environment.kind === "review" ? await reviewDetails(db, actor, environment, current, gone, pipeline.name, scope) : null;
  const isLast = environment.kind === "fixed" && environment.position === Math.max(...fixedCount);
  const seedApps = gone ? [] : apps.filter((a) => (a.settings as Partial<AppConfig>).seed && environment.apps[a.name]?.buildId);
  // A review environment that is waking changes state without a deployment: follow it too.
  const busy = environment.active.length > 0 || environment.state === "waking" || jobs.some((j) => j.state === "queued" || j.state === "running");

  return (
    <>
      {busy && <AutoRefresh seconds={2} />}
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
            <ButtonLink href={`/deployments?pipeline=${encodeURIComponent(pipeline.name)}&environment=${encodeURIComponent(environment.name)}`}>History</ButtonLink>
            {review?.allowed.extend && <ExtendButton environment={environment.name} environmentRef={ref} />}
            {review?.allowed.teardown && <TeardownButton environment={environment.name} environmentRef={ref} source={environment.source} pipeline={pipeline.name} />}
            {current && !gone && can(actor, "deployment.request", scope) && <RedeployButton environment={environment.name} environmentRef={ref} releaseId={current} />}
            {!gone && can(actor, "environment.rollback", scope) && (
              <RollbackButton
                environment={environment.name}
                environmentRef={ref}
                target={rollbackRelease ? summaryOf(rollbackRelease) : null}
                config={rollbackConfig}
                inFlight={rollingForward ? { commit: rollingForward.commit } : null}
              />
            )}
          </>
        }
      />
      <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
        <div className="flex min-w-0 flex-col gap-6">
          {gone && <GoneBanner environment={environment} now={now} />}
          <FreezeBanner freezes={freezeList} now={now} environment={environment.name} />
          <IncidentBanner incidents={openIncidents} now={now} environment={environment.name} />
          {review?.rollout && <RolloutProgress deployment={review.rollout} provisioning={environment.state === "provisioning"} renderedAt={now.toISOString()} />}
          {review && <ReviewPanel environment={environment} inherited={inherited} pipeline={pipeline.name} conversation={conversation} now={now} release={review.release} promotion={review.promotion} promotionPreview={review.promotionPreview} allowed={review.allowed} />}
          {environment.hold && (
            <HoldBanner environment={environment.name} environmentRef={ref} hold={{ at: environment.hold.at.toISOString(), reason: environment.hold.reason }} canLift={can(actor, "environment.hold.lift", scope)} now={now.toISOString()} />
          )}
          <Panel title="Apps">
            <AppsTable environment={environment} apps={apps.map((a) => a.name)} now={now} inherited={inherited} />
          </Panel>
          {!gone && <InstancesPanel environment={environment.name} pipeline={pipeline.name} apps={apps.map((a) => a.name).filter((app) => !inherited.some((i) => i.app === app))} />}
          {traffic && <TrafficPanel environment={environment.name} traffic={traffic} />}
          <Panel title="Recent deployments">
            {deployments.length ? (
              <DeploymentsTable deployments={deployments} now={now} />
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
            {variables === null ? (
              <p className="text-sm text-zinc-600">Only the roles slipway.yaml names in this environment&apos;s access.viewConfig see its configuration.</p>
            ) : (
            <ConfigPanel
              environment={environment.name}
              environmentRef={ref}
              apps={apps.map((a) => a.name)}
              variables={variables}
              canEdit={can(actor, "config.edit", scope)}
              canDeploy={can(actor, "deployment.request", scope)}
              pendingSince={configPending ? (configChanged ?? now).toISOString() : null}
              currentReleaseId={current}
            />
            )}
          </Panel>
          )}
          <Panel
            title="Jobs"
            actions={can(actor, "job.run", scope) && seedApps.length > 0 ? <span className="flex flex-wrap gap-2">{seedApps.map((a) => <SeedButton key={a.id} environment={environment.name} environmentRef={ref} app={a.name} typeName={isLast} />)}</span> : undefined}
          >
            <JobsList jobs={jobs.map((j) => ({ ...j, createdAt: j.createdAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null }))} now={now.toISOString()} />
          </Panel>
        </div>
        <RulesPanel config={environment.settings as Partial<EnvironmentConfig>} />
      </div>
    </>
  );
}
