/** The App column's width (the table's first column, `w-40`). */
const APP_COLUMN_REM = 10;

/**
 * How wide a board's environment columns may get before the board scrolls sideways, for `columns`
 * environments. The table lays out fixed (columns share its width equally, so a cell's long text
 * truncates instead of widening its column) and is at least the App column plus this per column.
 * A 1,400 px window gives the table about 1,366 px: eight environments fit at 9rem (the health line
 * then leaves its time to its title: `compact`), six at 12rem; five or fewer keep 13rem.
 */
export function boardLayout(columns: number): { columnMinRem: number; tableMinRem: number; compact: boolean } {
  const columnMinRem = columns >= 7 ? 9 : columns === 6 ? 12 : 13;
  return { columnMinRem, tableMinRem: APP_COLUMN_REM + columns * columnMinRem, compact: columns >= 7 };
}

/**
 * Rows of the board the server renders as HTML: about a screen (a row of cells is 75–115 px tall:
 * 75 px for 8 environments at 1,400 px, where no line wraps; a drift badge or a cell on another
 * release adds a line; the header, filters, column heads and release row take ~400 px of a
 * 1,080 px screen, so 8 rows reach past its fold); the rest render as soon as the browser hydrates. On the 600-app
 * board (25 rows of 8 environments) the cells' HTML was over half of the response and most of its
 * server time, for rows below the fold. The review environments' table below the board gets what
 * this leaves (reviewFirstScreenRows).
 */
export const BOARD_FIRST_SCREEN_ROWS = 8;

/**
 * Rows of the review environments' table (below the board's rows) the server renders as HTML: the
 * first screen's rows the board's `boardRows` leave, none under a full page of apps. Measured on the
 * 600-app board: 20 server-rendered review rows nobody had scrolled to were a fifth of its server time.
 */
export function reviewFirstScreenRows(boardRows: number): number {
  return Math.max(0, BOARD_FIRST_SCREEN_ROWS - boardRows);
}
