"use client";

import { useAction } from "@/lib/actions/use-action";
import type { revokeTokenAction } from "@/lib/actions/settings";
import { ConfirmButton } from "@/components/ui/confirm";

export function RevokeTokenButton({ tokenId, name, action }: { tokenId: string; name: string; action: typeof revokeTokenAction }) {
  const { run, pending } = useAction(action, { success: `Token "${name}" revoked` });
  return (
    <ConfirmButton label="Revoke" title={`Revoke the token "${name}"?`} confirmLabel="Revoke token" pending={pending} onConfirm={() => run({ tokenId })}>
      Anything using it (a CI job, a script) gets 401 from now on. This cannot be undone: create a new token if it is needed again.
    </ConfirmButton>
  );
}
