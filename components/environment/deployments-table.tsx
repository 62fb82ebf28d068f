import { shortCommit } from "@/lib/domain/gates/format";
import type { DeploymentSummary } from "@/lib/services/environments";
import { tableClass, thClass } from "@/components/ui/layout";
import { RecentDeploymentRows, type RecentDeploymentRow } from "./recent-deployment-rows";

/** The part of a deployment its row in Recent deployments shows. */
function recentDeploymentRow(d: DeploymentSummary): RecentDeploymentRow {
  return {
    id: d.id,
    createdAt: d.createdAt,
    kind: d.kind,
    strategy: d.strategy,
    releaseId: d.releaseId,
    releaseCommit: shortCommit(d.releaseCommit),
    state: d.state,
    requestedBy: d.requestedBy.name,
    reason: d.reason,
    failure: d.failureReason,
  };
}

/** An environment's recent deployments, newest first. */
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
          <RecentDeploymentRows rows={deployments.map(recentDeploymentRow)} now={now} />
        </tbody>
      </table>
    </div>
  );
}
