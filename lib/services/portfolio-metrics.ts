import { sql } from "drizzle-orm";
import { changeFailureRate, deploymentFrequency, leadTimeForChanges, timeToRestore, type DeploymentRecord, type Period } from "@/lib/domain/delivery-metrics";
import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";
import { can } from "@/lib/auth/policy";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import { METRICS_PERIODS, metricsPeriod, type MetricsPeriod, type MetricsSummary } from "./metrics";
import { rowsOf } from "@/db/queries/sql-arrays";

/**
 * DORA measures across pipelines: each pipeline measured at its production environment (the last
 * of its chain), and each team over the pipelines it owns. One statement for the records, plus the
 * team probe; the measures themselves are lib/domain/delivery-metrics.ts's, so they agree with the
 * metrics page's detail.
 */

export interface PipelineMetricsRow extends MetricsSummary {
  pipelineId: string;
  teamId: string | null;
  /** The environment measured (the last of the chain). */
  production: string;
}

/**
 * The pipeline the metrics page measures when several are loaded and none is asked for: the one
 * that deployed most to production in the period (a first look lands on data); null when none did.
 */
export function busiestPipelineId(metrics: OrganisationMetrics): string | null {
  const busiest = metrics.byPipeline.reduce<PipelineMetricsRow | null>((best, row) => (row.deployments > (best?.deployments ?? 0) ? row : best), null);
  return busiest?.pipelineId ?? null;
}

export interface OrganisationMetrics {
  period: { key: MetricsPeriod; days: number; from: Date; to: Date };
  byPipeline: PipelineMetricsRow[];
  /** One row per team owning at least one pipeline (empty until teams exist). */
  byTeam: (MetricsSummary & { teamId: string })[];
}

type Row = DeploymentRecord & { pipelineId: string; pipeline: string; teamId: string | null; team: string | null };

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

async function productionRecords(ctx: ServiceContext, from: Date): Promise<{ rows: Row[]; pipelines: { id: string; name: string; production: string; teamId: string | null; team: string | null }[] }> {
  const teamColumns = sql`p.team_id, t.name as team`;
  const teamJoin = sql`left join teams t on t.id = p.team_id`;
  const result = await ctx.db.execute(sql`
    with production as (
      select distinct on (e.pipeline_id) e.id, e.pipeline_id, e.name
        from environments e
       where e.kind = 'fixed' and e.state not in (${sql.raw(sqlList(GONE_ENVIRONMENT_STATES))})
       order by e.pipeline_id, e.position desc
    ), wanted as (
      select d.* from deployments d join production pr on pr.id = d.environment_id
       where coalesce(d.finished_at, d.created_at) >= ${from}
          or d.release_id in (select release_id from deployments x join production px on px.id = x.environment_id where coalesce(x.finished_at, x.created_at) >= ${from})
    )
    select p.id as pipeline_id, p.name as pipeline, pr.name as production, ${teamColumns},
           w.id, w.kind, w.state, w.created_at, w.started_at, w.finished_at, w.release_id,
           coalesce((select min(b.created_at) from release_builds rb join builds b on b.id = rb.build_id
                      where rb.release_id = w.release_id and b.commit = r.commit), r.created_at) as committed_at,
           array(select a.name from release_builds rb join apps a on a.id = rb.app_id
                  where rb.release_id = w.release_id
                    and rb.build_id is distinct from (select pb.build_id from release_builds pb where pb.release_id = w.previous_release_id and pb.app_id = rb.app_id)
                  order by a.position) as changed_apps
      from pipelines p
      ${teamJoin}
      join production pr on pr.pipeline_id = p.id
      left join wanted w on w.environment_id = pr.id
      left join releases r on r.id = w.release_id
     order by p.name`);
  const raw = rowsOf<Record<string, unknown>>(result);
  const pipelines = new Map<string, { id: string; name: string; production: string; teamId: string | null; team: string | null }>();
  const rows: Row[] = [];
  for (const r of raw) {
    const pipelineId = String(r.pipeline_id);
    if (!pipelines.has(pipelineId)) {
      pipelines.set(pipelineId, { id: pipelineId, name: String(r.pipeline), production: String(r.production), teamId: (r.team_id as string | null) ?? null, team: (r.team as string | null) ?? null });
    }
    if (!r.id) continue;
    rows.push({
      id: String(r.id),
      // Names are unique per pipeline only: qualify them, so two pipelines' histories never mix.
      environment: `${r.pipeline}/${r.production}`,
      kind: r.kind as DeploymentKind,
      state: r.state as DeploymentState,
      createdAt: toDate(r.created_at),
      startedAt: r.started_at ? toDate(r.started_at) : null,
      finishedAt: r.finished_at ? toDate(r.finished_at) : null,
      releaseId: String(r.release_id),
      committedAt: toDate(r.committed_at),
      changedApps: Array.isArray(r.changed_apps) ? (r.changed_apps as string[]) : [],
      pipelineId,
      pipeline: String(r.pipeline),
      teamId: (r.team_id as string | null) ?? null,
      team: (r.team as string | null) ?? null,
    });
  }
  return { rows, pipelines: [...pipelines.values()] };
}

