import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { NotFoundError } from "@/lib/services/errors";
import { getRelease } from "@/lib/services/releases";
import { pipelineById } from "@/lib/services/pipeline-scope";
import { CurrentPipeline } from "@/components/shell/current-pipeline";
import { getReleaseWhereabouts } from "@/lib/services/release-page";
import { WhereaboutsList } from "@/components/release/whereabouts";
import { environmentPathByName } from "@/lib/paths";
import { BuildsTable } from "@/components/release/builds-table";
import { DeploymentStateBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";
import { CopyText } from "@/components/ui/copy";
import { CommitOrder } from "@/components/release/commit-order";
import { EmptyState, Facts, PageHeader, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

type Props = { params: Promise<{ id: string }> };

export const metadata: Metadata = { title: "Release" };

export default async function ReleasePage({ params }: Props) {
  await connection();
  const ctx = await getServiceContext();
  const { id } = await params;
  const release = await getRelease(ctx.db, id).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const now = ctx.clock.now();
  const [pipeline, whereabouts] = await Promise.all([pipelineById(ctx.db, release.pipelineId), getReleaseWhereabouts(ctx, release)]);
  return (
    <>
      <CurrentPipeline name={pipeline.name} />
      <PageHeader
        eyebrow={
          <Link href="/releases" className="hover:underline">
            Releases
          </Link>
        }
        title={
          <span className="flex items-center gap-2">
            Release <span className="font-mono">{release.commit.slice(0, 7)}</span>
            <span className="font-mono text-sm font-normal text-zinc-500">{release.branch}</span>
          </span>
        }
        subtitle={
          <span className="flex flex-wrap items-center gap-1">
            {release.runningIn.length ? (
              <>
                Running in{" "}
                {release.runningIn.map((env) => (
                  <Link key={env} href={environmentPathByName(env, pipeline.name)}>
                    <Badge tone="green">{env}</Badge>
                  </Link>
                ))}
              </>
            ) : (
              "Not running in any environment"
            )}
          </span>
        }
      />
      <div className="flex flex-col gap-6">
        <Panel title="Release" bodyClassName="px-4 py-3">
          <Facts
            items={[
              ["Id", <CopyText key="id" value={release.id} />],
              ["Commit", <CopyText key="c" value={release.commit} />],
              [
                "Branch",
                <span key="b" className="font-mono">
                  {release.branch}
                </span>,
              ],
              ["Commit order", <CommitOrder key="o" release={release} />],
              [
                "Cut",
                <span key="t">
                  <RelativeTime at={release.createdAt} now={now} /> by <span title={release.createdByEmail}>{release.createdByName}</span>
                </span>,
              ],
            ]}
          />
        </Panel>
        {whereabouts.length > 0 && (
          <Panel title="Where it is now">
            <WhereaboutsList items={whereabouts} pipeline={pipeline.name} />
          </Panel>
        )}
        <Panel title={`Builds (${release.builds.length})`}>
          <BuildsTable release={release} now={now} />
        </Panel>
        <Panel title="Where it has run">
          {release.runs.length === 0 ? (
            <EmptyState title="Not deployed anywhere yet">It moves into the first environment of the chain when promoted there.</EmptyState>
          ) : (
            <table className={tableClass}>
              <thead>
                <tr>
                  <th className={thClass}>Environment</th>
                  <th className={thClass}>Kind</th>
                  <th className={thClass}>State</th>
                  <th className={thClass}>Requested</th>
                  <th className={thClass}>Finished</th>
                </tr>
              </thead>
              <tbody>
                {release.runs.map((run) => (
                  <tr key={run.deploymentId}>
                    <td className={tdClass}>
                      <Link href={environmentPathByName(run.environment, pipeline.name)} className="hover:underline">
                        {run.environment}
                      </Link>
                    </td>
                    <td className={tdClass}>{run.kind}</td>
                    <td className={tdClass}>
                      <DeploymentStateBadge state={run.state} />
                    </td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>
                      <RelativeTime at={run.createdAt} now={now} />
                    </td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>{run.finishedAt ? <RelativeTime at={run.finishedAt} now={now} /> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>
    </>
  );
}
