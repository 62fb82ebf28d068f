import type { DeploymentState, EnvironmentState, HealthStatus, ReviewVerdict } from "@/db/schema/enums";
import { Badge, Dot, type Tone } from "./ui/badge";
import { RelativeTime } from "./ui/time";

const HEALTH_TONE: Record<HealthStatus, Tone> = { healthy: "green", degraded: "amber", unhealthy: "red", unknown: "neutral" };

/** Health as observed, with when; stale observations are shown grey and say so. */
export function HealthLabel({ status, observedAt, stale, now }: { status: HealthStatus; observedAt: Date | null; stale: boolean; now: Date }) {
  return (
    <span className="health" {...(stale ? { title: "Not confirmed recently: this may no longer be true" } : {})}>
      <Dot tone={stale ? "neutral" : HEALTH_TONE[status]} />
      <span className={stale ? "text-zinc-500" : "text-zinc-700"}>
        {status}
        {stale && " · stale"}
      </span>
      {observedAt && (
        <span className="text-zinc-400">
          <RelativeTime at={observedAt} now={now} />
        </span>
      )}
    </span>
  );
}

export const DEPLOYMENT_TONE: Record<DeploymentState, Tone> = {
  waiting: "amber",
  queued: "neutral",
  running: "blue",
  verifying: "blue",
  succeeded: "green",
  failed: "red",
  cancelled: "neutral",
  superseded: "neutral",
  "rolled-back": "violet",
};

/**
 * A deployment's state; while it rolls out, what it is doing when known (`activity`, e.g.
 * "shifting traffic 50 %" from deploymentActivity), with the state itself on hover.
 */
export function DeploymentStateBadge({ state, activity }: { state: DeploymentState; activity?: string | null }) {
  const rolling = state === "running" || state === "verifying";
  return (
    <Badge tone={DEPLOYMENT_TONE[state]} title={rolling && activity ? state : undefined}>
      {rolling && <Dot tone="blue" pulse />}
      {(rolling && activity) || state}
    </Badge>
  );
}

const ENVIRONMENT_TONE: Record<EnvironmentState, Tone> = {
  active: "green",
  retired: "neutral",
  provisioning: "blue",
  ready: "green",
  sleeping: "neutral",
  waking: "blue",
  "tearing-down": "amber",
  "torn-down": "neutral",
  failed: "red",
};

export function EnvironmentStateBadge({ state }: { state: EnvironmentState }) {
  return <Badge tone={ENVIRONMENT_TONE[state]}>{state}</Badge>;
}

export function VerdictBadge({ verdict }: { verdict: ReviewVerdict | null }) {
  if (!verdict) return <span className="text-xs text-zinc-400">awaiting verdict</span>;
  return <Badge tone={verdict === "accepted" ? "green" : "amber"}>{verdict === "accepted" ? "accepted" : "changes requested"}</Badge>;
}
