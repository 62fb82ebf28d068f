import { listApps } from "@/lib/services/pipeline-queries";
import type { Metadata } from "next";
import Link from "next/link";
import { isSystemUserId } from "@/lib/auth/actor";
import { connection } from "next/server";
import { DEPLOYMENT_KINDS, DEPLOYMENT_STATES } from "@/db/schema/enums";
import { getServiceContext } from "@/lib/server/page-context";
import { listDeployments, type DeploymentListItem } from "@/lib/services/deployment-queries";
import { ValidationError } from "@/lib/services/errors";
import { environmentsWithHistory, type EnvironmentWithHistory } from "@/lib/services/live-environments";
import type { Page } from "@/lib/services/pagination";
import { buttonClass, ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel, tableClass, thClass } from "@/components/ui/layout";
import { HistoryRows, type HistoryRow } from "@/components/deployment/history-rows";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { ScopeFilters } from "@/components/filters/scope-filters";
import { resolveScope } from "@/lib/domain/scope-filter";
import { organisationLists } from "../pending-decisions";

export const metadata: Metadata = { title: "Deployments" };

/** What a history row shows of a rollout (HistoryRows renders it in the browser's bundle too). */
function historyRow(d: DeploymentListItem): HistoryRow {
  return {
    id: d.id,
    createdAt: d.createdAt,
    pipeline: d.pipeline,
    environment: d.environment,
    kind: d.kind,
    strategy: d.strategy,
    automatic: d.kind === "rollback" && isSystemUserId(d.requestedBy.id),
    releaseId: d.releaseId,
    releaseCommit: d.releaseCommit.slice(0, 7),
    releaseBranch: d.releaseBranch,
    state: d.state,
    tookMs: d.startedAt && d.finishedAt ? Math.max(0, d.finishedAt.getTime() - d.startedAt.getTime()) : null,
    requestedBy: d.requestedBy.name,
    reason: d.reason,
    failure: d.failureReason,
  };
}

const FILTERS = ["pipeline", "team", "environment", "app", "status", "kind", "actor", "since", "until"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number] | "cursor", string>>;

const selectClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

/** The filter form's labels, for the service's field errors (it names its query parameters). */
const FILTER_LABELS: Record<string, string> = { since: "From", until: "Until", actor: "Requested by", environment: "Environment", app: "App changed", status: "Status", kind: "Kind" };

