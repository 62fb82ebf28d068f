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
 * A board cell as the page sends it to the browser: BoardCellData's fields in order, its times as
 * ms since the epoch, and its release id null when it is its column's release. A page of a large
 * board sends hundreds of cells: as objects with Dates, their field names and date markers were
 * about half of the board's payload, and the server decoded every cell's Dates again to render the
 * HTML of the first screen's rows (a packed cell is unpacked only where a row renders).
 */
export type PackedBoardCell = [
  releaseId: string | null,
  otherRelease: string | null,
  version: string | null,
  commit: string | null,
  digest: string | null,
  deployedAt: number | null,
  deployedBy: string | null,
  health: BoardCellData["health"]["status"],
  observedAt: number | null,
  stale: 0 | 1,
  drift: BoardCellData["drift"],
];

/** `cell` as the page sends it (PackedBoardCell), against its column's release (`columnReleaseId`). */
export function packBoardCell(cell: BoardCellData, columnReleaseId: string | null): PackedBoardCell {
  return [
    cell.releaseId === columnReleaseId ? null : cell.releaseId,
    cell.otherRelease,
    cell.version,
    cell.commit,
    cell.digest,
    cell.deployedAt?.getTime() ?? null,
    cell.deployedBy,
    cell.health.status,
    cell.health.observedAt?.getTime() ?? null,
    cell.health.stale ? 1 : 0,
    cell.drift,
  ];
}

/** The cell packBoardCell() packed against the same `columnReleaseId`. */
export function unpackBoardCell(packed: PackedBoardCell, columnReleaseId: string | null): BoardCellData {
  const [releaseId, otherRelease, version, commit, digest, deployedAt, deployedBy, status, observedAt, stale, drift] = packed;
  return {
    releaseId: releaseId ?? columnReleaseId!,
    otherRelease,
    version,
    commit,
    digest,
    deployedAt: deployedAt === null ? null : new Date(deployedAt),
    deployedBy,
    health: { status, observedAt: observedAt === null ? null : new Date(observedAt), stale: stale === 1 },
    drift,
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
