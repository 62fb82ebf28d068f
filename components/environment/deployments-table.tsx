import { ReasonAndFailure } from "@/components/deployment/reason-and-failure";
import Link from "next/link";
import type { DeploymentSummary } from "@/lib/services/environments";
import { DeploymentStateBadge } from "@/components/status";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

export function DeploymentsTable({ deployments, now }: { deployments: DeploymentSummary[]; now: Date }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass}>
        <thead>
          <tr>
            {/* When it was asked for: the Apps table's "Deployed" is when it went live, minutes or hours later. */}
            <th className={thClass}>Requested</th>
            <th className={thClass}>Kind</th>
            <th className={thClass}>Strategy</th>
            <th className={thClass}>Release</th>
            <th className={thClass}>State</th>
            <th className={thClass}>Requested by</th>
            <th className={thClass}>Reason</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <tr key={d.id}>
              <td className={`${tdClass} whitespace-nowrap text-xs`}>
                <Link href={`/deployments/${d.id}`} className="text-sky-700 hover:underline">
                  <RelativeTime at={d.createdAt} now={now} />
                </Link>
              </td>
              {/* Short words never break (body wraps long text anywhere, which would split "promote"). */}
              <td className={`${tdClass} whitespace-nowrap`}>{d.kind}</td>
              <td className={`${tdClass} whitespace-nowrap text-xs text-zinc-600`}>{d.strategy ?? "—"}</td>
              <td className={`${tdClass} whitespace-nowrap`}>
                <Link href={`/releases/${d.releaseId}`} className="font-mono text-xs hover:underline">
                  {d.releaseCommit.slice(0, 7)}
                </Link>
              </td>
              <td className={`${tdClass} whitespace-nowrap`}>
                <DeploymentStateBadge state={d.state} />
              </td>
              <td className={tdClass}>{d.requestedBy.name}</td>
              <td className={`${tdClass} max-w-md text-zinc-600`}>
                <ReasonAndFailure reason={d.reason} failure={d.failureReason} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
