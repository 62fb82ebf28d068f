import { connection } from "next/server";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { getBoard } from "@/lib/services/environments";
import { PipelineBoard } from "@/components/board/pipeline-board";
import { ReviewEnvironments } from "@/components/board/review-environments";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { can } from "@/lib/auth/policy";

export default async function BoardPage() {
  await connection();
  const actor = await requireActor();
  const board = await getBoard(await getDb(), systemClock, { reviewCells: "differing" });
  const now = systemClock.now();
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
            {board.fixed.length} environments · {board.apps.length} apps · {board.review.length} review environments · slipway.yaml loaded{" "}
            <RelativeTime at={board.pipeline.loadedAt} now={now} />
          </>
        }
      />
      <AutoRefresh seconds={5} />
      <div className="flex flex-col gap-6">
        <PipelineBoard board={board} now={now} canDeploy={can(actor, "deployment.request")} />
        <ReviewEnvironments board={board} now={now} />
      </div>
    </>
  );
}
