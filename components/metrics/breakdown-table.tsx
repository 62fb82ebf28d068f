import Link from "next/link";
import type { MetricsSummary } from "@/lib/services/metrics";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { formatPercent, formatSpan } from "./format";

/** The four measures side by side, one row per environment (or app); a row's name links to its detail. */
export function BreakdownTable({ label, rows, hrefFor, current }: { label: string; rows: MetricsSummary[]; hrefFor: (name: string) => string; current?: string | null }) {
  const num = `${tdClass} text-right tabular-nums`;
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} aria-label={label}>
        <thead>
          <tr>
            <th className={thClass}>{label}</th>
            <th className={`${thClass} text-right`}>Deployments</th>
            <th className={`${thClass} text-right`}>Per week</th>
            <th className={`${thClass} text-right`}>Lead time (median)</th>
            <th className={`${thClass} text-right`}>Change failure rate</th>
            <th className={`${thClass} text-right`}>Time to restore (median)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} className={row.name === current ? "bg-sky-50/60" : "hover:bg-zinc-50"}>
              <td className={tdClass}>
                <Link href={hrefFor(row.name)} className="text-sky-700 hover:underline" aria-current={row.name === current ? "true" : undefined}>
                  {row.name}
                </Link>
              </td>
              <td className={num}>{row.deployments}</td>
              <td className={num}>{row.perWeek.toFixed(1)}</td>
              <td className={num}>{formatSpan(row.leadTimeMedianMs)}</td>
              <td className={num}>
                {formatPercent(row.changeFailureRate)}
                {row.changes > 0 && (
                  <span className="text-zinc-500">
                    {" "}
                    ({row.failed}/{row.changes})
                  </span>
                )}
              </td>
              <td className={num}>
                {formatSpan(row.restoreMedianMs)}
                {row.openOutages > 0 && <span className="text-rose-700"> · {row.openOutages} open</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
