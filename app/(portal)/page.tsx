import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { plural } from "@/lib/domain/gates/format";
import { FAILING_HEALTH_DESCRIPTION, FAILING_HEALTH_LABEL } from "@/lib/domain/health";
import { getPortfolio } from "@/lib/services/portfolio";
import { PipelineSummary } from "@/components/portfolio/pipeline-summary";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { buttonClass } from "@/components/ui/button";
import { PrevNextLinks } from "@/components/ui/pager";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { myPendingDecisions, organisationLists } from "./pending-decisions";

export const metadata: Metadata = { title: "Portfolio" };

type Params = Partial<Record<"team" | "name" | "app" | "failing" | "mine" | "page", string | string[]>>;

/** A repeated parameter (?app=a&app=b) counts once: the first. */
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

/** Names are DNS labels: a search longer than one, or with control characters, is cut to what can match. */
const label = (v: string | undefined) =>
  v
    ?.replace(/[\u0000-\u001f]/g, "")
    .trim()
    .slice(0, 63) || undefined;

/** The portfolio re-renders this often (seconds) for what time alone changes (stale readings, freezes starting); changes show through its change token. */
const PORTFOLIO_BACKSTOP_S = 30;

/** The portfolio: every pipeline this person may see, a page at a time, each environment's state, filterable by URL. */
export default async function PortfolioPage({ searchParams }: { searchParams: Promise<Params> }) {
  await connection();
  const ctx = await getServiceContext();
  const raw = await searchParams;
  const now = ctx.clock.now();
  const app = label(first(raw.app));
  const name = label(first(raw.name));
  const filters = { team: first(raw.team) || undefined, name, app, failing: first(raw.failing) === "1", needsMyDecision: first(raw.mine) === "1" };
  const [pending, { teams }] = await Promise.all([myPendingDecisions(), organisationLists()]);
  // Its change token comes with it (read before its rows); someone who may view no pipeline sees an empty portfolio and has nothing to follow.
  const portfolio = await getPortfolio(ctx.db, ctx.actor, now, { ...filters, page: Number(first(raw.page)) || 1, myDecisions: new Set(pending.map((p) => p.deployment.id)) }, teams);
  const revision = portfolio.revision;
  const filtered = Boolean(filters.team || filters.name || filters.app || filters.failing || filters.needsMyDecision);
  const shown = portfolio.pipelines.length;
  const href = (page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ name, app, team: filters.team, mine: filters.needsMyDecision ? "1" : undefined, failing: filters.failing ? "1" : undefined })) if (value) params.set(key, value);
    if (page > 1) params.set("page", String(page));
    return params.size ? `/?${params}` : "/";
  };
  return (
    <>
      {revision !== null && <LiveRefresh url="/api/v1/revision" revision={revision} renderedAt={now.toISOString()} backstopSeconds={PORTFOLIO_BACKSTOP_S} />}
      <PageHeader
        title="Portfolio"
        subtitle={
          <span data-testid="portfolio-count">
            {/* "1 of 1 pipeline" read oddly: the filters that narrow the count (team, name, app) already applied to both. */}
            {filtered && portfolio.matching !== portfolio.visibleCount
              ? `${portfolio.matching} of ${plural(portfolio.visibleCount, "pipeline")}`
              : `${plural(portfolio.matching, "pipeline")}${filtered ? (portfolio.matching === 1 ? " matches" : " match") : ""}`}
            {portfolio.pages > 1 && ` · page ${portfolio.page} of ${portfolio.pages}`} · every environment in chain order, what it runs and what waits
          </span>
        }
      />
      <form className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Filter pipelines">
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Pipeline
          <input name="name" type="search" defaultValue={name} placeholder="name contains…" className={`${inputClass} w-40`} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          App name
          <input name="app" type="search" defaultValue={app} placeholder="e.g. portal" className={`${inputClass} w-48`} />
        </label>
        {portfolio.teams.length > 0 && (
          <label className="flex flex-col gap-1 text-xs text-zinc-600">
            Team
            <select name="team" defaultValue={filters.team ?? ""} className={inputClass}>
              <option value="">all</option>
              {portfolio.teams.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.displayName ?? t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="flex h-8 items-center gap-1.5 text-sm text-zinc-700">
          <input type="checkbox" name="mine" value="1" defaultChecked={filters.needsMyDecision} className="size-4" />
          Needs my decision
        </label>
        <label className="flex h-8 items-center gap-1.5 text-sm text-zinc-700" title={FAILING_HEALTH_DESCRIPTION}>
          <input type="checkbox" name="failing" value="1" defaultChecked={filters.failing} className="size-4" />
          {FAILING_HEALTH_LABEL}
        </label>
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {filtered && (
          <Link href="/" className="inline-flex h-8 items-center text-zinc-600 hover:underline">
            Clear filters
          </Link>
        )}
      </form>
      {shown === 0 ? (
        <Panel>
          {filtered ? (
            <EmptyState
              title="No pipeline matches these filters"
              action={
                <Link href="/" className="text-sky-700 hover:underline">
                  Clear filters
                </Link>
              }
            />
          ) : (
            <EmptyState title="No pipeline loaded">Slipway loads every *.yaml in the pipelines directory (or slipway.yaml) when it starts. Check the files and restart.</EmptyState>
          )}
        </Panel>
      ) : (
        <div className="flex flex-col gap-3">
          {portfolio.pipelines.map((p) => (
            <PipelineSummary key={p.id} pipeline={p} now={now} />
          ))}
          {portfolio.pages > 1 && (
            <nav aria-label="Pipeline pages" className="flex items-center justify-end gap-2 text-sm text-zinc-600">
              <PrevNextLinks page={portfolio.page} pages={portfolio.pages} href={href} />
            </nav>
          )}
        </div>
      )}
    </>
  );
}
