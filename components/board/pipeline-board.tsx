import type { BoardPage } from "@/lib/services/board-page";
import { EmptyState, Panel } from "@/components/ui/layout";
import { AheadBadge } from "./ahead-badge";
import { boardCellData, packBoardCell } from "./board-cell";
import { BoardRows } from "./board-rows";
import { ColumnRelease } from "./column-release";
import { EnvironmentColumnHeader } from "./environment-column-header";
import { boardLayout } from "./board-layout";
import { VerificationList } from "@/components/verification/verification-list";

/** The chain: one column per fixed environment in pipeline order, one row per app. */
export function PipelineBoard({ board }: { board: BoardPage }) {
  const { columns, now } = board;
  const canDeploy = board.viewer.canDeploy;
  const rows = board.rows.apps;
  const layout = boardLayout(columns.length);
  const rowColumns = columns.map(({ environment: env, release }) => ({ id: env.id, name: env.name, releaseId: release?.releaseId ?? null }));
  if (columns.length === 0 || board.apps.total === 0) {
    return (
      <Panel>
        <EmptyState title="The pipeline has no environments or apps">Declare them in its pipeline file and restart Slipway.</EmptyState>
      </Panel>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white">
      <table className="w-full table-fixed border-collapse text-left" style={{ minWidth: `${layout.tableMinRem}rem` }} aria-label="Pipeline board">
        <thead>
          <tr>
            <th scope="col" className="sticky left-0 z-10 w-40 min-w-40 border-b border-r border-zinc-200 bg-zinc-50 px-3 py-2.5 text-xs font-medium text-zinc-500">
              App
            </th>
            {columns.map(({ environment: env, waiting, fastTrack, gateState, skippedBy, ahead, lastFailure }) => (
              <th key={env.id} scope="col" className="border-b border-zinc-200 bg-zinc-50 px-3 py-2.5 align-top font-normal">
                <EnvironmentColumnHeader pipeline={board.pipeline.name} environment={env} waiting={waiting} canDeploy={canDeploy} fastTrack={fastTrack} gateState={gateState} now={now} skippedBy={skippedBy} lastFailure={lastFailure} />
                {ahead && (
                  <div className="mt-1.5">
                    <AheadBadge pipeline={board.pipeline.name} {...ahead} />
                  </div>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row" className="sticky left-0 z-10 border-r border-b border-zinc-200 bg-white px-3 py-2 text-xs font-medium text-zinc-500">
              Release
            </th>
            {columns.map(({ environment: env, release, releases }) => (
              <td key={env.id} className="border-b border-zinc-200 px-3 py-2 align-top" data-env={env.name} data-row="release">
                <ColumnRelease release={release} releases={releases} />
              </td>
            ))}
          </tr>
          <BoardRows
            columns={rowColumns}
            rows={rows.map((app) => ({
              id: app.id,
              name: app.name,
              description: app.description ?? null,
              cells: rowColumns.map((column, i) => {
                const cell = boardCellData(columns[i]!.environment.apps[app.name], column.releaseId);
                return cell ? packBoardCell(cell, column.releaseId) : null;
              }),
            }))}
            now={now}
          />
          {columns.some((c) => c.verifications.length > 0) && (
            <tr>
              <th scope="row" className="sticky left-0 z-10 border-r border-zinc-100 bg-white px-3 py-2.5 align-top text-xs font-medium text-zinc-500">
                Verifications
              </th>
              {columns.map(({ environment: env, verifications }) => (
                <td key={env.id} className="px-3 py-2.5 align-top" data-env={env.name} data-row="verifications">
                  <VerificationList items={verifications} label={`Verifications in ${env.name}`} />
                </td>
              ))}
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
