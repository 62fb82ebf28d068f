import type { Board } from "@/lib/services/environments";
import type { GateState } from "@/lib/domain/gate-state";
import type { EnvironmentConfig } from "@/lib/config/schema";
import type { StoredFreeze } from "@/lib/domain/gates";
import { describePromotion } from "@/lib/domain/promotion-preview";
import { environmentRelease, isAhead } from "@/lib/domain/environment-summary";
import { EmptyState, Panel } from "@/components/ui/layout";
import { AheadBadge } from "./ahead-badge";
import { BoardCell, ColumnRelease } from "./board-cell";
import { EnvironmentColumnHeader, type Waiting } from "./environment-column-header";
import { VerificationList, type VerificationItem } from "@/components/verification/verification-list";

/** What waits to move into column `i`: the previous column's newer release, or for the first, its branch's newest. */
function waitingFor(board: Board, i: number, releases: ReturnType<typeof environmentRelease>[], storedFreezes: readonly StoredFreeze[], now: Date): Waiting | null {
  const target = board.fixed[i]!;
  const preview = (from: string | null) =>
    describePromotion({ to: target.name, from, config: target.settings as Partial<EnvironmentConfig>, storedFreezes, hold: target.hold, now });
  if (i === 0) {
    const candidate = board.entryCandidate;
    return candidate ? { release: candidate, from: null, preview: preview(null) } : null;
  }
  const previous = releases[i - 1];
  if (!previous || !isAhead(previous, releases[i] ?? null)) return null;
  const source = board.fixed[i - 1]!;
  const cells = Object.values(source.apps);
  return {
    from: source.name,
    preview: preview(source.name),
    release: {
      id: previous.releaseId!,
      commit: previous.releaseCommit ?? cells[0]?.commit ?? "",
      versions: board.apps.map((a) => ({ app: a.name, version: source.apps[a.name]?.version ?? "?" })),
    },
  };
}

/** The fast-track offer for the last environment: the newest release of its fast-track branches. */
function fastTrackFor(board: Board) {
  const candidate = board.fastTrackCandidate;
  const last = board.fixed.at(-1);
  if (!candidate || !last) return null;
  const rules = (last.settings as { fastTrack?: { approvals: { rules: { role: string; count: number }[] } } }).fastTrack?.approvals.rules ?? [];
  const skipped = board.fixed.slice(0, -1).filter((e) => !Object.values(e.apps).some((c) => c.releaseId === candidate.id)).map((e) => e.name);
  return {
    release: { id: candidate.id, commit: candidate.commit, versions: candidate.versions },
    skipped,
    soak: board.fastTrackSoak,
    approvals: rules.map((r) => `${r.count > 1 ? `${r.count} ` : ""}${r.role}`).join(" and "),
  };
}

type AheadOf = { from: string; to: string; releases: number; commits: number };

/** The chain: one column per fixed environment in pipeline order, one row per app. */
export function PipelineBoard({
  board,
  rows = board.apps,
  now,
  canDeploy,
  ahead = [],
  gateStates,
  verifications = {},
  storedFreezes = [],
}: {
  board: Board;
  /** The app rows to show (one page of a large board); default every app. Columns stay whole. */
  rows?: Board["apps"];
  now: Date;
  canDeploy: boolean;
  ahead?: AheadOf[];
  /** Live gate state per environment name (components/board/gate-state.tsx). */
  gateStates?: ReadonlyMap<string, GateState>;
  /** The current release's verifications per environment id. */
  verifications?: Record<string, readonly VerificationItem[]>;
  /** Freezes from the database, so a Promote confirmation can say an environment is frozen now. */
  storedFreezes?: readonly StoredFreeze[];
}) {
  if (board.fixed.length === 0 || board.apps.length === 0) {
    return (
      <Panel>
        <EmptyState title="The pipeline has no environments or apps">
          Declare them in <code className="font-mono">slipway.yaml</code> at the repository root and restart Slipway.
        </EmptyState>
      </Panel>
    );
  }
  const releases = board.fixed.map((env) => environmentRelease(Object.values(env.apps)));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white">
      <table className="w-full border-collapse text-left" aria-label="Pipeline board">
        <thead>
          <tr>
            <th scope="col" className="sticky left-0 z-10 w-40 min-w-40 border-b border-r border-zinc-200 bg-zinc-50 px-3 py-2.5 text-xs font-medium text-zinc-500">
              App
            </th>
            {board.fixed.map((env, i) => (
              <th key={env.id} scope="col" className="min-w-52 border-b border-zinc-200 bg-zinc-50 px-3 py-2.5 align-top font-normal">
                <EnvironmentColumnHeader
                  pipeline={board.pipeline.name}
                  environment={env}
                  waiting={waitingFor(board, i, releases, storedFreezes, now)}
                  canDeploy={canDeploy}
                  fastTrack={i === board.fixed.length - 1 ? fastTrackFor(board) : null}
                  gateState={gateStates?.get(env.name)}
                  now={now}
                  skippedBy={board.fastTracked?.skipped.includes(env.name) && !Object.values(env.apps).some((c) => c.releaseCommit === board.fastTracked?.commit) ? board.fastTracked : null}
                />
                {ahead.filter((a) => a.to === env.name).map((a) => (
                  <div key={a.from} className="mt-1.5">
                    <AheadBadge {...a} />
                  </div>
                ))}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row" className="sticky left-0 z-10 border-r border-b border-zinc-200 bg-white px-3 py-2 text-xs font-medium text-zinc-500">
              Release
            </th>
            {board.fixed.map((env, i) => (
              <td key={env.id} className="border-b border-zinc-200 px-3 py-2 align-top" data-env={env.name} data-row="release">
                <ColumnRelease cells={Object.values(env.apps)} release={releases[i] ?? null} />
              </td>
            ))}
          </tr>
          {rows.map((app) => (
            <tr key={app.id} className="group">
              <th scope="row" className="sticky left-0 z-10 border-r border-b border-zinc-100 bg-white px-3 py-2.5 align-top font-medium group-hover:bg-zinc-50">
                <div>{app.name}</div>
                {app.description && <div className="text-xs font-normal text-zinc-500">{app.description}</div>}
              </th>
              {board.fixed.map((env, i) => (
                <td key={env.id} className="border-b border-zinc-100 px-3 py-2.5 align-top group-hover:bg-zinc-50" data-env={env.name} data-app={app.name}>
                  <BoardCell cell={env.apps[app.name]} now={now} columnReleaseId={releases[i]?.releaseId ?? null} />
                </td>
              ))}
            </tr>
          ))}
          {Object.values(verifications).some((v) => v.length > 0) && (
            <tr>
              <th scope="row" className="sticky left-0 z-10 border-r border-zinc-100 bg-white px-3 py-2.5 align-top text-xs font-medium text-zinc-500">
                Verifications
              </th>
              {board.fixed.map((env) => (
                <td key={env.id} className="px-3 py-2.5 align-top" data-env={env.name} data-row="verifications">
                  <VerificationList items={verifications[env.name] ?? []} label={`Verifications in ${env.name}`} />
                </td>
              ))}
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
