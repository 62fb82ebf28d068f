import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { NotFoundError, ValidationError } from "@/lib/services/errors";
import { getDeliveryMetrics, METRICS_PERIODS, type DeliveryMetricsView, type MetricsPeriod } from "@/lib/services/metrics";
import { BreakdownTable } from "@/components/metrics/breakdown-table";
import { ChangeFailureChart } from "@/components/metrics/change-failure-chart";
import { formatPercent, formatSpan } from "@/components/metrics/format";
import { FrequencyChart } from "@/components/metrics/frequency-chart";
import { LeadTimeChart } from "@/components/metrics/lead-time-chart";
import { MetricCard } from "@/components/metrics/metric-card";
import { RestoreChart } from "@/components/metrics/restore-chart";
import { buttonClass } from "@/components/ui/button";
import { ScopeFilters } from "@/components/filters/scope-filters";
import { resolveScope } from "@/lib/domain/scope-filter";
import { busiestPipelineId, organisationMetrics } from "@/lib/services/portfolio-metrics";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { organisationLists } from "../pending-decisions";

export const metadata: Metadata = { title: "Delivery metrics" };

type Filters = Partial<Record<"period" | "environment" | "app" | "pipeline" | "team", string>>;

const selectClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function frequencyHeadline(perDay: number): string {
  return perDay >= 1 ? `${perDay.toFixed(1)} / day` : `${(perDay * 7).toFixed(1)} / week`;
}

