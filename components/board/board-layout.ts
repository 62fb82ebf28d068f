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
