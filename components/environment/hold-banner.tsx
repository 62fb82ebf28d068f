"use client";

import { useAction } from "@/lib/actions/use-action";
import { whoMay } from "@/lib/auth/policy";
import { liftHoldAction } from "@/lib/actions/environments";
import { ConfirmButton } from "@/components/ui/confirm";
import { RelativeTime } from "@/components/ui/time";

/**
 * An environment on hold after a rollback: who, when, why, and lifting it (with a reason). A hold
 * stops automatic promotion only (lib/controller/auto-promotion.ts); deployments people ask for go
 * ahead, so on an environment without `autoPromote` it marks the rollback until someone lifts it.
 */
export function HoldBanner({
  environment,
  environmentRef,
  hold,
  autoPromote,
  canLift,
  now,
}: {
  environment: string;
  environmentRef: string;
  hold: { at: string; reason: string | null };
  autoPromote: boolean;
  canLift: boolean;
  now: string;
}) {
  const { run, pending } = useAction(liftHoldAction, { success: `Hold on ${environment} lifted` });
  return (
    <div role="status" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-amber-900">
      <span>
        <strong>On hold</strong> since <RelativeTime at={hold.at} now={now} />:{" "}
        {autoPromote
          ? `automatic promotion will not deploy here until ${whoMay("environment.hold.lift")} lifts the hold; deployments people ask for go ahead.`
          : `${environment} takes no automatic promotion, so the hold marks the rollback until ${whoMay("environment.hold.lift")} lifts it; deployments people ask for go ahead.`}
        {hold.reason && <> {/[.!?]$/.test(hold.reason) ? hold.reason : `${hold.reason}.`}</>}
      </span>
      {canLift && (
        <ConfirmButton
          label="Lift hold…"
          title={`Lift the hold on ${environment}?`}
          confirmLabel="Lift hold"
          confirmVariant="primary"
          askReason="required"
          pending={pending}
          onConfirm={(reason) => run({ environment: environmentRef, reason })}
        >
          {autoPromote
            ? `Automatic promotion may deploy to ${environment} again, including the release that was rolled back.`
            : `The mark of the rollback goes from ${environment} and its board column; nothing else changes (${environment} takes no automatic promotion).`}
        </ConfirmButton>
      )}
    </div>
  );
}
