import type { DeploymentState, EnvironmentState, HealthStatus, ReviewVerdict } from "@/db/schema/enums";
import { Badge, Dot, type Tone } from "./ui/badge";
import { RelativeTime, relativeTime } from "./ui/time";

const HEALTH_TONE: Record<HealthStatus, Tone> = { healthy: "green", degraded: "amber", unhealthy: "red", unknown: "neutral" };

/**
 * Health as observed, with when, on one line. A stale observation (still the last thing known) keeps
 * its colour, with grey text and a small clock marker; its title and screen-reader text say what that means. `compact`
 * (a board of many environments) leaves the time to the title.
 */
export function HealthLabel({ status, observedAt, stale, now, compact = false }: { status: HealthStatus; observedAt: Date | null; stale: boolean; now: Date; compact?: boolean }) {
  const seen = observedAt ? `last checked ${relativeTime(observedAt, now)}` : "never checked";
  const title = stale ? `${status}, ${seen}: not confirmed recently, this may no longer be true` : compact ? `${status}, ${seen}` : undefined;
  return (
    <span className="health" {...(title ? { title } : {})}>
      {/* Its colour stays: a stale unhealthy reading still counts as unhealthy (the board's and portfolio's filters); the clock says it is old. */}
      <Dot tone={HEALTH_TONE[status]} />
      <span className={stale ? "text-zinc-500" : "text-zinc-700"}>{status}</span>
      {stale && (
        <>
          <StaleMarker />
          <span className="sr-only">(stale: not confirmed recently)</span>
        </>
      )}
      {observedAt && !compact && (
        <span className="text-zinc-400">
          <RelativeTime at={observedAt} now={now} />
        </span>
      )}
      {/* Compact leaves the time to the title, which keyboard, touch and most screen-reader users never get. */}
      {compact && <span className="sr-only">, {seen}</span>}
    </span>
  );
}

/** A small clock: "this reading is old". */
function StaleMarker() {
  return (
    <svg aria-hidden viewBox="0 0 12 12" className="size-3 shrink-0 text-zinc-400">
      <circle cx="6" cy="6" r="5" fill="none" stroke="currentColor" strokeWidth="1.3" />
      <path d="M6 3.2V6l1.9 1.3" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" />
    </svg>
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
