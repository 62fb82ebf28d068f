"use client";

import Link from "next/link";
import { formatElapsed } from "@/lib/domain/duration";
import type { DeploymentKind, DeploymentState, Strategy } from "@/lib/domain/vocabulary";
import { environmentPath } from "@/lib/paths";
import { DeploymentStateBadge } from "@/components/status";
import { ReasonAndFailure } from "./reason-and-failure";
import { Badge } from "@/components/ui/badge";
import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { tdClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** One rollout of the history as the browser gets it (historyRow): what its row shows, nothing more. */
export interface HistoryRow {
  id: string;
  createdAt: Date;
  pipeline: string;
  environment: string;
  kind: DeploymentKind;
  strategy: Strategy | null;
  /** A rollback Slipway started itself (error budget burn). */
  automatic: boolean;
  releaseId: string;
  /** Short (7). */
  releaseCommit: string;
  releaseBranch: string;
  state: DeploymentState;
  /** Milliseconds from start to finish, null while unfinished. */
  tookMs: number | null;
  requestedBy: string;
  /** Why it was asked for (the requester's words). */
  reason: string | null;
  /** Why it failed, when it did (only a failed deployment has one). */
  failure: string | null;
}

/** The table's columns: when, environment, kind, release, state, took, by, reason. */
const HISTORY_COLUMNS = 8;
/** A row is ~41 px: 16 fill what a 1080 px screen leaves under the filters. */
const HISTORY_FIRST_SCREEN_ROWS = 16;
const HISTORY_ROW_HEIGHT_PX = 41;

/**
 * The deployments history's rows. A client component for the board's reason (board-rows.tsx): a
 * page of 50 rollouts sent as their fields instead of server-rendered elements, which were sent
 * twice (the React payload and the HTML) and parsed again to render the HTML. The server renders
 * the first screen of them as HTML, the browser the rest once it has hydrated.
 */
export function HistoryRows({ rows, now, showPipeline }: { rows: HistoryRow[]; now: Date; showPipeline: boolean }) {
  const { shown, pending } = useFirstScreenRows(rows, HISTORY_FIRST_SCREEN_ROWS);
  const rendered = shown.map((d) => (
    <tr key={d.id} className="hover:bg-zinc-50">
      <td className={`${tdClass} whitespace-nowrap`}>
        <Link href={`/deployments/${d.id}`} className="text-sky-700 hover:underline">
          <RelativeTime at={d.createdAt} now={now} />
        </Link>
      </td>
      <td className={tdClass}>
        <Link href={environmentPath(d.pipeline, d.environment)} className="hover:underline">
          {d.environment}
        </Link>
        {showPipeline && <span className="text-xs text-zinc-500"> · {d.pipeline}</span>}
      </td>
      <td className={tdClass}>
        {d.kind}
        {d.strategy && <span className="text-xs text-zinc-500"> · {d.strategy}</span>}
        {d.automatic && (
          <>
            {" "}
            <Badge tone="amber">automatic</Badge>
          </>
        )}
      </td>
      <td className={tdClass}>
        <Link href={`/releases/${d.releaseId}`} className="font-mono text-xs hover:underline">
          {d.releaseCommit}
        </Link>{" "}
        <span className="font-mono text-xs text-zinc-500">{d.releaseBranch}</span>
      </td>
      <td className={tdClass}>
        <DeploymentStateBadge state={d.state} />
      </td>
      <td className={`${tdClass} font-mono text-xs text-zinc-600`}>{d.tookMs !== null ? formatElapsed(d.tookMs) : "—"}</td>
      <td className={tdClass}>{d.requestedBy}</td>
      <td className={`${tdClass} max-w-sm text-zinc-600`}>
        <ReasonAndFailure reason={d.reason} failure={d.failure} />
      </td>
    </tr>
  ));
  return (
    <>
      {rendered}
      <PendingRows pending={pending} columns={HISTORY_COLUMNS} rowHeightPx={HISTORY_ROW_HEIGHT_PX} />
    </>
  );
}
