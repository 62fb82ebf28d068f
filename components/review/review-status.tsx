import type { EnvironmentState } from "@/db/schema/enums";
import { Badge, Dot, type Tone } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/time";
import { Spinner } from "@/components/ui/spinner";

/** A review environment about to expire gets a badge this long before: enough to extend it in a working day. */
export const EXPIRING_SOON_MS = 6 * 3_600_000;

const STATUS: Partial<Record<EnvironmentState, { tone: Tone; label: string; detail?: string; busy?: boolean; hint?: string }>> = {
  provisioning: { tone: "blue", label: "provisioning…", busy: true, hint: "Copying its source's data and config, then starting the branch's release" },
  ready: { tone: "green", label: "ready" },
  sleeping: { tone: "neutral", label: "sleeping", detail: "wakes on first request", hint: "Nobody used it for a while, so its processes stopped; opening its address starts them again" },
  waking: { tone: "blue", label: "waking…", busy: true, hint: "Someone opened its address: its processes are starting" },
  failed: { tone: "red", label: "failed", hint: "Its last rollout failed: see Recent deployments" },
  "tearing-down": { tone: "amber", label: "tearing down…", busy: true, hint: "Its processes are stopping; its data and config are being removed" },
  "torn-down": { tone: "neutral", label: "torn down" },
};

/**
 * One status for a review environment, in words a reviewer understands: whether its address
 * answers now, is about to, or will on the first request. A rollout into a ready environment shows as "updating".
 */
export function ReviewStatus({ state, updating = false }: { state: EnvironmentState; updating?: boolean }) {
  const status = STATUS[state] ?? { tone: "neutral" as const, label: state };
  const busy = status.busy || (state === "ready" && updating);
  return (
    <span className="inline-flex items-start gap-1.5 text-xs text-zinc-700" title={status.hint} data-testid="review-status" data-state={state}>
      {/* One line high, so the icon stays by the label when the detail wraps. */}
      <span className={`flex h-4 items-center ${status.tone === "amber" ? "text-amber-600" : "text-sky-600"}`}>{busy ? <Spinner /> : <Dot tone={status.tone} />}</span>
      <span>
        <span className="whitespace-nowrap">{status.label}</span>
        {/* The detail may wrap under the label in a narrow column. */}
        {status.detail && <span className="whitespace-nowrap text-zinc-500"> · {status.detail}</span>}
        {state === "ready" && updating && <span className="whitespace-nowrap text-zinc-500"> · updating…</span>}
      </span>
    </span>
  );
}

export function isExpiringSoon(expiresAt: Date | null, now: Date): boolean {
  if (!expiresAt) return false;
  const left = expiresAt.getTime() - now.getTime();
  return left > 0 && left <= EXPIRING_SOON_MS;
}

/** "in 2 days", or "in 3 h" with an "expiring soon" badge when little time is left. */
export function ExpiryLabel({ expiresAt, now }: { expiresAt: Date | null; now: Date }) {
  if (!expiresAt) return <span className="text-zinc-400">never</span>;
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
      <RelativeTime at={expiresAt} now={now} />
      {isExpiringSoon(expiresAt, now) && (
        <Badge tone="amber" title="Extend it to keep it; otherwise Slipway tears it down when it expires">
          expiring soon
        </Badge>
      )}
    </span>
  );
}
