import { formatDuration } from "@/lib/config/duration";
import { absoluteTime } from "@/components/ui/time";

/** The soak a deployment is (or would be) measured by, as lib/services/soak-plan.ts pins it. */
export interface SoakPlan {
  environment: string;
  since: string | null;
  durationMs: number;
  completesAt: string | null;
}

/**
 * One sentence: where the soak is measured, from when, and when it completes — decided once, so it
 * neither moves to another environment nor restarts when the release goes elsewhere meanwhile.
 */
export function SoakStatement({ soak }: { soak: SoakPlan }) {
  if (!soak.since) {
    // Not "cannot pass": with no environment pinned the soak is looked for again at each check, so it
    // passes once the release has run its duration somewhere (deployed there meanwhile).
    return (
      <span data-testid="soak-statement">It runs in no environment it could soak in yet: it waits until it has run {formatDuration(soak.durationMs)} in one, so deploy it to an earlier environment first (or right after requesting).</span>
    );
  }
  return (
    <span data-testid="soak-statement">
      Its {formatDuration(soak.durationMs)} soak is measured in <strong>{soak.environment}</strong>, from {absoluteTime(new Date(soak.since))} (when it started there)
      {soak.completesAt ? <>, complete at {absoluteTime(new Date(soak.completesAt))}</> : null}. It stays measured there, from then, even if the release reaches another environment meanwhile.
    </span>
  );
}
