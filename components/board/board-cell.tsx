import Link from "next/link";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { HealthLabel } from "@/components/status";
import { RelativeTime } from "@/components/ui/time";
import { DriftBadge } from "./drift-badge";

/** What one app runs in one environment: version, commit, who and when, and its health. */
export function BoardCell({ cell, now }: { cell: EnvironmentAppView | undefined; now: Date }) {
  if (!cell?.releaseId) return <span className="text-xs text-zinc-400">not deployed</span>;
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <div className="flex items-baseline gap-1.5">
        <Link href={`/releases/${cell.releaseId}`} className="truncate font-mono text-[0.8rem] font-semibold text-zinc-900 hover:underline" title={cell.digest ?? undefined}>
          {cell.version}
        </Link>
        <span className="font-mono text-xs text-zinc-500">{cell.commit?.slice(0, 7)}</span>
      </div>
      {cell.deployedAt && (
        <div className="truncate text-xs text-zinc-500">
          <RelativeTime at={cell.deployedAt} now={now} />
          {cell.deployedBy && <> · {cell.deployedBy.name}</>}
        </div>
      )}
      <HealthLabel status={cell.health.status} observedAt={cell.health.observedAt} stale={cell.health.stale} now={now} />
      <DriftBadge drift={cell.drift} />
    </div>
  );
}