export default async function MetricsPage({ searchParams }: { searchParams: Promise<Filters> }) {
  await connection();
  const filters = await searchParams;
  const ctx = await getServiceContext();
  const { pipelines: pipelineList, teams } = await organisationLists();
  const scopeOf = resolveScope(pipelineList, teams, { pipeline: filters.pipeline || undefined, team: filters.team || undefined });
  const periodAsked = filters.period || undefined;
  const organisation = pipelineList.length > 1 || teams.length > 0 ? await organisationMetrics(ctx, { period: periodAsked as MetricsPeriod | undefined }) : null;
  // One pipeline is measured in detail. Several loaded and none chosen (nor a qualified "shop/prod"):
  // the one that deployed most to production in the period (a first look lands on data), else the
  // first by name; shown in the pipeline filter — a bare "prod" alone would be ambiguous.
  const environmentAsked = filters.environment || undefined;
  const pipelineId = scopeOf.pipelineId ?? (environmentAsked?.includes("/") ? undefined : ((organisation && busiestPipelineId(organisation)) ?? pipelineList[0]?.id));
  const asked = { period: periodAsked, environment: environmentAsked, app: filters.app || undefined, pipelineId };
  let view: DeliveryMetricsView;
  let problem: string | null = null;
  try {
    try {
      view = await getDeliveryMetrics(ctx, asked);
    } catch (error) {
      // A stale or mistyped link (a torn-down environment, a retired app): say so, and show the defaults.
      const staleLink = error instanceof ValidationError && Boolean(asked.period || asked.environment || asked.app);
      if (!staleLink) throw error;
      problem =
        Object.entries(error.fields ?? {})
          .map(([field, message]) => `${field}: ${message}`)
          .join("; ") || error.message;
      view = await getDeliveryMetrics(ctx, { pipelineId });
    }
  } catch (error) {
    if (!(error instanceof NotFoundError || error instanceof ValidationError)) throw error;
    return (
      <>
        <PageHeader title="Delivery metrics" />
        <Panel>
          <EmptyState title="Nothing to measure yet">{error.message}</EmptyState>
        </Panel>
      </>
    );
  }

  const { metrics, scope, period } = view;
  const env = scope.environment;
  const where = `${env}${scope.app ? `, changes to ${scope.app}` : ""}`;
  const span = `the last ${period.days} days`;
  const linkWith = (changes: Filters) => {
    const params = new URLSearchParams(
      Object.entries({ period: period.key, pipeline: filters.pipeline || pipelineName, team: filters.team, environment: env, app: scope.app ?? undefined, ...changes }).filter((e): e is [string, string] => Boolean(e[1])),
    );
    return `/metrics?${params}`;
  };
  const { frequency, leadTime, changeFailure, restore } = metrics;
  const filtered = Boolean(asked.period || asked.environment || asked.app || filters.pipeline || filters.team);
  const pipelineName = pipelineList.find((p) => p.id === view.pipelineId)?.name;
  const teamId = scopeOf.teamId;
  const problems = [...scopeOf.unknown, ...(problem ? [problem] : [])].join("; ");

  return (
    <>
      <PageHeader
        title="Delivery metrics"
        subtitle={`How often and how safely changes reach ${pipelineList.length > 1 && pipelineName ? `${pipelineName}/` : ""}${where}, over ${span} (UTC days). Measured from Slipway's own deployment records.`}
      />
      {/* Keyed by the query: the header's pipeline switcher changes it by a client navigation, and the fields' defaults must follow. */}
      <form key={new URLSearchParams(filters as Record<string, string>).toString()} className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Choose what to measure">
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Period
          <select name="period" defaultValue={period.key} className={selectClass}>
            {Object.entries(METRICS_PERIODS).map(([key, days]) => (
              <option key={key} value={key}>
                last {days} days
              </option>
            ))}
          </select>
        </label>
        <ScopeFilters pipelines={pipelineList} teams={teams} pipeline={pipelineName ?? filters.pipeline} team={filters.team} className={selectClass} />
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Environment
          <select name="environment" defaultValue={env} className={selectClass}>
            {view.environments.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name}
                {e.name === view.productionEnvironment ? " (production)" : e.kind === "review" ? " (review)" : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          App changed
          <select name="app" defaultValue={scope.app ?? ""} className={selectClass}>
            <option value="">any</option>
            {view.apps.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <button className={buttonClass("secondary", "md")}>Show</button>
        {filtered && (
          <Link href="/metrics" className="inline-flex h-8 items-center text-zinc-600 hover:underline">
            Reset
          </Link>
        )}
      </form>
      {problems && (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-rose-800">
          {problems} — showing the defaults instead.
        </p>
      )}

      <div className="mb-4 grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
        <MetricCard label="Deployment frequency" value={frequencyHeadline(frequency.perDay)} detail={`${plural(frequency.total, "deployment")} succeeded in ${span}`} />
        <MetricCard
          label="Lead time for changes"
          value={formatSpan(leadTime.medianMs)}
          detail={leadTime.count ? `median of ${plural(leadTime.count, "change")}; p90 ${formatSpan(leadTime.p90Ms)}` : `no change reached ${leadTime.environment}`}
        />
        <MetricCard label="Change failure rate" value={formatPercent(changeFailure.rate)} detail={changeFailure.total ? `${changeFailure.failed} of ${plural(changeFailure.total, "change")} failed or rolled back` : "no change to judge"} />
        <MetricCard
          label="Time to restore"
          value={formatSpan(restore.medianMs)}
          detail={restore.count || restore.open ? `median of ${plural(restore.count, "outage")}; p90 ${formatSpan(restore.p90Ms)}${restore.open ? `; ${restore.open} not restored yet` : ""}` : "nothing failed"}
        />
      </div>

      <div className="mb-4 grid gap-3 lg:grid-cols-2">
        <Panel title="Deployment frequency" bodyClassName="px-4 pb-4 pt-2">
          <p className="mb-2 text-xs text-zinc-600">Deployments that succeeded in {env} each day, every kind (a rollback is a deployment too).</p>
          <FrequencyChart series={frequency.series} label={`Bar chart: deployments that succeeded in ${where}, per day over ${span}; ${frequency.total} in total.`} />
        </Panel>
        <Panel title="Lead time for changes" bodyClassName="px-4 pb-4 pt-2">
          <p className="mb-2 text-xs text-zinc-600">From the commit (its first CI build) to the release&apos;s first success in {leadTime.environment}; a point per day with changes, the dashed line the median.</p>
          <LeadTimeChart
            series={leadTime.series}
            medianMs={leadTime.medianMs}
            label={`Line chart: median lead time of the changes that reached ${leadTime.environment} each day over ${span}; overall median ${formatSpan(leadTime.medianMs)}.`}
          />
        </Panel>
        <Panel title="Change failure rate" bodyClassName="px-4 pb-4 pt-2">
          <p className="mb-2 text-xs text-zinc-600">Changes into {env} each day; in rose the ones that failed or were rolled back later (rollbacks themselves are not counted).</p>
          <ChangeFailureChart series={changeFailure.series} label={`Stacked bar chart: changes into ${where} per day over ${span}, split into succeeded and failed or rolled back; failure rate ${formatPercent(changeFailure.rate)}.`} />
        </Panel>
        <Panel title="Time to restore" bodyClassName="px-4 pb-4 pt-2">
          <p className="mb-2 text-xs text-zinc-600">From a failed or rolled-back deployment in {env} to the next deployment that succeeded and stayed, by the day the outage began.</p>
          <RestoreChart series={restore.series} medianMs={restore.medianMs} open={restore.open} label={`Bar chart: time to restore ${where} for outages beginning each day over ${span}; median ${formatSpan(restore.medianMs)}.`} />
        </Panel>
      </div>

      {organisation && (
        <div className="mb-3 grid gap-3">
          <Panel title={`By pipeline, at each one's production environment${teamId ? ` (team ${filters.team})` : ""}`}>
            <BreakdownTable
              label="Pipeline"
              rows={organisation.byPipeline.filter((p) => !teamId || p.teamId === teamId).map((p) => ({ ...p, name: p.name }))}
              current={pipelineName}
              hrefFor={(name) => linkWith({ pipeline: name, environment: undefined, app: undefined })}
            />
          </Panel>
          {organisation.byTeam.length > 0 && (
            <Panel title="By team, over the pipelines it owns">
              <BreakdownTable label="Team" rows={organisation.byTeam} current={filters.team} hrefFor={(name) => linkWith({ team: name, pipeline: undefined, environment: undefined, app: undefined })} />
            </Panel>
          )}
        </div>
      )}
      <div className="grid gap-3">
        <Panel title={`By environment${scope.app ? ` (changes to ${scope.app})` : ""}`}>
          <BreakdownTable label="Environment" rows={view.byEnvironment} current={env} hrefFor={(name) => linkWith({ environment: name })} />
        </Panel>
        <Panel title={`By app, in ${env}`}>
          <BreakdownTable label="App" rows={view.byApp} current={scope.app} hrefFor={(name) => linkWith({ app: name })} />
        </Panel>
      </div>
    </>
  );
}