/** The four measures over records that each belong to one production environment (several pipelines' at once for a team). */
function summarizeProduction(name: string, rows: readonly Row[], period: Period): MetricsSummary {
  const frequency = deploymentFrequency(rows, period);
  // Lead time ends in production, whichever pipeline's: measure all of them as one place.
  const lead = leadTimeForChanges(
    rows.map((r) => ({ ...r, environment: "production" })),
    period,
    { environment: "production" },
  );
  const failure = changeFailureRate(rows, period);
  const restore = timeToRestore(rows, period);
  return {
    name,
    deployments: frequency.total,
    perWeek: frequency.perWeek,
    leadTimeMedianMs: lead.medianMs,
    changes: failure.total,
    failed: failure.failed,
    changeFailureRate: failure.rate,
    restoreMedianMs: restore.medianMs,
    openOutages: restore.open,
  };
}

/**
 * DORA per pipeline (at its production environment) and per team, over `period` (7d, 30d or 90d;
 * default 30d). Requires `pipeline.view`; only pipelines the actor may view are measured.
 *
 * @returns DORA metrics per pipeline and per team, over the pipelines the actor may view
 * @throws ServiceError 403 `forbidden`
 */
export async function organisationMetrics(ctx: ServiceContext, input: { period?: MetricsPeriod | undefined } = {}): Promise<OrganisationMetrics> {
  authorize(ctx, "pipeline.view");
  const key: MetricsPeriod = input.period && input.period in METRICS_PERIODS ? input.period : "30d";
  const days = METRICS_PERIODS[key];
  const period = metricsPeriod(ctx.clock.now(), days);
  const loaded = await productionRecords(ctx, period.from);
  const pipelines = loaded.pipelines.filter((p) => can(ctx.actor, "pipeline.view", { pipeline: { id: p.id, teamId: p.teamId } }));
  const rows = loaded.rows.filter((r) => pipelines.some((p) => p.id === r.pipelineId));
  const byPipeline = pipelines.map((p) => ({
    ...summarizeProduction(
      p.name,
      rows.filter((r) => r.pipelineId === p.id),
      period,
    ),
    pipelineId: p.id,
    teamId: p.teamId,
    production: p.production,
  }));
  const teams = new Map<string, string>();
  for (const p of pipelines) if (p.teamId && p.team) teams.set(p.teamId, p.team);
  const byTeam = [...teams].map(([teamId, name]) => ({
    ...summarizeProduction(
      name,
      rows.filter((r) => r.teamId === teamId),
      period,
    ),
    teamId,
  }));
  return { period: { key, days, from: period.from, to: period.to }, byPipeline, byTeam };
}
