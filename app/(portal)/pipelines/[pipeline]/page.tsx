import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getDb, type Db } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";
import { systemClock } from "@/lib/domain/clock";
import type { PipelineConfig } from "@/lib/config/schema";
import { APP_STATUSES, APP_STATUS_LABELS, pageBoardRows, parseAppStatus } from "@/lib/domain/board-rows";
import { environmentRelease } from "@/lib/domain/environment-summary";
import { plural } from "@/lib/domain/gates/format";
import { getBoard, reviewAddresses, type Board } from "@/lib/services/environments";
import { resolvePipeline } from "@/lib/services/pipeline-scope";
import { NotFoundError } from "@/lib/services/errors";
import { listReviewCandidates } from "@/lib/services/review-candidates";
import { loadGateStates } from "@/lib/services/gate-state";
import { listFreezes, storedFreezesForGate } from "@/lib/services/freezes";
import { listIncidents } from "@/lib/services/incidents";
import { aheadSummary } from "@/lib/services/compare";
import { currentVerifications } from "@/lib/services/verifications";
import type { SpinUpOptions } from "@/components/review/spin-up-dialog";
import { PipelineBoard } from "@/components/board/pipeline-board";
import { BoardRowsNav } from "@/components/board/board-rows-nav";
import { ReviewEnvironments } from "@/components/board/review-environments";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { IncidentBanner } from "@/components/operations/incident-banner";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";

const HOUR = 3_600_000;

type Props = { params: Promise<{ pipeline: string }>; searchParams: Promise<{ q?: string | string[]; status?: string | string[]; page?: string | string[] }> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).pipeline) };
}

/** What the spin-up form offers: branches with releases, the pipeline's review settings, the names in use. */
async function spinUpOptions(db: Db, board: Board, config: PipelineConfig): Promise<SpinUpOptions> {
  const candidates = await listReviewCandidates(db, board.pipeline.name);
  const settings = config.reviewEnvironments;
  return {
    pipeline: board.pipeline.name,
    candidates: candidates.map((c) => ({ ...c, releases: c.releases.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) })),
    sources: board.fixed.map((e) => e.name),
    defaultSource: settings.source,
    defaultTtlHours: Math.round((settings.defaultTtl / HOUR) * 10) / 10,
    maxTtlHours: Math.floor(settings.maxTtl / HOUR),
    takenNames: [...board.fixed, ...board.review].map((e) => e.name),
  };
}

/** One pipeline's board: its chain of environments, one row per app (paged and filterable), and its review environments. */
export default async function PipelineBoardPage({ params, searchParams }: Props) {
  await connection();
  const actor = await requireActor();
  const name = decodeURIComponent((await params).pipeline);
  const query = await searchParams;
  const db = await getDb();
  const pipeline = await resolvePipeline(db, name).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const board = await getBoard(db, systemClock, { reviewCells: "differing", pipeline: pipeline.name });
  if (!board) notFound();
  const now = systemClock.now();
  const ctx = { db, actor, clock: systemClock };
  const [freezeList, openIncidents, ahead, addresses, spinUp, gateStates, verifications, storedFreezes] = await Promise.all([
    listFreezes(ctx, {}),
    listIncidents(ctx, { state: "open" }),
    aheadSummary(db, board.fixed),
    reviewAddresses(db, board.review.map((e) => e.id)),
    can(actor, "review.create", { pipeline: { id: pipeline.id, teamId: pipeline.teamId } }) ? spinUpOptions(db, board, pipeline.config as PipelineConfig) : null,
    loadGateStates(db, systemClock, board.fixed),
    currentVerifications(db, board.fixed.map((e) => ({ environmentId: e.id, releaseId: environmentRelease(Object.values(e.apps))?.releaseId ?? null }))),
    storedFreezesForGate(db, now),
  ]);
  const q = first(query.q)?.replace(/[\u0000-\u001f]/g, "").trim().slice(0, 63) || undefined;
  const status = parseAppStatus(first(query.status));
  const rows = pageBoardRows(
    board.apps,
    board.fixed.map((e) => ({ apps: e.apps, releaseId: environmentRelease(Object.values(e.apps))?.releaseId ?? null })),
    { q, status, page: Number(first(query.page) ?? 1) || 1 },
  );
  const filtered = Boolean(q || status);
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ label: "Portfolio", href: "/" }, { label: board.pipeline.name }]} />}
        title={`${board.pipeline.name} pipeline`}
        subtitle={
          <>
            {plural(board.fixed.length, "environment")} · {plural(board.apps.length, "app")} · {plural(board.review.length, "review environment")} · definition loaded{" "}
            <RelativeTime at={board.pipeline.loadedAt} now={now} />
          </>
        }
      />
      <AutoRefresh seconds={5} />
      <div className="flex flex-col gap-6">
        {/* Stop-the-line freezes and this pipeline's own (another pipeline's, or its "dev", is not this board's). */}
        <FreezeBanner freezes={freezeList.filter((f) => f.environment === null && (f.pipeline === null || f.pipeline === board.pipeline.name))} now={now} />
        <IncidentBanner incidents={openIncidents.filter((i) => i.pipeline === null || i.pipeline === board.pipeline.name)} now={now} />
        {(board.apps.length > 10 || filtered) && (
          <BoardRowsNav
            basePath={`/pipelines/${encodeURIComponent(board.pipeline.name)}`}
            q={q}
            status={status}
            statuses={APP_STATUSES.map((s) => ({ value: s, label: APP_STATUS_LABELS[s] }))}
            page={rows.page}
            pages={rows.pages}
            matching={rows.matching}
            total={board.apps.length}
          />
        )}
        {filtered && rows.matching === 0 ? (
          <Panel>
            <EmptyState title="No app matches these filters" action={<Link href={`/pipelines/${encodeURIComponent(board.pipeline.name)}`} className="text-sky-700 hover:underline">Show every app</Link>} />
          </Panel>
        ) : (
          <PipelineBoard board={board} rows={rows.rows} now={now} canDeploy={can(actor, "deployment.request", { pipeline: { id: pipeline.id, teamId: pipeline.teamId } })} ahead={ahead} gateStates={gateStates} verifications={verifications} storedFreezes={storedFreezes} />
        )}
        <div id="review-environments">
          <ReviewEnvironments board={board} now={now} addresses={addresses} spinUp={spinUp} />
        </div>
      </div>
    </>
  );
}
