import Link from "next/link";
import { environmentPathByName } from "@/lib/paths";
import type { EnvironmentWhereabouts } from "@/lib/domain/release-whereabouts";
import { DeploymentStateBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";

/** "Where is it now": one row per environment of the chain, with what blocks the release there. */
export function WhereaboutsList({ items, pipeline }: { items: EnvironmentWhereabouts[]; pipeline?: string | null }) {
  return (
    <ol className="divide-y divide-zinc-100" aria-label="Where the release is now">
      {items.map(({ environment, where }) => (
        <li key={environment} data-environment={environment} data-whereabouts={where.status} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-2.5">
          <Link href={environmentPathByName(environment, pipeline)} className="w-24 shrink-0 font-medium hover:underline">
            {environment}
          </Link>
          {where.status === "running" && <Badge tone="green">{where.partial ? "runs it (some apps)" : "runs it"}</Badge>}
          {where.status === "deploying" && (
            <Link href={`/deployments/${where.deploymentId}`} className="flex items-center gap-1.5 hover:underline">
              <span>being deployed</span> <DeploymentStateBadge state={where.state} />
            </Link>
          )}
          {where.status === "waiting" && (
            <span className="flex min-w-0 flex-col gap-0.5">
              <Link href={`/deployments/${where.deploymentId}`} className="flex items-center gap-1.5 hover:underline">
                <span>waits here</span> <DeploymentStateBadge state={where.state} />
              </Link>
              {where.blocker && <span className="text-xs text-amber-800">on: {where.blocker}</span>}
            </span>
          )}
          {where.status === "next" && (
            <span className="flex min-w-0 flex-col gap-0.5">
              <span className="text-sky-800">next: not requested yet</span>
              <span className="text-xs text-zinc-600">{where.blockers.length ? `Blocked now: ${where.blockers.join("; ")}.` : "Nothing blocks it now."}</span>
            </span>
          )}
          {where.status === "not-running-now" && <span className="text-zinc-600">ran here before; not running now</span>}
          {where.status === "not-yet" && <span className="text-zinc-400">not yet: it must reach the environment before this one first</span>}
        </li>
      ))}
    </ol>
  );
}
