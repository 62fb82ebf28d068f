import type { Metadata } from "next";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { comparableEnvironments, compareEnvironments, type Comparison } from "@/lib/services/compare";
import { AmbiguousError, NotFoundError, ValidationError } from "@/lib/services/errors";
import { AheadCommits, AheadReleases } from "@/components/compare/ahead-releases";
import { AppBuildsTable } from "@/components/compare/app-builds-table";
import { CompareForm } from "@/components/compare/compare-form";
import { ComparisonHeadline } from "@/components/compare/comparison-headline";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";

export const metadata: Metadata = { title: "Compare environments" };

type Props = { searchParams: Promise<{ from?: string; to?: string }> };

export default async function ComparePage({ searchParams }: Props) {
  await connection();
  const { db, clock } = await getServiceContext();
  const params = await searchParams;
  const options = await comparableEnvironments(db);
  // By default the end of a chain: the first pipeline (by name) where something is deployed, else
  // the first (an empty pipeline first in the alphabet opened the page on "nothing runs").
  const first = options.find((o) => o.kind === "fixed" && o.deployed)?.pipeline ?? options[0]?.pipeline;
  const chain = options.filter((o) => o.kind === "fixed" && o.pipeline === first);
  const header = <PageHeader title="Compare environments" subtitle="What one environment runs that another does not: the releases, commits and builds between them." />;
  if (options.length < 2) {
    return (
      <>
        {header}
        <Panel>
          <EmptyState title="Nothing to compare">The pipeline needs at least two environments: declare them in its pipeline file and restart Slipway.</EmptyState>
        </Panel>
      </>
    );
  }
  // By default the end of the chain: what would go to production next.
  const from = params.from || (chain.at(-2) ?? options[0]!).ref;
  const to = params.to || (chain.at(-1) ?? options[1]!).ref;

  let comparison: Comparison | null = null;
  let problem: string | null = null;
  if (from === to) {
    problem = "Choose two different environments.";
  } else {
    try {
      comparison = await compareEnvironments(db, { from, to });
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof ValidationError || error instanceof AmbiguousError)) throw error;
      problem = error.message;
    }
  }
  const now = clock.now();

  return (
    <>
      {header}
      {/* A bare ?from=staging&to=prod (an old link) selects the qualified options it resolved to. */}
      <CompareForm from={comparison ? `${comparison.pipeline}/${comparison.from.name}` : from} to={comparison ? `${comparison.pipeline}/${comparison.to.name}` : to} options={options} />
      {problem && (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 px-3 py-2 text-rose-800">
          {problem}
        </p>
      )}
      {comparison && (
        <div className="flex flex-col gap-6">
          <ComparisonHeadline comparison={comparison} />
          {comparison.ahead.releases.length > 0 && (
            <Panel title={`Releases ${comparison.to.name} does not run now (${comparison.ahead.releases.length}${comparison.ahead.truncated ? "+, newest shown" : ""})`}>
              <AheadReleases releases={comparison.ahead.releases} now={now} to={comparison.to.name} />
            </Panel>
          )}
          {comparison.ahead.commits.length > 0 && (
            <Panel title={`Commits they bring (${comparison.ahead.commits.length})`}>
              <AheadCommits commits={comparison.ahead.commits} />
            </Panel>
          )}
          <Panel title="Builds per app">
            {comparison.ahead.builds.length === 0 ? (
              <EmptyState title="No builds on either side">
                Nothing has been deployed to {comparison.from.name} or {comparison.to.name} yet.
              </EmptyState>
            ) : (
              <AppBuildsTable from={comparison.from.name} to={comparison.to.name} builds={comparison.ahead.builds} />
            )}
          </Panel>
        </div>
      )}
    </>
  );
}
