import { loadGateStates } from "@/lib/services/gate-state";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import type { PipelineConfig } from "@/lib/config/schema";
import { getBoard, reviewAddresses, type Board } from "@/lib/services/environments";
import { listPipelines, resolvePipeline } from "@/lib/services/pipeline-scope";
import { listReviewCandidates } from "@/lib/services/review-candidates";
import type { SpinUpOptions } from "@/components/review/spin-up-dialog";
import type { Db } from "@/db/client";
import { PipelineBoard } from "@/components/board/pipeline-board";
import { ReviewEnvironments } from "@/components/board/review-environments";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { can } from "@/lib/auth/policy";
import { listFreezes, storedFreezesForGate } from "@/lib/services/freezes";
import { listIncidents } from "@/lib/services/incidents";
import { aheadSummary } from "@/lib/services/compare";
import { currentVerifications } from "@/lib/services/verifications";
import { environmentRelease } from "@/lib/domain/environment-summary";
import { plural } from "@/lib/domain/gates/format";
import { FreezeBanner } from "@/components/operations/freeze-banner";
import { IncidentBanner } from "@/components/operations/incident-banner";

const HOUR = 3_600_000;

/** What the spin-up form offers: branches with releases, slipway.yaml's review settings, the names in use. */
async function spinUpOptions(db: Db, board: Board): Promise<SpinUpOptions> {
  const [candidates, pipeline] = await Promise.all([listReviewCandidates(db, board.pipeline.name), resolvePipeline(db, board.pipeline.name)]);
  const settings = (pipeline.config as PipelineConfig).reviewEnvironments;
  return {
    candidates: candidates.map((c) => ({ ...c, releases: c.releases.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) })),
    sources: board.fixed.map((e) => e.name),
    defaultSource: settings.source,
    defaultTtlHours: Math.round((settings.defaultTtl / HOUR) * 10) / 10,
    maxTtlHours: Math.floor(settings.maxTtl / HOUR),
    takenNames: [...board.fixed, ...board.review].map((e) => e.name),
  };
}

export default async function BoardPage() {
  await connection();
  const actor = await requireActor();
  const db = await getDb();
  // The portfolio (issue 18) replaces this page; until then it shows the first pipeline's board.
  const [first] = await listPipelines(db);
  const board = first ? await getBoard(db, systemClock, { pipeline: first.name, reviewCells: "differing" }) : null;
  const now = systemClock.now();
  const ctx = { db, actor, clock: systemClock };
  const [freezeList, openIncidents, ahead, addresses, spinUp, gateStates, verifications, storedFreezes] = await Promise.all([
    listFreezes(ctx, {}),
    listIncidents(ctx, { state: "open" }),
    board ? aheadSummary(db, board.fixed) : [],
    reviewAddresses(db, board?.review.map((e) => e.id) ?? []),
    board && can(actor, "review.create") ? spinUpOptions(db, board) : null,
    board ? loadGateStates(db, systemClock, board.fixed) : undefined,
    board ? currentVerifications(db, board.fixed.map((e) => ({ environmentId: e.id, releaseId: environmentRelease(Object.values(e.apps))?.releaseId ?? null }))) : {},
    storedFreezesForGate(db, now),
  ]);
  if (!board) {
    return (
      <Panel>
        <EmptyState title="No pipeline loaded">Slipway loads slipway.yaml when it starts. Check the file and restart.</EmptyState>
      </Panel>
    );
  }
  return (
    <>
      <PageHeader
        title={`${board.pipeline.name} pipeline`}
        subtitle={
          <>
            {plural(board.fixed.length, "environment")} · {plural(board.apps.length, "app")} · {plural(board.review.length, "review environment")} · slipway.yaml loaded{" "}
            <RelativeTime at={board.pipeline.loadedAt} now={now} />
          </>
        }
      />
      <AutoRefresh seconds={5} />
      <div className="flex flex-col gap-6">
        <FreezeBanner freezes={freezeList.filter((f) => f.environment === null)} now={now} />
        <IncidentBanner incidents={openIncidents} now={now} />
        <PipelineBoard board={board} now={now} canDeploy={can(actor, "deployment.request")} ahead={ahead} gateStates={gateStates} verifications={verifications} storedFreezes={storedFreezes} />
        <ReviewEnvironments board={board} now={now} addresses={addresses} spinUp={spinUp} />
      </div>
    </>
  );
}
