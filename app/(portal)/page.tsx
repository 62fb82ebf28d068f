import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { plural } from "@/lib/domain/gates/format";
import { getPortfolio } from "@/lib/services/portfolio";
import { PipelineSummary } from "@/components/portfolio/pipeline-summary";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { buttonClass } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { myPendingDecisions } from "./pending-decisions";

export const metadata: Metadata = { title: "Portfolio" };

type Params = Partial<Record<"team" | "app" | "failing" | "mine", string | string[]>>;

/** A repeated parameter (?app=a&app=b) counts once: the first. */
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

/** The portfolio: every pipeline this person may see, each environment's state, filterable by URL. */
export default async function PortfolioPage({ searchParams }: { searchParams: Promise<Params> }) {
  await connection();
  const actor = await requireActor();
  const raw = await searchParams;
  const params = { team: first(raw.team), app: first(raw.app), failing: first(raw.failing), mine: first(raw.mine) };
  const db = await getDb();
  const now = systemClock.now();
  // App names are DNS labels: a search longer than one, or with control characters, is cut to what can match.
  const app = params.app?.replace(/[\u0000-\u001f]/g, "").trim().slice(0, 63) || undefined;
  const filters = { team: params.team || undefined, app, failing: params.failing === "1", needsMyDecision: params.mine === "1" };
  const pending = await myPendingDecisions();
  const portfolio = await getPortfolio(db, actor, now, { ...filters, myDecisions: new Set(pending.map((p) => p.deployment.id)) });
  const filtered = Boolean(filters.team || filters.app || filters.failing || filters.needsMyDecision);
  const shown = portfolio.pipelines.length;
  return (
    <>
      <AutoRefresh seconds={10} />
      <PageHeader
        title="Portfolio"
        subtitle={
          <span data-testid="portfolio-count">
            {filtered ? `${shown} of ${plural(portfolio.visibleCount, "pipeline")}` : plural(shown, "pipeline")} · every environment in chain order, what it runs and what waits
          </span>
        }
      />
      <form className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Filter pipelines">
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
        <label className="flex h-8 items-center gap-1.5 text-sm text-zinc-700">
          <input type="checkbox" name="failing" value="1" defaultChecked={filters.failing} className="size-4" />
          Failing health
        </label>
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {filtered && (
          <Link href="/" className="self-center text-zinc-600 hover:underline">
            Clear filters
          </Link>
        )}
      </form>
      {shown === 0 ? (
        <Panel>
          {filtered ? (
            <EmptyState title="No pipeline matches these filters" action={<Link href="/" className="text-sky-700 hover:underline">Clear filters</Link>} />
          ) : (
            <EmptyState title="No pipeline loaded">Slipway loads every *.yaml in the pipelines directory (or slipway.yaml) when it starts. Check the files and restart.</EmptyState>
          )}
        </Panel>
      ) : (
        <div className="flex flex-col gap-3">
          {portfolio.pipelines.map((p) => (
            <PipelineSummary key={p.id} pipeline={p} now={now} />
          ))}
        </div>
      )}
    </>
  );
}
