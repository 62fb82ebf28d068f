import Link from "next/link";
import type { MyRequest } from "@/lib/services/approvals";
import { DeploymentStateBadge } from "@/components/status";
import { EmptyState, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** The deployments I asked for that have not started, and what each waits on. */
export function MyRequests({ requests, now }: { requests: MyRequest[]; now: Date }) {
  return (
    <Panel title={`My requests (${requests.length})`}>
      {requests.length === 0 ? (
        <EmptyState title="None waiting">Deployments you request appear here until they start, with what each waits on.</EmptyState>
      ) : (
        <ul aria-label="My requests" className="flex flex-col divide-y divide-zinc-100">
          {requests.map((r) => (
            <li key={r.id} className="flex flex-col gap-1 px-4 py-2.5" data-testid="my-request">
              <span className="flex flex-wrap items-center gap-2">
                <Link href={`/deployments/${r.id}`} className="font-medium text-sky-700 hover:underline">
                  {r.kind === "fast-track" ? "Fast-track" : r.kind === "promote" ? "Promotion" : r.kind} to {r.environment}
                </Link>
                <DeploymentStateBadge state={r.state} />
                <span className="text-xs text-zinc-500">
                  release <span className="font-mono">{r.releaseCommit.slice(0, 7)}</span>, asked <RelativeTime at={r.createdAt} now={now} />
                </span>
              </span>
              {r.waitingOn.length > 0 ? (
                <ul className="list-inside list-disc text-sm text-zinc-700" aria-label="Waiting on">
                  {r.waitingOn.map((reason) => (
                    <li key={reason} className="break-words">
                      {reason}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-zinc-600">{r.state === "queued" ? "Queued behind another rollout into the same environment." : "Its gates are being checked."}</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
