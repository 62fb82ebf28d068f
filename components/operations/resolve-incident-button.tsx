"use client";

import { resolveIncidentAction } from "@/lib/actions/incidents";
import { useAction } from "@/lib/actions/use-action";
import { ConfirmButton } from "@/components/ui/confirm";

/** Resolves an open incident after a confirmation, with an optional note for the audit trail. */
export function ResolveIncidentButton({ incidentId, title, environment }: { incidentId: string; title: string; environment: string }) {
  const { run, pending } = useAction(resolveIncidentAction, { success: (i) => `Resolved: ${i.title}` });
  return (
    <ConfirmButton
      label="Resolve…"
      title={`Resolve "${title}"?`}
      confirmLabel="Resolve"
      confirmVariant="primary"
      askReason="optional"
      pending={pending}
      testId={`resolve-incident-${incidentId}`}
      onConfirm={(note) => run({ incidentId, ...(note ? { note } : {}) })}
    >
      The incident gate lets deployments into {environment} through again (their other gates still apply).
    </ConfirmButton>
  );
}
