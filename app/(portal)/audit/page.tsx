import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { AUDIT_OUTCOMES } from "@/db/schema";
import { can } from "@/lib/auth/policy";
import { getServiceContext } from "@/lib/server/page-context";
import { listAuditEventSummaries, type AuditEventSummary } from "@/lib/services/audit-queries";
import { ValidationError } from "@/lib/services/errors";
import type { Page } from "@/lib/services/pagination";
import { Forbidden } from "@/components/forbidden";
import { buttonClass, ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel, tableClass, thClass } from "@/components/ui/layout";
import { VerifyChain } from "@/components/audit/verify-chain";
import { AuditRows } from "@/components/audit/audit-rows";
import { ScopeFilters } from "@/components/filters/scope-filters";
import { resolveScope } from "@/lib/domain/scope-filter";
import { auditRow, type KnownPipelines } from "./audit-row";
import { organisationLists } from "../pending-decisions";

export const metadata: Metadata = { title: "Audit trail" };

const FILTERS = ["pipeline", "team", "actor", "action", "targetType", "targetId", "outcome", "since", "until"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number] | "cursor", string>>;

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";
const ACTION_PREFIXES = ["deployment.", "release.", "build.", "environment.", "review.", "config.", "freeze.", "incident.", "job.", "token.", "user.", "pipeline."];
const TARGET_TYPES = ["deployment", "release", "build", "environment", "pipeline", "pull-request", "token", "user"];

/** Date inputs give "2026-11-21"; the service takes ISO times. `until` includes that whole day. */
function toIso(day: string | undefined, endOfDay: boolean): string | undefined {
  if (!day) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  const date = new Date(`${day}T00:00:00Z`);
  if (endOfDay) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Filters> }) {
  await connection();
  const ctx = await getServiceContext();
  const { actor } = ctx;
  if (!can(actor, "audit.view")) {
    return (
      <>
        <PageHeader title="Audit trail" />
        <Forbidden what="The audit trail is open to delivery leads, tech leads, PMs and admins." />
      </>
    );
  }
  const filters = await searchParams;
  const now = ctx.clock.now();
  const { pipelines: pipelineList, teams } = await organisationLists();
  const knownPipelines: KnownPipelines = { names: new Set(pipelineList.map((p) => p.name)), nameById: new Map(pipelineList.map((p) => [p.id, p.name])) };
  const scope = resolveScope(pipelineList, teams, { pipeline: filters.pipeline || undefined, team: filters.team || undefined });
  const query = {
    ...Object.fromEntries(FILTERS.filter((f) => f !== "pipeline" && f !== "team").map((f) => [f, filters[f] || undefined])),
    pipelineId: scope.pipelineId,
    teamId: scope.teamId,
    since: toIso(filters.since, false),
    until: toIso(filters.until, true),
  };
  let page: Page<AuditEventSummary> = { items: [], nextCursor: null };
  let problem: string | null = null;
  try {
    if (scope.unknown.length) throw new ValidationError(scope.unknown.join("; "));
    page = await listAuditEventSummaries(ctx, { ...query, cursor: filters.cursor });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problem =
      Object.entries(error.fields ?? {})
        .map(([field, message]) => `${field}: ${message}`)
        .join("; ") || error.message;
  }
  const active = Object.fromEntries(FILTERS.filter((f) => filters[f]).map((f) => [f, filters[f]!]));
  const filtered = Object.keys(active).length > 0;
  // The exports take the same filters (as the API's ISO times) and carry every matching event.
  const exportQuery = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])));
  const exportHref = (format: "csv" | "json") => `/api/v1/audit?${new URLSearchParams({ ...exportQuery, format })}`;

  return (
    <>
      <PageHeader
        title="Audit trail"
        subtitle="Who did what, to what, when, why and from where — refused attempts included. Append-only and hash-chained."
        actions={
          <>
            <VerifyChain />
            <a href={exportHref("csv")} download className={buttonClass("secondary", "md")}>
              Export CSV
            </a>
            <a href={exportHref("json")} download className={buttonClass("secondary", "md")}>
              Export JSON
            </a>
          </>
        }
      />
      <form className="mb-3 flex flex-wrap items-end gap-2" role="search" aria-label="Filter the audit trail">
        <ScopeFilters pipelines={pipelineList} teams={teams} pipeline={filters.pipeline} team={filters.team} className={inputClass} />
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Who (email)
          <input name="actor" type="text" inputMode="email" defaultValue={filters.actor} className={`${inputClass} w-52`} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Action starts with
          <input name="action" list="audit-actions" defaultValue={filters.action} placeholder="deployment." className={`${inputClass} w-40 font-mono`} />
          <datalist id="audit-actions">
            {ACTION_PREFIXES.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Target type
          <input name="targetType" list="audit-target-types" defaultValue={filters.targetType} className={`${inputClass} w-32`} />
          <datalist id="audit-target-types">
            {TARGET_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Target id
          <input name="targetId" defaultValue={filters.targetId} className={`${inputClass} w-44 font-mono`} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Outcome
          <select name="outcome" defaultValue={filters.outcome ?? ""} className={inputClass}>
            <option value="">any</option>
            {AUDIT_OUTCOMES.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          From
          <input name="since" type="date" defaultValue={filters.since} className={inputClass} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Until
          <input name="until" type="date" defaultValue={filters.until} className={inputClass} />
        </label>
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {filtered && (
          <Link href="/audit" className="inline-flex h-8 items-center text-zinc-600 hover:underline">
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
          <EmptyState title={filtered ? "No event matches these filters" : "The audit trail is empty"}>
            {filtered ? "Widen the filters, or clear them." : "Every change made in Slipway — and every refused attempt — is recorded here."}
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className={tableClass} aria-label="Audit events">
              <thead>
                <tr>
                  <th className={thClass}>When</th>
                  <th className={thClass}>Who</th>
                  <th className={thClass}>Action</th>
                  <th className={thClass}>Target</th>
                  <th className={thClass}>Outcome</th>
                  <th className={thClass}>Reason</th>
                  <th className={thClass}>From</th>
                  <th className={thClass}>Data</th>
                </tr>
              </thead>
              <tbody>
                <AuditRows rows={page.items.map((e) => auditRow(e, knownPipelines))} now={now} />
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {(page.nextCursor || filters.cursor) && (
        <div className="mt-3 flex justify-end gap-2">
          {filters.cursor && (
            <ButtonLink href={`/audit?${new URLSearchParams(active)}`}>
              <span aria-hidden>←</span> Newest
            </ButtonLink>
          )}
          {page.nextCursor && (
            <ButtonLink href={`/audit?${new URLSearchParams({ ...active, cursor: page.nextCursor })}`}>
              Older <span aria-hidden>→</span>
            </ButtonLink>
          )}
        </div>
      )}
    </>
  );
}
