import Link from "next/link";
import { personName } from "@/lib/domain/people";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { HealthLabel } from "@/components/status";
import { absoluteTime, RelativeTime } from "@/components/ui/time";
import { DriftBadge } from "./drift-badge";

/**
 * What a board cell shows of an environment × app (boardCellData): the board sends only this to
 * the browser, hundreds of times per page, so it is as short as what the cell shows.
 */
export interface BoardCellData {
  releaseId: string;
  /** The short commit of the cell's release when it is not its column's release (mid-rollout, drift); else null. */
  otherRelease: string | null;
  version: string | null;
  /** The build's commit (7) and digest (algorithm and 12 hex digits) for the tooltip: the environment page's Apps panel copies the full ones. */
  commit: string | null;
  digest: string | null;
  deployedAt: Date | null;
  deployedBy: string | null;
  health: { status: EnvironmentAppView["health"]["status"]; observedAt: Date | null; stale: boolean };
  drift: { kind: string; message: string } | null;
}

/** "sha256:9dbf5425eaa4…": the algorithm and 12 hex digits, as container tools print a digest. */
const shortDigest = (digest: string) => {
  const at = digest.indexOf(":");
  return digest.length > at + 13 ? `${digest.slice(0, at + 13)}…` : digest;
};

/** The part of a cell the board shows, against its column's release (`columnReleaseId`); null for an app never deployed there. */
export function boardCellData(cell: EnvironmentAppView | undefined, columnReleaseId: string | null): BoardCellData | null {
  if (!cell?.releaseId) return null;
  return {
    releaseId: cell.releaseId,
    otherRelease: cell.releaseId !== columnReleaseId ? (cell.releaseCommit?.slice(0, 7) ?? "?") : null,
    version: cell.version,
    commit: cell.commit?.slice(0, 7) ?? null,
    digest: cell.digest ? shortDigest(cell.digest) : null,
    deployedAt: cell.deployedAt,
    deployedBy: cell.deployedBy ? personName(cell.deployedBy) : null,
    health: cell.health,
    drift: cell.drift ? { kind: cell.drift.kind, message: cell.drift.message } : null,
  };
}

/**
 * What one app runs in one environment: its build's version (the release is shown once per
 * column, in the board's Release row), who deployed it and when, and its health. The build's own
 * commit is secondary; a cell on another release than its column (mid-rollout, drift) says so.
 */
export function BoardCell({ cell, now, compact = false }: { cell: BoardCellData | null; now: Date; compact?: boolean }) {
  if (!cell) return <span className="text-xs text-zinc-400">not deployed</span>;
  const otherRelease = cell.otherRelease !== null;
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
            release <span className="font-mono">{cell.otherRelease}</span>
          </span>
        </div>
      ) : (
        version
      )}
      {cell.deployedAt && (
        <div className="cell-meta" title={`deployed ${absoluteTime(cell.deployedAt)}${cell.deployedBy ? ` by ${cell.deployedBy}` : ""}`}>
          <RelativeTime at={cell.deployedAt} now={now} />
          {cell.deployedBy && <> · {cell.deployedBy}</>}
        </div>
      )}
      <HealthLabel status={cell.health.status} observedAt={cell.health.observedAt} stale={cell.health.stale} now={now} compact={compact} />
      {cell.drift && <DriftBadge drift={cell.drift} />}
    </div>
  );
}
