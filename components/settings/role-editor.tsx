"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import type { setUserRolesAction } from "@/lib/actions/settings";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/auth/roles";
import { cn } from "@/components/ui/cn";

/**
 * A person's roles as toggles. Each change saves at once and offers Undo, so a slip is one click
 * to reverse; the last admin's admin role is protected by the service, not by this widget.
 */
export function RoleEditor({ userId, email, roles, action }: { userId: string; email: string; roles: Role[]; action: typeof setUserRolesAction }) {
  const [current, setCurrent] = useState<Role[]>(roles);
  const [pending, startTransition] = useTransition();

  function save(next: Role[], previous: Role[], undoable: boolean) {
    setCurrent(next);
    startTransition(async () => {
      const result = await action({ userId, roles: next });
      if (!result.ok) {
        setCurrent(previous);
        toast.error(result.error.message);
        return;
      }
      setCurrent(result.data);
      if (undoable) {
        toast.success(`Roles of ${email}: ${result.data.map((r) => ROLE_LABELS[r]).join(", ") || "none"}`, {
          action: { label: "Undo", onClick: () => save(previous, result.data, false) },
        });
      }
    });
  }

  return (
    <fieldset className="flex flex-wrap gap-1" disabled={pending} aria-label={`Roles of ${email}`}>
      {ROLES.map((role) => {
        const on = current.includes(role);
        return (
          <label
            key={role}
            className={cn(
              "cursor-pointer rounded px-2 py-0.5 text-xs font-medium ring-1 ring-inset select-none has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-sky-600",
              on ? "bg-zinc-900 text-white ring-zinc-900" : "bg-white text-zinc-500 ring-zinc-300 hover:text-zinc-900",
            )}
          >
            <input type="checkbox" className="sr-only" checked={on} onChange={() => save(on ? current.filter((r) => r !== role) : [...current, role], current, true)} />
            {ROLE_LABELS[role]}
          </label>
        );
      })}
    </fieldset>
  );
}
