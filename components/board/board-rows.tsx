"use client";

import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { BoardCell, type BoardCellData } from "./board-cell";
import { boardLayout } from "./board-layout";

/**
 * Rows the server renders as HTML: about a screen and a half (a row of cells is 75–115 px tall: 75 px
 * for 8 environments at 1,400 px, where no line wraps; a drift badge or a cell on another release
 * adds a line); the rest render as soon as the browser hydrates. On the
 * 600-app board (25 rows of 8 environments) the cells' HTML was over half of the response and most
 * of its server time, for rows below the fold.
 */
const FIRST_SCREEN_ROWS = 12;
const ROW_HEIGHT_PX = 80;

/** A board row as the browser gets it: the app and its cells in column order. */
export interface BoardRow {
  id: string;
  name: string;
  description: string | null;
  cells: (BoardCellData | null)[];
}

/**
 * The board's app rows. A client component on purpose: the server sends each cell as a few
 * fields (BoardCellData) instead of the elements rendered from them. A page of a large board has
 * hundreds of cells; as server-rendered elements each was sent twice (the React payload and the
 * HTML) and serialized, then parsed again to render the HTML — the largest part of a large
 * board's cost (issue 13).
 */
export function BoardRows({ columns, rows, now }: { columns: { id: string; name: string }[]; rows: BoardRow[]; now: Date }) {
  // Narrow columns (boardLayout): the health line leaves its time to its title.
  const compact = boardLayout(columns.length).compact;
  const { shown, pending } = useFirstScreenRows(rows, FIRST_SCREEN_ROWS);
  const rendered = shown.map((app) => (
    <tr key={app.id} className="group">
      <th scope="row" className="sticky left-0 z-10 border-r border-b border-zinc-100 bg-white px-3 py-2.5 align-top font-medium group-hover:bg-zinc-50">
        <div>{app.name}</div>
        {app.description && <div className="text-xs font-normal text-zinc-500">{app.description}</div>}
      </th>
      {columns.map((column, i) => (
        <td key={column.id} className="board-cell" data-env={column.name} data-app={app.name}>
          <BoardCell cell={app.cells[i] ?? null} now={now} compact={compact} />
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
