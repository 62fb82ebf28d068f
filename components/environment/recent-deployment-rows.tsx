"use client";

import Link from "next/link";
import type { DeploymentKind, DeploymentState } from "@/lib/domain/vocabulary";
import { DeploymentStateBadge } from "@/components/status";
import { ReasonAndFailure } from "@/components/deployment/reason-and-failure";
import { tdClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** One of an environment's recent deployments as the browser gets it (recentDeploymentRow): what its row shows. */
export interface RecentDeploymentRow {
  id: string;
  createdAt: Date;
  kind: DeploymentKind;
  strategy: string | null;
  releaseId: string;
  /** Short (7). */
  releaseCommit: string;
  state: DeploymentState;
  requestedBy: string;
  reason: string | null;
  failure: string | null;
}

/**
 * The rows of an environment's Recent deployments. A client component for the board's reason
 * (components/board/board-rows.tsx): 20 rows sent as their fields instead of server-rendered
 * elements, which were sent twice (the React payload and the HTML) — a fifth of the page's payload.
 */
export function RecentDeploymentRows({ rows, now }: { rows: RecentDeploymentRow[]; now: Date }) {
  return rows.map((d) => (
    <tr key={d.id}>
      <td className={`${tdClass} whitespace-nowrap text-xs`}>
        <Link href={`/deployments/${d.id}`} className="text-sky-700 hover:underline">
          <RelativeTime at={d.createdAt} now={now} />
        </Link>
      </td>
      {/* Short words never break (body wraps long text anywhere, which would split "promote"). */}
      <td className={`${tdClass} whitespace-nowrap`}>{d.kind}</td>
      <td className={`${tdClass} whitespace-nowrap text-xs text-zinc-600`}>{d.strategy ?? "—"}</td>
      <td className={`${tdClass} whitespace-nowrap`}>
        <Link href={`/releases/${d.releaseId}`} className="font-mono text-xs hover:underline">
          {d.releaseCommit}
        </Link>
      </td>
      <td className={`${tdClass} whitespace-nowrap`}>
        <DeploymentStateBadge state={d.state} />
      </td>
      <td className={tdClass}>{d.requestedBy}</td>
      <td className={`${tdClass} max-w-md text-zinc-600`}>
        <ReasonAndFailure reason={d.reason} failure={d.failure} />
      </td>
    </tr>
  ));
}
