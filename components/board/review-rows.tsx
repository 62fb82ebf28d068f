"use client";

import Link from "next/link";
import type { EnvironmentState, ReviewVerdict } from "@/db/schema/enums";
import { ExpiryLabel, ReviewStatus } from "@/components/review/review-status";
import { VerdictBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";
import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { tdClass } from "@/components/ui/layout";

/** A review environment's row is about this tall (name, branch, "cloned from" badge): what a pending row holds. */
const ROW_HEIGHT_PX = 92;

export type ReviewAddress = { app: string; url: string; from?: string };

/** A review environment as its board row needs it (the page sends these few fields, not rendered elements). */
export interface ReviewRowData {
  id: string;
  name: string;
  href: string;
  branch: string | null;
  source: string | null;
  /** Its own apps' addresses first, then those of the page's apps its source serves (`from`). */
  addresses: ReviewAddress[];
  state: EnvironmentState;
  /** A deployment into it is rolling out. */
  updating: boolean;
  verdict: ReviewVerdict | null;
  expiresAt: Date | null;
  owner: string | null;
  /** The builds it runs that differ from its source's, by app. */
  versions: { app: string; version: string | null }[];
}

/**
 * Where a person opens a review environment: its first own app's address (host and port are what
 * tell them apart); the title lists every address, those its source serves marked "from <source>".
 */
function AddressLink({ environment, addresses }: { environment: string; addresses: ReviewAddress[] }) {
  const first = addresses.find((a) => !a.from);
  if (!first) return <span className="text-xs text-zinc-400">—</span>;
  return (
    <a
      href={first.url}
      target="_blank"
      rel="noreferrer"
      className="font-mono text-xs whitespace-nowrap text-sky-700 hover:underline"
      aria-label={`Open ${environment} (${first.app}) in a new tab`}
      title={addresses.map((a) => `${a.app}: ${a.url}${a.from ? ` (from ${a.from})` : ""}`).join("\n")}
    >
      {first.url.replace(/^https?:\/\//, "")} ↗
    </a>
  );
}

/** An app the review environment does not run itself (or runs the source's build of): served as the source serves it. */
function InheritedCell({ source, address }: { source: string | null; address: ReviewAddress | undefined }) {
  // Runs it itself, on the same build as its source (a full clone): not to be read as "served by".
  if (!address)
    return (
      <span className="font-sans text-zinc-400" title={`Runs its own copy of ${source}'s build`}>
        same as {source}
      </span>
    );
  return (
    <a
      href={address.url}
      target="_blank"
      rel="noreferrer"
      className="font-sans text-zinc-500 hover:underline"
      title={`Served by ${address.from}: ${address.url}`}
      aria-label={`${address.app} is served by ${address.from}: open it in a new tab`}
    >
      from {address.from} ↗
    </a>
  );
}

/**
 * The board's review environments' rows. `appColumns`: a column per app (a small pipeline), named
 * in order; null lists what differs in one column. The server renders the first `firstScreen` rows
 * as HTML (reviewFirstScreenRows: under a long board, none), the rest as the browser hydrates.
 */
export function ReviewRows({ rows, appColumns, now, firstScreen }: { rows: ReviewRowData[]; appColumns: string[] | null; now: Date; firstScreen: number }) {
  const { shown, pending } = useFirstScreenRows(rows, firstScreen);
  return (
    <>
      {shown.map((env) => (
        <tr key={env.id} className="hover:bg-zinc-50" data-review={env.name}>
          <td className={`${tdClass} whitespace-nowrap`}>
            <Link href={env.href} className="font-medium hover:underline">
              {env.name}
            </Link>
            {/* A branch may be a long ticket title: it wraps (within 18rem) rather than push the apps' columns out of view. */}
            <div className="max-w-72 font-mono text-xs break-all whitespace-normal text-zinc-500">{env.branch}</div>
            <Badge tone="violet" className="mt-1">
              cloned from {env.source ?? "?"}
            </Badge>
          </td>
          <td className={tdClass}>
            <AddressLink environment={env.name} addresses={env.addresses} />
          </td>
          <td className={tdClass}>
            <ReviewStatus state={env.state} updating={env.updating} />
          </td>
          <td className={`${tdClass} whitespace-nowrap`}>
            <VerdictBadge verdict={env.verdict} />
          </td>
          <td className={`${tdClass} text-xs text-zinc-600`}>
            <ExpiryLabel expiresAt={env.expiresAt} now={now} />
          </td>
          <td className={`${tdClass} text-xs whitespace-nowrap`}>{env.owner ?? "—"}</td>
          {appColumns ? (
            appColumns.map((app) => (
              <td key={app} className={`${tdClass} font-mono text-xs whitespace-nowrap`}>
                {env.versions.find((v) => v.app === app)?.version ?? <InheritedCell source={env.source} address={env.addresses.find((a) => a.app === app && a.from)} />}
              </td>
            ))
          ) : (
            <td className={`${tdClass} text-xs`}>
              {env.versions.map((cell) => (
                <span key={cell.app} className="mr-3 whitespace-nowrap">
                  {cell.app} <span className="font-mono">{cell.version}</span>
                </span>
              ))}
              {env.versions.length === 0 && <span className="text-zinc-400">same as {env.source}</span>}
            </td>
          )}
        </tr>
      ))}
      <PendingRows pending={pending} columns={6 + (appColumns?.length ?? 1)} rowHeightPx={ROW_HEIGHT_PX} />
    </>
  );
}
