import Link from "next/link";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { HealthLabel } from "@/components/status";
import { RelativeTime } from "@/components/ui/time";
import { DriftBadge } from "./drift-badge";
import { plural } from "@/lib/domain/gates/format";

/**
 * What one app runs in one environment: its build's version (the release is shown once per
 * column, in the board's Release row), who deployed it and when, and its health. The build's own
 * commit is secondary; a cell on another release than its column (mid-rollout, drift) says so.
 */
export function BoardCell({ cell, now, columnReleaseId }: { cell: EnvironmentAppView | undefined; now: Date; columnReleaseId?: string | null }) {
  if (!cell?.releaseId) return <span className="text-xs text-zinc-400">not deployed</span>;
  const otherRelease = columnReleaseId !== undefined && cell.releaseId !== columnReleaseId;
  // Class names .cell-body, .cell-version, .cell-meta: app/globals.css (a board renders hundreds of cells).
  const version = (
    <Link
      href={`/releases/${cell.releaseId}`}
      prefetch={false /* hundreds per board: prefetching each in view would cost the server more than the board */}
      className={otherRelease ? "cell-version" : "cell-version self-start"}
      title={`build ${cell.version}${cell.commit ? ` of commit ${cell.commit}` : ""}${cell.digest ? `, ${cell.digest}` : ""}`}
      data-testid="cell-version"
    >
      {cell.version}
    </Link>
  );
  return (
    <div className="cell-body">
      {otherRelease ? (
        <div className="flex min-w-0 flex-wrap items-baseline gap-x-1.5">
          {version}
          <span className="text-xs text-amber-800" data-testid="cell-other-release">
            release <span className="font-mono">{cell.releaseCommit?.slice(0, 7)}</span>
          </span>
        </div>
      ) : (
        version
      )}
      {cell.deployedAt && (
        <div className="cell-meta">
          <RelativeTime at={cell.deployedAt} now={now} />
          {cell.deployedBy && <> · {cell.deployedBy.name}</>}
        </div>
      )}
      <HealthLabel status={cell.health.status} observedAt={cell.health.observedAt} stale={cell.health.stale} now={now} />
      {cell.drift && <DriftBadge drift={cell.drift} />}
    </div>
  );
}

/** The release a column runs, shown once above its apps; "mixed" when its apps disagree (`releases`: how many distinct they run). */
export function ColumnRelease({ release, releases }: { release: { releaseId: string | null; releaseCommit?: string | null } | null; releases: number }) {
  if (release?.releaseId) {
    return (
      <Link href={`/releases/${release.releaseId}`} className="font-mono text-xs font-semibold text-sky-700 hover:underline" data-testid="column-release">
        {release.releaseCommit?.slice(0, 7)}
      </Link>
    );
  }
  if (releases === 0) return <span className="text-xs text-zinc-400">none</span>;
  return (
    <span className="text-xs text-amber-800" data-testid="column-release" title="Its apps run different releases (a rollout in progress, or drift)">
      mixed: {plural(releases, "release")}
    </span>
  );
}
