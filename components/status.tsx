import type { DeploymentState, EnvironmentState, HealthStatus, ReviewVerdict } from "@/db/schema/enums";
import { Badge, Dot, type Tone } from "./ui/badge";
import { RelativeTime, relativeTime } from "./ui/time";

/**
 * Health as observed, with when, on one line. A stale observation (still the last thing known) keeps
 * its colour, with grey text and a small clock marker; its title and screen-reader text say what that means. `compact`
 * (a board of many environments) leaves the time to the title.
 *
 * The dot and the clock are drawn by CSS (`.health-<status>::before`, `.health-stale::after`,
 * app/globals.css), not elements: a 600-app board renders a hundred of these per page, twice (HTML
 * and payload), and the dot's span and the clock's SVG were six of a cell's fourteen elements.
 * Both are decorative: the status is the text, staleness is in the title and the screen-reader text.
 */
export function HealthLabel({ status, observedAt, stale, now, compact = false }: { status: HealthStatus; observedAt: Date | null; stale: boolean; now: Date; compact?: boolean }) {
  const seen = observedAt ? `last checked ${relativeTime(observedAt, now)}` : "never checked";
  const title = stale ? `${status}, ${seen}: not confirmed recently, this may no longer be true` : compact ? `${status}, ${seen}` : undefined;
  return (
    // Its colour stays when stale: a stale unhealthy reading still counts as unhealthy (the board's and portfolio's filters); the clock says it is old.
    <span className={`health health-${status}`} {...(title ? { title } : {})}>
      <span className={stale ? "health-stale" : "text-zinc-700"}>{status}</span>
      {/* Compact leaves the time to the title, which keyboard, touch and most screen-reader users never get: one span says both. */}
      {(stale || compact) && <span className="sr-only">{[stale ? "(stale: not confirmed recently)" : "", compact ? `, ${seen}` : ""].join("")}</span>}
      {observedAt && !compact && <RelativeTime at={observedAt} now={now} className="text-zinc-400" />}
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
