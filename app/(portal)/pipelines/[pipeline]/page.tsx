import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { APP_STATUSES, APP_STATUS_DESCRIPTIONS, APP_STATUS_LABELS, boardRefreshSeconds } from "@/lib/domain/board-rows";
import { plural } from "@/lib/domain/gates/format";
import { getBoardPage } from "@/lib/services/board-page";
import { NotFoundError } from "@/lib/services/errors";
import { PipelineBoard } from "@/components/board/pipeline-board";
import { BoardRowsNav } from "@/components/board/board-rows-nav";
import { ReviewEnvironments } from "@/components/board/review-environments";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { FirstReleaseHint } from "@/components/board/first-release-hint";
import { IncidentBanner } from "@/components/operations/incident-banner";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";

type Param = string | string[] | undefined;
type Props = { params: Promise<{ pipeline: string }>; searchParams: Promise<{ q?: Param; team?: Param; status?: Param; page?: Param }> };

/** A repeated parameter (?q=a&q=b) counts once: the first. */
const first = (v: Param) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).pipeline) };
}

/** One pipeline's board: its chain of environments, one row per app (paged and filterable), and its review environments. */
export default async function PipelineBoardPage({ params, searchParams }: Props) {
  await connection();
  const ctx = await getServiceContext();
  const query = await searchParams;
  const name = decodeURIComponent((await params).pipeline);
  const missing = (error: unknown): never => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  };
  const board = await getBoardPage(ctx, { pipeline: name, q: first(query.q), team: first(query.team), status: first(query.status), page: first(query.page) }).catch(missing);
  const { pipeline, rows, now } = board;
  const basePath = `/pipelines/${encodeURIComponent(pipeline.name)}`;
  const filtered = Boolean(rows.filter.q || rows.filter.team || rows.filter.status);
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ label: "Portfolio", href: "/" }, { label: pipeline.name }]} />}
        title={`${pipeline.name} pipeline`}
        subtitle={
          <>
            {plural(board.columns.length, "environment")} · {plural(board.apps.total, "app")} · {plural(board.review.total, "review environment")} · definition loaded <RelativeTime at={pipeline.loadedAt} now={now} />
          </>
        }
      />
      <LiveRefresh
        url={`/api/v1/pipelines/${encodeURIComponent(pipeline.name)}/revision`}
        revision={board.revision}
        renderedAt={now.toISOString()}
        backstopSeconds={boardRefreshSeconds(
          board.columns.map((c) => c.environment),
          board.review.environments,
        )}
      />
      <div className="flex flex-col gap-6">
        <FreezeBanner freezes={board.freezes} now={now} />
        <IncidentBanner incidents={board.incidents} now={now} />
        {board.firstRelease && <FirstReleaseHint pipeline={pipeline.name} entry={board.firstRelease.entry} branch={board.firstRelease.branch} />}
        {(board.apps.total > 10 || filtered) && (
          <BoardRowsNav
            basePath={basePath}
            q={rows.filter.q}
            team={rows.filter.team}
            teams={board.apps.teams}
            status={rows.filter.status}
            statuses={APP_STATUSES.map((s) => ({ value: s, label: APP_STATUS_LABELS[s], description: APP_STATUS_DESCRIPTIONS[s] }))}
            page={rows.page}
            pages={rows.pages}
            matching={rows.matching}
            total={board.apps.total}
          />
        )}
        {filtered && rows.matching === 0 ? (
          <Panel>
            <EmptyState
              title="No app matches these filters"
              action={
                <Link href={basePath} className="text-sky-700 hover:underline">
                  Show every app
                </Link>
              }
            />
          </Panel>
        ) : (
          <PipelineBoard board={board} />
        )}
        <div id="review-environments">
          <ReviewEnvironments board={board} />
        </div>
      </div>
    </>
  );
}
