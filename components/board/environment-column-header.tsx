import Link from "next/link";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { ruleLabels } from "@/lib/domain/environment-summary";
import type { EnvironmentView } from "@/lib/services/environments";
import { DeploymentStateBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";

/** A board column's head: the environment, what guards it, and what is moving into it. */
export function EnvironmentColumnHeader({ environment, ahead }: { environment: EnvironmentView; ahead: string | null }) {
  const config = environment.settings as Partial<EnvironmentConfig>;
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center gap-2">
        <Link href={`/environments/${environment.name}`} className="text-sm font-semibold text-zinc-900 hover:underline">
          {environment.name}
        </Link>
        {config.branch && <span className="font-mono text-xs text-zinc-500">{config.branch}</span>}
        {environment.hold && <Badge tone="amber" title={environment.hold.reason ?? undefined}>on hold</Badge>}
      </div>
      <div className="flex flex-wrap gap-1">
        {config.strategy && <Badge>{config.strategy}</Badge>}
        {ruleLabels(config).map((label) => (
          <Badge key={label} tone={label === "auto-promote" ? "blue" : "neutral"}>
            {label}
          </Badge>
        ))}
      </div>
      {environment.active.length > 0 && (
        <ul className="flex flex-col gap-1" aria-label={`Deployments in progress into ${environment.name}`}>
          {environment.active.map((d) => (
            <li key={d.id} className="flex items-center gap-1.5 text-xs font-normal text-zinc-600">
              <DeploymentStateBadge state={d.state} /> {d.kind}
            </li>
          ))}
        </ul>
      )}
      {ahead && <div className="text-xs font-normal text-sky-700">Newer release waiting: {ahead}</div>}
    </div>
  );
}
