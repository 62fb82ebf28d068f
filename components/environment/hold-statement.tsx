import { whoMay } from "@/lib/auth/policy";
import { holdEffect, type Automation } from "@/lib/domain/hold";
import { RelativeTime } from "@/components/ui/time";

/**
 * The one sentence about an environment's hold after a rollback, wherever it is shown (the
 * environment's banner, a deployment's page): since when, what it does there (lib/domain/hold.ts),
 * and its reason as a sentence of its own.
 */
export function HoldStatement({ environment, hold, automation, now }: { environment: string; hold: { at: Date | string; reason: string | null }; automation: Automation; now: Date | string }) {
  return (
    <>
      <strong>{environment} is on hold</strong> since <RelativeTime at={hold.at} now={now} />: {holdEffect(environment, automation, whoMay("environment.hold.lift"))}.
      {hold.reason && <> {/[.!?]$/.test(hold.reason) ? hold.reason : `${hold.reason}.`}</>}
    </>
  );
}
