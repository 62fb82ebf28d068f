"use client";

import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { BoardCell, unpackBoardCell, type PackedBoardCell } from "./board-cell";
import { BOARD_FIRST_SCREEN_ROWS, boardLayout } from "./board-layout";

const unpacked = (cell: PackedBoardCell | null | undefined, columnReleaseId: string | null) => (cell ? unpackBoardCell(cell, columnReleaseId) : null);

/** A row of cells is 75–115 px tall (see BOARD_FIRST_SCREEN_ROWS): what a pending row holds. */
const ROW_HEIGHT_PX = 80;

/** A board row as the browser gets it: the app and its cells in column order (null: nothing deployed there). */
export interface BoardRow {
  id: string;
  name: string;
  description: string | null;
  cells: (PackedBoardCell | null)[];
}

/** A column of the board's rows: its environment, and the release its cells are packed against (packBoardCell). */
export interface BoardRowsColumn {
  id: string;
  name: string;
  releaseId: string | null;
}

/**
 * The board's app rows. A client component on purpose: the server sends each cell as a few
 * fields (PackedBoardCell) instead of the elements rendered from them. A page of a large board has
 * hundreds of cells; as server-rendered elements each was sent twice (the React payload and the
 * HTML) and serialized, then parsed again to render the HTML — the largest part of a large
 * board's cost (issue 13).
 */
export function BoardRows({ columns, rows, now }: { columns: BoardRowsColumn[]; rows: BoardRow[]; now: Date }) {
  // Narrow columns (boardLayout): the health line leaves its time to its title.
  const compact = boardLayout(columns.length).compact;
  const { shown, pending } = useFirstScreenRows(rows, BOARD_FIRST_SCREEN_ROWS);
  const rendered = shown.map((app) => (
    <tr key={app.id} className="group">
      <th scope="row" className="sticky left-0 z-10 border-r border-b border-zinc-100 bg-white px-3 py-2.5 align-top font-medium group-hover:bg-zinc-50">
        <div>{app.name}</div>
        {app.description && <div className="text-xs font-normal text-zinc-500">{app.description}</div>}
      </th>
      {columns.map((column, i) => (
        <td key={column.id} className="board-cell" data-env={column.name} data-app={app.name}>
          <BoardCell cell={unpacked(app.cells[i], column.releaseId)} now={now} compact={compact} />
        </td>
      ))}
    </tr>
  ));
  return (
    <>
      {rendered}
      <PendingRows pending={pending} columns={columns.length + 1} rowHeightPx={ROW_HEIGHT_PX} />
    </>
  );
}
