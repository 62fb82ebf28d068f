"use client";

import { useState } from "react";
import { useAction } from "@/lib/actions/use-action";
import { formChoices, formText } from "@/components/form-values";
import type { createTeamAction, deleteTeamAction, setPipelineOwnerAction, setTeamMemberAction } from "@/lib/actions/settings";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/auth/roles";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";
const labelClass = "text-xs font-medium text-zinc-600";

function FieldError({ message }: { message?: string | undefined }) {
  return message ? <span className="text-xs text-rose-700">{message}</span> : null;
}

/** Creates a team: a DNS-label name, a display name and, optionally, the OIDC group whose members join it. */
export function CreateTeamForm({ action }: { action: typeof createTeamAction }) {
  const { run, pending, fieldErrors } = useAction(action, { success: (name) => `Team ${name} created` });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const element = event.currentTarget;
        const form = new FormData(element);
        const group = String(form.get("oidcGroup") ?? "").trim();
        const display = String(form.get("displayName") ?? "").trim();
        const result = await run({ name: formText(form, "name"), ...(display ? { displayName: display } : {}), ...(group ? { oidcGroup: group } : {}) });
        if (result.ok) element.reset();
      }}
    >
      <label className="flex flex-col gap-1">
        <span className={labelClass}>Name</span>
        <input name="name" required placeholder="e.g. storefront" className={`${inputClass} w-44`} aria-invalid={Boolean(fieldErrors.name)} />
        <FieldError message={fieldErrors.name} />
      </label>
      <label className="flex flex-col gap-1">
        <span className={labelClass}>Display name</span>
        <input name="displayName" placeholder="e.g. Storefront" className={`${inputClass} w-44`} />
      </label>
      <label className="flex flex-col gap-1">
        <span className={labelClass}>OIDC group (optional)</span>
        <input name="oidcGroup" placeholder="e.g. storefront-eng" className={`${inputClass} w-48`} aria-invalid={Boolean(fieldErrors.oidcGroup)} />
        <FieldError message={fieldErrors.oidcGroup} />
      </label>
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Creating…" : "Create team"}
      </Button>
    </form>
  );
}

/**
 * Sets one person's roles in a team — in every pipeline it owns, or in one of them. No roles
 * ticked removes the person from that scope.
 */
export function SetMemberForm({ teams, action }: { teams: { name: string; pipelines: string[] }[]; action: typeof setTeamMemberAction }) {
  const { run, pending, fieldErrors } = useAction(action, { success: (team) => `Roles in ${team} saved` });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const pipeline = String(form.get("pipeline") ?? "");
        await run({ team: formText(form, "team"), user: formText(form, "user"), roles: formChoices<Role>(form, "roles"), ...(pipeline ? { pipeline } : {}) });
      }}
    >
      <label className="flex flex-col gap-1">
        <span className={labelClass}>Team</span>
        <select name="team" required className={`${inputClass} w-40`}>
          {teams.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1">
        <span className={labelClass}>Person (email)</span>
        <input name="user" type="email" required className={`${inputClass} w-60`} aria-invalid={Boolean(fieldErrors.user)} />
        <FieldError message={fieldErrors.user} />
      </label>
      <label className="flex flex-col gap-1">
        <span className={labelClass}>Where</span>
        <select name="pipeline" defaultValue="" className={`${inputClass} w-52`} aria-invalid={Boolean(fieldErrors.pipeline)}>
          <option value="">Every pipeline of the team</option>
          {[...new Set(teams.flatMap((t) => t.pipelines))].map((p) => (
            <option key={p} value={p}>
              Only pipeline {p}
            </option>
          ))}
        </select>
        <FieldError message={fieldErrors.pipeline} />
      </label>
      <fieldset className="flex flex-col gap-1">
        <legend className={labelClass}>Roles (none: remove)</legend>
        <div className="flex h-8 items-center gap-3">
          {ROLES.map((role) => (
            <label key={role} className="flex items-center gap-1 text-xs">
              <input type="checkbox" name="roles" value={role} />
              {ROLE_LABELS[role]}
            </label>
          ))}
        </div>
      </fieldset>
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save roles"}
      </Button>
    </form>
  );
}

/** Changes which team owns a pipeline, saving on change. */
export function OwnerSelect({ pipeline, team, teams, action }: { pipeline: string; team: string | null; teams: string[]; action: typeof setPipelineOwnerAction }) {
  const { run, pending } = useAction(action, { success: (d) => (d.team ? `${d.pipeline} is owned by ${d.team}` : `${d.pipeline} has no owner team`) });
  const [value, setValue] = useState(team ?? "");
  return (
    <select
      aria-label={`Owner team of ${pipeline}`}
      value={value}
      disabled={pending}
      onChange={async (e) => {
        const previous = value;
        setValue(e.target.value);
        // Refused (or failed): show the owner that is actually stored.
        if (!(await run({ pipeline, team: e.target.value })).ok) setValue(previous);
      }}
      className={`${inputClass} w-40`}
    >
      <option value="">No owner team</option>
      {teams.map((t) => (
        <option key={t} value={t}>
          {t}
        </option>
      ))}
    </select>
  );
}

export function DeleteTeamButton({ team, action }: { team: string; action: typeof deleteTeamAction }) {
  const { run, pending } = useAction(action, { success: (name) => `Team ${name} deleted` });
  return (
    <ConfirmButton label="Delete" title={`Delete team ${team}?`} confirmLabel="Delete team" pending={pending} onConfirm={() => run({ team })}>
      Its members lose the roles they hold in the team. A team that owns pipelines cannot be deleted: give them another owner first.
    </ConfirmButton>
  );
}