/** Date inputs give "2026-11-21"; the service takes ISO times. `until` includes that whole day. */
function toIso(day: string | undefined, endOfDay: boolean): string | undefined {
  if (!day) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  const date = new Date(`${day}T00:00:00Z`);
  if (endOfDay) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

/**
 * The environment filter's value: as given, or — for a bare name with one pipeline chosen (the
 * environment page's link: `?pipeline=shop&environment=dev`) — qualified, so the list shows it chosen.
 */
function environmentChoice(given: string | undefined, pipeline: string | null): string | undefined {
  if (!given || given.includes("/") || !pipeline) return given;
  return `${pipeline}/${given}`;
}

/**
 * A filter offers its choices as a list up to this many; past it the field is typed. A company's
 * Slipway has hundreds of environments (and a pipeline hundreds of apps): as options they cost
 * every view of the history their elements, and nobody scrolls a list that long.
 */
const MAX_LISTED_CHOICES = 60;
const ENVIRONMENT_TYPED_HINT = "An environment as pipeline/name (shop/prod), or its name alone with a pipeline chosen";

/** The environments under their pipelines, in the list's order (one pipeline's run together). */
function groupByPipeline(environments: EnvironmentWithHistory[]): [string, EnvironmentWithHistory[]][] {
  const groups = new Map<string, EnvironmentWithHistory[]>();
  for (const e of environments) {
    const members = groups.get(e.pipeline);
    if (members) members.push(e);
    else groups.set(e.pipeline, [e]);
  }
  return [...groups];
}

/** One environment of the filter: its pipeline's name for it, the qualified reference as its value. */
function EnvironmentOption({ environment: e }: { environment: EnvironmentWithHistory }) {
  return <option value={e.ref}>{e.gone ? `${e.name} (gone)` : e.name}</option>;
}

export default async function DeploymentsPage({ searchParams }: { searchParams: Promise<Filters> }) {
  await connection();
  const { db, clock } = await getServiceContext();
  const filters = await searchParams;
  const now = clock.now();
  const { pipelines: pipelineList, teams } = await organisationLists();
  const scope = resolveScope(pipelineList, teams, { pipeline: filters.pipeline, team: filters.team });
  // The app list of one pipeline; across every pipeline (thousands of apps) the filter is typed.
  const appChoices = scope.pipelineId ? await listApps(db, scope.pipelineId) : null;
  let page: Page<DeploymentListItem> = { items: [], nextCursor: null };
  let problem: string | null = null;
  try {
    if (scope.unknown.length) throw new ValidationError(scope.unknown.join("; "));
    page = await listDeployments(db, {
      ...Object.fromEntries(FILTERS.filter((f) => f !== "pipeline" && f !== "team").map((f) => [f, filters[f]?.trim() || undefined])),
      pipelineId: scope.pipelineId,
      teamId: scope.teamId,
      since: toIso(filters.since, false),
      until: toIso(filters.until, true),
      cursor: filters.cursor,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problem =
      Object.entries(error.fields ?? {})
        .map(([field, message]) => `${FILTER_LABELS[field] ?? field}: ${message}`)
        .join("; ") || error.message;
  }
  const active = Object.fromEntries(FILTERS.filter((f) => filters[f]).map((f) => [f, filters[f]!]));
  // Torn-down review environments keep their history: they stay in the filter, marked.
  // One more than a list shows: enough to tell whether the field is a list or typed, never every environment.
  const environments = await environmentsWithHistory(db, scope.pipelineId ?? null, MAX_LISTED_CHOICES + 1);
  const typedEnvironment = environments.length > MAX_LISTED_CHOICES;
  const scopedPipeline = scope.pipelineId ? (pipelineList.find((p) => p.id === scope.pipelineId)?.name ?? null) : null;
  const chosenEnvironment = environmentChoice(filters.environment?.trim() || undefined, scopedPipeline);
  // A filter from the URL that the list lacks still shows as chosen (not as "all" while it filters).
  if (chosenEnvironment && !environments.some((e) => e.ref === chosenEnvironment)) environments.push({ pipeline: "", name: chosenEnvironment, ref: chosenEnvironment, gone: false });

  return (
    <>
      <AutoRefresh seconds={10} />
      <PageHeader title="Deployments" subtitle="Every rollout into every environment, newest first." />
      {/* Keyed by the query: the header's pipeline switcher changes it by a client navigation, and the fields' defaults must follow. */}
      <form key={new URLSearchParams(filters as Record<string, string>).toString()} className="mb-3 flex flex-wrap items-end gap-2" role="search" aria-label="Filter deployments">
        <ScopeFilters pipelines={pipelineList} teams={teams} pipeline={filters.pipeline} team={filters.team} className={selectClass} />
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Environment
          {typedEnvironment ? (
            <input name="environment" defaultValue={chosenEnvironment ?? ""} placeholder={scopedPipeline ? "any" : "pipeline/environment"} title={ENVIRONMENT_TYPED_HINT} className={selectClass} />
          ) : (
            <select name="environment" defaultValue={chosenEnvironment ?? ""} className={selectClass}>
              <option value="">all</option>
              {scopedPipeline
                ? environments.map((e) => <EnvironmentOption key={e.ref} environment={e} />)
                : groupByPipeline(environments).map(([pipeline, members]) =>
                    pipeline ? (
                      <optgroup key={pipeline} label={pipeline}>
                        {members.map((e) => (
                          <EnvironmentOption key={e.ref} environment={e} />
                        ))}
                      </optgroup>
                    ) : (
                      members.map((e) => <EnvironmentOption key={e.ref} environment={e} />)
                    ),
                  )}
            </select>
          )}
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          App changed
          {appChoices && appChoices.length <= MAX_LISTED_CHOICES ? (
            <select name="app" defaultValue={filters.app ?? ""} className={selectClass}>
              <option value="">any</option>
              {appChoices.map((a) => (
                <option key={a.id}>{a.name}</option>
              ))}
            </select>
          ) : (
            <input name="app" defaultValue={filters.app ?? ""} placeholder="any" className={selectClass} />
          )}
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Status
          <select name="status" defaultValue={filters.status ?? ""} className={selectClass}>
            <option value="">any</option>
            {DEPLOYMENT_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Kind
          <select name="kind" defaultValue={filters.kind ?? ""} className={selectClass}>
            <option value="">any</option>
            {DEPLOYMENT_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Requested by
          <input name="actor" defaultValue={filters.actor} placeholder="name or email" className={`${selectClass} w-40`} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          From
          <input name="since" type="date" defaultValue={filters.since} className={selectClass} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Until
          <input name="until" type="date" defaultValue={filters.until} className={selectClass} />
        </label>
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {Object.keys(active).length > 0 && (
          <Link href="/deployments" className="inline-flex h-8 items-center text-zinc-600 hover:underline">
            Clear filters
          </Link>
        )}
      </form>
      {problem && (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-rose-800">
          {problem}
        </p>
      )}
      <Panel>
        {page.items.length === 0 ? (
          problem ? (
            <EmptyState title="Nothing listed until the filters above are fixed" />
          ) : (
            <EmptyHistory active={active} />
          )
        ) : (
          <div className="overflow-x-auto">
            <table className={tableClass} aria-label="Deployments">
              <thead>
                <tr>
                  <th className={thClass}>When</th>
                  <th className={thClass}>Environment</th>
                  <th className={thClass}>Kind</th>
                  <th className={thClass}>Release</th>
                  <th className={thClass}>State</th>
                  <th className={thClass}>Took</th>
                  <th className={thClass}>Requested by</th>
                  <th className={thClass}>Reason</th>
                </tr>
              </thead>
              <tbody>
                <HistoryRows rows={page.items.map(historyRow)} now={now} showPipeline={pipelineList.length > 1} />
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {(page.nextCursor || filters.cursor) && (
        <div className="mt-3 flex justify-end gap-2">
          {/* Keyset pages go one way; back to the newest is always one click (the browser's Back was the only way). */}
          {filters.cursor && (
            <ButtonLink href={`/deployments${Object.keys(active).length ? `?${new URLSearchParams(active)}` : ""}`}>
              <span aria-hidden>←</span> Newest deployments
            </ButtonLink>
          )}
          {page.nextCursor && (
            <ButtonLink href={`/deployments?${new URLSearchParams({ ...active, cursor: page.nextCursor })}`}>
              Older deployments <span aria-hidden>→</span>
            </ButtonLink>
          )}
        </div>
      )}
    </>
  );
}

/** Nothing listed: nothing deployed yet (in the pipeline, when that is the only filter), or nothing matches. */
function EmptyHistory({ active }: { active: Record<string, string> }) {
  const names = Object.keys(active);
  if (names.length === 0) return <EmptyState title="No deployments yet">Promote a release from the board: its rollout appears here.</EmptyState>;
  if (names.length === 1 && active.pipeline) {
    return (
      <EmptyState title={`No deployments in ${active.pipeline} yet`}>
        Deploy a release from{" "}
        <Link href={`/pipelines/${encodeURIComponent(active.pipeline)}`} className="text-sky-700 hover:underline">
          its board
        </Link>
        : its rollout appears here.
      </EmptyState>
    );
  }
  return <EmptyState title="No deployment matches these filters">Widen the filters, or clear them.</EmptyState>;
}
