"use client";

import { environmentRefLabel } from "@/lib/paths";
import { liftFreezeAction } from "@/lib/actions/freezes";
import { useAction } from "@/lib/actions/use-action";
import { ConfirmButton } from "@/components/ui/confirm";

/** Lifts (or, before it starts, cancels) a freeze, asking why: the reason goes into the audit trail. */
export function LiftFreezeButton({ freezeId, name, environment, pipeline, upcoming }: { freezeId: string; name: string; environment: string | null; pipeline: string | null; upcoming: boolean }) {
  const { run, pending } = useAction(liftFreezeAction, { success: (f) => (upcoming ? `Freeze "${f.name}" cancelled: it will not start` : `Freeze "${f.name}" lifted`) });
  const scope = environment ? (pipeline ? environmentRefLabel(`${pipeline}/${environment}`) : environment) : pipeline ? `every environment of ${pipeline}` : "every environment";
  return (
    <ConfirmButton
      label={upcoming ? "Cancel…" : "Lift…"}
      title={upcoming ? `Cancel the freeze "${name}"?` : `Lift the freeze "${name}"?`}
      confirmLabel={upcoming ? "Cancel freeze" : "Lift freeze"}
      confirmVariant="primary"
      askReason="required"
      pending={pending}
      testId={`lift-freeze-${freezeId}`}
      onConfirm={(reason) => run({ freezeId, reason })}
    >
      {upcoming ? <>It will not start: deployments into {scope} go on as usual.</> : <>Deployments into {scope} that waited for it may start now (other gates still apply).</>}
    </ConfirmButton>
  );
}
