"use client";

import { useAction } from "@/lib/actions/use-action";
import { formChoices, formText } from "@/components/form-values";
import type { createUserAction, setUserDisabledAction } from "@/lib/actions/settings";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/auth/roles";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";

/** Adds a person ahead of their first sign-in, with roles, so they arrive with the right access. */
export function AddUserForm({ action }: { action: typeof createUserAction }) {
  const { run, pending, fieldErrors } = useAction(action, { success: (email) => `Added ${email}` });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const formElement = event.currentTarget;
        const form = new FormData(formElement);
        const result = await run({ email: formText(form, "email"), name: formText(form, "name"), roles: formChoices<Role>(form, "roles") });
        if (result.ok) formElement.reset();
      }}
    >
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium text-zinc-600">Email</span>
        <input name="email" type="email" required className={`${inputClass} w-64`} aria-invalid={Boolean(fieldErrors.email)} />
        {fieldErrors.email && <span className="text-xs text-rose-700">{fieldErrors.email}</span>}
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium text-zinc-600">Name</span>
        <input name="name" required className={`${inputClass} w-48`} aria-invalid={Boolean(fieldErrors.name)} />
      </label>
      <fieldset className="flex flex-col gap-1">
        <legend className="text-xs font-medium text-zinc-600">Roles</legend>
        <div className="flex h-8 items-center gap-3">
          {ROLES.map((role) => (
            <label key={role} className="flex items-center gap-1 text-xs">
              <input type="checkbox" name="roles" value={role} defaultChecked={role === "viewer"} />
              {ROLE_LABELS[role]}
            </label>
          ))}
        </div>
      </fieldset>
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Adding…" : "Add user"}
      </Button>
    </form>
  );
}

export function DisableUserButton({ userId, email, disabled, action }: { userId: string; email: string; disabled: boolean; action: typeof setUserDisabledAction }) {
  const { run, pending } = useAction(action, { success: disabled ? `${email} enabled` : `${email} disabled` });
  return disabled ? (
    <Button size="sm" disabled={pending} onClick={() => run({ userId, disabled: false })}>
      Enable
    </Button>
  ) : (
    <ConfirmButton label="Disable" title={`Disable ${email}?`} confirmLabel="Disable account" pending={pending} onConfirm={() => run({ userId, disabled: true })}>
      They can no longer sign in; their API tokens stop working and their approvals no longer count. Their history stays. You can enable them again.
    </ConfirmButton>
  );
}
