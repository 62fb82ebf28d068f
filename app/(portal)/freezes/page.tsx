import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { can } from "@/lib/auth/policy";
import { getServiceContext } from "@/lib/server/page-context";
import { ValidationError } from "@/lib/services/errors";
import type { FreezeView } from "@/lib/services/freeze-queries";
import { listFreezes } from "@/lib/services/freezes";
import { liveEnvironmentNames } from "@/lib/services/live-environments";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { FreezeForm } from "@/components/operations/freeze-form";
import { FreezeTable } from "@/components/operations/freeze-table";
import { cn } from "@/components/ui/cn";
import { environmentRefLabel } from "@/lib/paths";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { organisationLists } from "../pending-decisions";

export const metadata: Metadata = { title: "Freezes" };

type Search = { environment?: string; history?: string };

function filterHref(environment: string | undefined, history: boolean) {
  const query = new URLSearchParams({ ...(environment ? { environment } : {}), ...(history ? { history: "1" } : {}) }).toString();
  return query ? `/freezes?${query}` : "/freezes";
}

function FilterLink({ href, active, children }: { href: string; active: boolean; children: React.ReactNode }) {
  return (
    <Link href={href} aria-current={active ? "page" : undefined} className={cn("rounded-md px-2 py-1 text-sm", active ? "bg-zinc-900 text-white" : "text-zinc-700 hover:bg-zinc-100")}>
      {children}
    </Link>
  );
}

export default async function FreezesPage({ searchParams }: { searchParams: Promise<Search> }) {
  await connection();
  const ctx = await getServiceContext();
  const { db, actor } = ctx;
  const now = ctx.clock.now();
  const search = await searchParams;
  const [environments, { pipelines }] = await Promise.all([liveEnvironmentNames(db), organisationLists()]);
  const environment = search.environment && environments.includes(search.environment) ? search.environment : undefined;
  const history = search.history === "1";
  let freezes: FreezeView[] = [];
  let problem: string | null = null;
  try {
    freezes = await listFreezes(ctx, { environment, includeLifted: history });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problem = error.message;
  }
  const canManage = can(actor, "freeze.manage");
  const active = freezes.filter((f) => f.state === "active");
  const upcoming = freezes.filter((f) => f.state === "upcoming");
  const past = freezes.filter((f) => f.state === "ended" || f.state === "lifted");
  const stopTheLine = active.filter((f) => f.environment === null);

  return (
    <>
      <PageHeader
        title="Freezes"
        subtitle="Periods when deployments wait: declared here or through the API, or in a pipeline file. While a freeze is active, the freeze gate holds deployments into its environment, into every environment of its pipeline, or — when someone stops the line — into every environment."
      />
      <div className="flex flex-col gap-6">
        {stopTheLine.length > 0 && <FreezeBanner freezes={stopTheLine} now={now} href={null} />}

        <nav aria-label="Filter by environment" className="flex flex-wrap items-center gap-1">
          <FilterLink href={filterHref(undefined, history)} active={!environment}>
            All environments
          </FilterLink>
          {environments.map((name) => (
            <FilterLink key={name} href={filterHref(name, history)} active={environment === name}>
              {environmentRefLabel(name)}
            </FilterLink>
          ))}
          <span className="mx-2 h-5 w-px bg-zinc-200" aria-hidden />
          <FilterLink href={filterHref(environment, !history)} active={history}>
            {history ? "Hide lifted and ended" : "Show lifted and ended"}
          </FilterLink>
        </nav>
        {problem && <p className="text-rose-700">{problem}</p>}

        {canManage && (
          <Panel title="Declare a freeze" bodyClassName="p-4">
            {/* Keyed by the filter: a filter chip is a client navigation, and the form must follow it to the chosen environment. */}
            <FreezeForm key={environment ?? ""} environments={environments} pipelines={pipelines.map((p) => p.name)} defaultEnvironment={environment} />
          </Panel>
        )}

        <Panel title={`Active (${active.length})`}>
          {active.length === 0 ? (
            <EmptyState title={environment ? `${environment} is not frozen` : "Nothing is frozen"}>Deployments are held only by their other gates.</EmptyState>
          ) : (
            <FreezeTable freezes={active} now={now} canManage={canManage} caption="Active freezes" />
          )}
        </Panel>

        <Panel title={`Upcoming (${upcoming.length})`}>
          {upcoming.length === 0 ? (
            <EmptyState title="No freeze planned">
              {canManage ? "Declare one above, or add a recurring one to a pipeline file under gates.freezes." : "Delivery leads, tech leads and admins declare freezes; recurring ones live in pipeline files under gates.freezes."}
            </EmptyState>
          ) : (
            <FreezeTable freezes={upcoming} now={now} canManage={canManage} caption="Upcoming freezes" />
          )}
        </Panel>

        {history && <Panel title={`Lifted and ended (${past.length})`}>{past.length === 0 ? <EmptyState title="No past freezes" /> : <FreezeTable freezes={past} now={now} canManage={false} caption="Lifted and ended freezes" />}</Panel>}
      </div>
    </>
  );
}
