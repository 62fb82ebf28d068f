"use client";

import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { PendingRows, useFirstScreenRows } from "@/components/ui/first-screen";
import { tdClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { AuditEventData } from "./event-data";

/** One audit event as the browser gets it (auditRow in the page): what its row shows, nothing more. */
export interface AuditRow {
  seq: number;
  at: Date;
  hash: string;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  /** What the row names the target by: its id as recorded, or the name a recorded id stands for (an older pipeline event's). */
  targetLabel: string | null;
  /** The target's page: by id (deployments, releases), by qualified name (environments), by name (pipelines). */
  href: string | null;
  outcome: string;
  reason: string | null;
  source: string;
  ip: string | null;
  /** Size of the event's data (read when someone opens it); 0: none. */
  dataBytes: number;
}

/** The table's columns: when, who, action, target, outcome, reason, from, data. */
const AUDIT_COLUMNS = 8;
/** A row is two lines (its time over its sequence number), ~53 px: 14 fill what a 1080 px screen leaves under the filters. */
const AUDIT_FIRST_SCREEN_ROWS = 14;
const AUDIT_ROW_HEIGHT_PX = 53;

/**
 * The audit trail's rows. A client component fed its fields, as the history's rows are
 * (components/deployment/history-rows.tsx): a page of 50 events as server-rendered elements was
 * sent twice (the React payload and the HTML) and parsed again to render the HTML. The server
 * renders the first screen of them as HTML, the browser the rest once it has hydrated.
 */
export function AuditRows({ rows, now }: { rows: AuditRow[]; now: Date }) {
  const { shown, pending } = useFirstScreenRows(rows, AUDIT_FIRST_SCREEN_ROWS);
  const rendered = shown.map((e) => {
    const denied = e.outcome === "denied";
    return (
      <tr key={e.seq} className={denied ? "bg-rose-50/50" : "hover:bg-zinc-50"}>
        <td className={`${tdClass} whitespace-nowrap`}>
          <RelativeTime at={e.at} now={now} />
          <div className="font-mono text-[0.7rem] text-zinc-400" title={`hash ${e.hash}`}>
            #{e.seq}
          </div>
        </td>
        <td className={`${tdClass} max-w-56 break-words`}>{e.actorLabel}</td>
        <td className={`${tdClass} font-mono text-xs whitespace-nowrap`}>{e.action}</td>
        <td className={tdClass}>
          <span className="text-zinc-500">{e.targetType}</span>{" "}
          {e.targetId &&
            (e.href ? (
              <Link href={e.href} className="font-mono text-xs text-sky-700 hover:underline" title={e.targetLabel === e.targetId ? undefined : e.targetId}>
                {e.targetLabel ?? e.targetId}
              </Link>
            ) : (
              <span className="font-mono text-xs" title={e.targetLabel === e.targetId ? undefined : e.targetId}>
                {e.targetLabel ?? e.targetId}
              </span>
            ))}
        </td>
        <td className={tdClass}>
          <Badge tone={denied ? "red" : "neutral"}>{e.outcome}</Badge>
        </td>
        <td className={`${tdClass} max-w-sm ${denied ? "text-rose-800" : "text-zinc-600"}`}>{e.reason ?? ""}</td>
        <td className={`${tdClass} whitespace-nowrap text-xs text-zinc-600`}>
          {e.source}
          {e.ip && <div className="font-mono text-zinc-400">{e.ip}</div>}
        </td>
        <td className={`${tdClass} text-xs`}>{e.dataBytes > 0 ? <AuditEventData seq={e.seq} bytes={e.dataBytes} /> : <span className="text-zinc-400">—</span>}</td>
      </tr>
    );
  });
  return (
    <>
      {rendered}
      <PendingRows pending={pending} columns={AUDIT_COLUMNS} rowHeightPx={AUDIT_ROW_HEIGHT_PX} />
    </>
  );
}
