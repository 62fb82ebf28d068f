"use client";

import { useAction } from "@/lib/actions/use-action";
import { liftHoldAction } from "@/lib/actions/environments";
import type { Automation } from "@/lib/domain/hold";
import { ConfirmButton } from "@/components/ui/confirm";
import { HoldStatement } from "./hold-statement";

/**
 * An environment on hold after a rollback: who, when, why, what the hold does there
 * (lib/domain/hold.ts: it stops automatic promotion only) and lifting it (with a reason).
 */
export function HoldBanner({
  environment,
  environmentRef,
  hold,
  automation,
  canLift,
  now,
}: {
  environment: string;
  environmentRef: string;
  hold: { at: string; reason: string | null };
  automation: Automation;
  canLift: boolean;
  now: string;
}) {
  const { run, pending } = useAction(liftHoldAction, { success: `Hold on ${environment} lifted` });
  return (
    <div role="status" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-amber-900">
      <span>
        <HoldStatement environment={environment} hold={hold} automation={automation} now={now} />
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
          {automation === "auto-promote"
            ? `Automatic promotion into ${environment} resumes with releases it has not tried there; the release that was rolled back comes back only if someone promotes it.`
            : `The mark of the rollback goes from ${environment}'s page and its board column; nothing else changes (a hold stops only automatic promotion, which ${environment} does not take).`}
        </ConfirmButton>
      )}
    </div>
  );
}
