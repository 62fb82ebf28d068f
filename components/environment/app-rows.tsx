"use client";

import Link from "next/link";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { HealthLabel } from "@/components/status";
import { CopyText } from "@/components/ui/copy";
import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { tdClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** One app of the Apps panel as the browser gets it (appRow in apps-table.tsx). */
export interface AppRow {
  app: string;
  /** What it runs here; null when it runs nothing of its own here. */
  cell: {
    releaseId: string;
    version: string | null;
    commit: string | null;
    digest: string | null;
    deployedAt: Date | null;
    deployedBy: string | null;
    url: string | null;
    /** "asleep" while the environment sleeps (its processes stopped on purpose). */
    health: EnvironmentAppView["health"] | "asleep";
  } | null;
  /** A partial review environment's app served by its source: where. */
  servedBy: { from: string; url: string } | null;
}

/** Apps rows the server renders as HTML (a row is ~38 px tall; one whose text wraps, more). */
const FIRST_SCREEN_ROWS = 15;
const ROW_HEIGHT_PX = 40;

/**
 * The Apps panel's rows. A client component for the board's reason (components/board/board-rows.tsx):
 * a page of apps is sent as its fields, not as server-rendered elements sent twice and parsed again.
 */
export function AppRows({ rows, now }: { rows: AppRow[]; now: Date }) {
  // A page holds up to 50 apps (200 asked for): the server renders the first screen of them (first-screen.tsx).
  const { shown, pending } = useFirstScreenRows(rows, FIRST_SCREEN_ROWS);
  const rendered = shown.map(({ app, cell, servedBy }) => (
    <tr key={app} data-app={app}>
      <td className={`${tdClass} font-medium`}>{app}</td>
      {cell ? (
        <>
          <td className={`${tdClass} whitespace-nowrap`}>
            <Link href={`/releases/${cell.releaseId}`} className="font-mono text-[0.8rem] font-semibold hover:underline">
              {cell.version}
            </Link>
          </td>
          <td className={`${tdClass} whitespace-nowrap`}>{cell.commit && <CopyText value={cell.commit} display={cell.commit.slice(0, 7)} />}</td>
          <td className={`${tdClass} whitespace-nowrap`}>{cell.digest && <CopyText value={cell.digest} display={`${cell.digest.slice(0, 19)}…`} />}</td>
          <td className={`${tdClass} text-xs text-zinc-600`}>
            {cell.deployedAt && <RelativeTime at={cell.deployedAt} now={now} />}
            {cell.deployedBy && <> by {cell.deployedBy}</>}
          </td>
          <td className={`${tdClass} text-xs whitespace-nowrap`}>
            {cell.url ? (
              <a href={cell.url} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
                {cell.url.replace(/^https?:\/\//, "")}
              </a>
            ) : (
              <span className="text-zinc-400">no address yet</span>
            )}
          </td>
          <td className={`${tdClass} whitespace-nowrap`}>
            {cell.health === "asleep" ? (
              <span className="text-xs text-zinc-500" title="The environment sleeps: the first request to its address wakes it">
                asleep
              </span>
            ) : (
              <HealthLabel status={cell.health.status} observedAt={cell.health.observedAt} stale={cell.health.stale} now={now} />
            )}
          </td>
        </>
      ) : servedBy ? (
        <td colSpan={6} className={`${tdClass} text-zinc-500`} data-served-by={servedBy.from}>
          Served by {servedBy.from}: its build is the one {servedBy.from} runs, so this environment runs none of its own —{" "}
          <a href={servedBy.url} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
            {servedBy.url.replace(/^https?:\/\//, "")} ↗
          </a>
        </td>
      ) : (
        <td colSpan={6} className={`${tdClass} text-zinc-500`}>
          Not deployed here yet.
        </td>
      )}
    </tr>
  ));
  return (
    <>
      {rendered}
      <PendingRows pending={pending} columns={7} rowHeightPx={ROW_HEIGHT_PX} />
    </>
  );
}
