import Link from "next/link";
import type { DeploymentDetail } from "@/lib/services/deployment-queries";
import type { EnvironmentView } from "@/lib/services/environments";
import { DecisionControls } from "@/components/deployment/decision-controls";
import type { decisionPropsFor } from "@/lib/services/decision-queries";
import { Badge } from "@/components/ui/badge";
import { CopyText } from "@/components/ui/copy";
import { Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { pipelinePath } from "@/lib/paths";

/** One deployment waiting for this person's decision: what changes, what else it waits on, and the controls. */
export function DecisionItem({
  deployment,
  environment,
  pipeline,
  decisions,
  now,
}: {
  deployment: DeploymentDetail;
  environment: EnvironmentView;
  /** The environment's pipeline: the inbox mixes pipelines whose environment names repeat. */
  pipeline: string | null;
  decisions: Awaited<ReturnType<typeof decisionPropsFor>>;
  now: Date;
}) {
  const blockers = deployment.gates.filter((g) => g.status !== "pass" && g.status !== "waived");
  return (
    <Panel
      title={
        <span className="flex flex-wrap items-center gap-2">
          <Link href={`/deployments/${deployment.id}`} className="hover:underline">
            {deployment.kind === "fast-track" ? "Fast-track" : "Promotion"} to {deployment.environment.name}
          </Link>
          {pipeline && (
            <Link href={pipelinePath(pipeline)} className="text-xs font-normal text-zinc-500 hover:underline" title="The pipeline">
              {pipeline}
            </Link>
          )}
          {deployment.kind === "fast-track" && <Badge tone="amber">skips {(deployment.detail.skipped ?? []).join(", ") || "environments"}</Badge>}
          <span className="text-xs font-normal text-zinc-500">
            requested by {deployment.requestedByUser.name} <RelativeTime at={deployment.createdAt} now={now} />
            {deployment.reason && <>: “{deployment.reason}”</>}
          </span>
        </span>
      }
    >
      <table className={tableClass} aria-label={`Changes of ${deployment.id}`}>
        <thead>
          <tr>
            <th className={thClass}>App</th>
            <th className={thClass}>Runs now in {deployment.environment.name}</th>
            <th className={thClass}>This release</th>
            <th className={thClass}>Digest</th>
          </tr>
        </thead>
        <tbody>
          {deployment.release.builds.map((b) => {
            const running = environment.apps[b.app];
            const changed = running?.buildId !== b.buildId;
            return (
              <tr key={b.app}>
                <td className={`${tdClass} font-medium`}>{b.app}</td>
                <td className={`${tdClass} font-mono text-xs text-zinc-500`}>{running?.version ?? "—"}</td>
                <td className={`${tdClass} font-mono text-xs`}>
                  {b.version} {changed ? <Badge tone="blue">changed</Badge> : <span className="font-sans text-zinc-400">unchanged</span>}
                </td>
                <td className={tdClass}>
                  <CopyText value={b.digest} display={`${b.digest.slice(0, 19)}…`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="border-t border-zinc-100 px-4 py-3 text-sm">
        <span className="text-zinc-500">Release</span>{" "}
        <Link href={`/releases/${deployment.releaseId}`} className="font-mono hover:underline">
          {deployment.release.commit.slice(0, 7)}
        </Link>{" "}
        <span className="font-mono text-xs text-zinc-500">{deployment.release.branch}</span>
        {blockers.length > 0 && (
          <ul className="mt-2 list-inside list-disc text-zinc-700" aria-label="Unmet gates">
            {blockers.map((g) => (
              <li key={g.gate}>{g.reason}</li>
            ))}
          </ul>
        )}
      </div>
      {decisions && (
        <div className="border-t border-zinc-200 bg-zinc-50 px-4 py-3">
          <DecisionControls {...decisions} checklist={{ items: [], canTick: false }} overridable={[]} />
        </div>
      )}
    </Panel>
  );
}
