"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False while the server renders and while the browser hydrates what it rendered; true from the
 * render right after hydration, and at once in a page reached by client-side navigation. React
 * renders the difference after hydration without a mismatch (hydration compares against
 * useSyncExternalStore's server snapshot).
 */
function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}

/**
 * The rows of a long table the server renders as HTML: the first `count` (about a screen), all of
 * them once the browser has hydrated. The page's payload carries every row either way; rows below
 * the fold cost the server their HTML for nobody to see yet. `pending` is how many wait, for
 * PendingRows to hold their place.
 */
export function useFirstScreenRows<T>(rows: T[], count: number): { shown: T[]; pending: number } {
  const hydrated = useHydrated();
  return hydrated || rows.length <= count ? { shown: rows, pending: 0 } : { shown: rows.slice(0, count), pending: rows.length - count };
}

/**
 * Holds the place of `pending` rows of about `rowHeightPx` each until they render, so what follows
 * the table does not jump, and says why the rows are not there yet (for good, without JavaScript).
 */
export function PendingRows({ pending, columns, rowHeightPx }: { pending: number; columns: number; rowHeightPx: number }) {
  if (!pending) return null;
  return (
    <tr data-testid="rows-pending">
      <td colSpan={columns} style={{ height: pending * rowHeightPx }} className="px-3 py-2 align-top text-xs text-zinc-400">
        {pending === 1 ? "1 more row appears" : `${pending} more rows appear`} as the page finishes loading.
        <noscript> They need JavaScript: the filters and pages above show any row.</noscript>
      </td>
    </tr>
  );
}
