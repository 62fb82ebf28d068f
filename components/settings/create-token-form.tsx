"use client";

import { useState } from "react";
import { useAction } from "@/lib/actions/use-action";
import { formChoices, formText } from "@/components/form-values";
import type { createTokenAction } from "@/lib/actions/settings";
import { Button } from "@/components/ui/button";
import { CopyText } from "@/components/ui/copy";
import { ROLE_LABELS, type Role } from "@/lib/auth/roles";

// Mirrors lib/services/tokens.ts (a client component cannot import the server service).
const DEFAULT_EXPIRY_DAYS = 90;
const MAX_EXPIRY_DAYS = 3650;

type Created = { token: string; name: string; userEmail: string };

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";

/**
 * Creates a token — your own (with your roles, or fewer), or, for admins, anyone's — shown here
 * once and never again. `users` is given only to admins; `self` is the signed-in person.
 */
export function CreateTokenForm({
  self,
  users,
  pipelines = [],
  pipeline,
  action,
}: {
  self: { id: string; roles: readonly Role[] };
  users?: { id: string; label: string }[] | undefined;
  /** Pipeline names a token may be restricted to. */
  pipelines?: string[];
  /** The restriction chosen up front (the page's `?pipeline=`); default: every pipeline. */
  pipeline?: string | undefined;
  action: typeof createTokenAction;
}) {
  const { run, pending, fieldErrors } = useAction(action, { success: (d) => `Token "${d.name}" created for ${d.userEmail}` });
  const [created, setCreated] = useState<Created | null>(null);
  const [owner, setOwner] = useState(self.id);
  const own = owner === self.id;

  return (
    <div className="flex flex-col gap-4">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const expires = String(form.get("expiresInDays") ?? "");
          const chosen = formChoices<Role>(form, "roles");
          // All of your roles ticked: the token follows your roles; fewer: just those.
          const roles = own && self.roles.length > 1 && chosen.length < self.roles.length ? { roles: chosen } : {};
          const pipeline = String(form.get("pipeline") ?? "");
          const result = await run({ userId: owner, name: formText(form, "name"), ...(expires ? { expiresInDays: expires } : {}), ...roles, ...(pipeline ? { pipeline } : {}) });
          if (result.ok) {
            setCreated(result.data);
            (event.target as HTMLFormElement).reset();
            setOwner(self.id);
          }
        }}
      >
        {users && (
          <label className="flex min-w-0 flex-col gap-1">
            <span className="text-xs font-medium text-zinc-600">Acts as</span>
            <select name="userId" required value={owner} onChange={(e) => setOwner(e.target.value)} className={`${inputClass} max-w-full`} aria-invalid={Boolean(fieldErrors.userId)}>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-zinc-600">Name</span>
          <input name="name" required maxLength={80} placeholder="e.g. github-actions" className={`${inputClass} w-56`} aria-invalid={Boolean(fieldErrors.name)} aria-describedby="token-name-error" />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs font-medium text-zinc-600">Expires after (days)</span>
          <input
            name="expiresInDays"
            type="number"
            min={1}
            max={MAX_EXPIRY_DAYS}
            defaultValue={DEFAULT_EXPIRY_DAYS}
            required={own && !self.roles.includes("admin")}
            className={`${inputClass} w-40`}
            aria-invalid={Boolean(fieldErrors.expiresInDays)}
          />
        </label>
        {pipelines.length > 0 && (
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-zinc-600">Pipeline</span>
            <select name="pipeline" defaultValue={pipeline ?? ""} className={`${inputClass} w-44`} aria-invalid={Boolean(fieldErrors.pipeline)}>
              <option value="">Every pipeline</option>
              {pipelines.map((p) => (
                <option key={p} value={p}>
                  Only {p}
                </option>
              ))}
            </select>
          </label>
        )}
        {own && self.roles.length > 1 && (
          <fieldset className="flex flex-col gap-1">
            <legend className="text-xs font-medium text-zinc-600">Acts with the roles</legend>
            <div className="flex h-8 flex-wrap items-center gap-3">
              {self.roles.map((role) => (
                <label key={role} className="flex items-center gap-1">
                  <input type="checkbox" name="roles" value={role} defaultChecked />
                  {ROLE_LABELS[role]}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Creating…" : "Create token"}
        </Button>
      </form>
      {(fieldErrors.name || fieldErrors.expiresInDays || fieldErrors.userId || fieldErrors.roles || fieldErrors.pipeline) && (
        <p id="token-name-error" className="text-rose-700">
          {fieldErrors.name ?? fieldErrors.expiresInDays ?? fieldErrors.userId ?? fieldErrors.roles ?? fieldErrors.pipeline}
        </p>
      )}
      {created && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3">
          <p className="font-medium text-emerald-900">
            New token &ldquo;{created.name}&rdquo; for {created.userEmail}. Copy it now: it will not be shown again.
          </p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="new-token" className="min-w-0 break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-200">
              {created.token}
            </code>
            <CopyText value={created.token} display="Copy" className="px-2 py-1 text-xs ring-1 ring-emerald-300" />
            <Button size="sm" variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
          <p className="mt-2 text-xs text-emerald-900">
            Use it as <code className="font-mono">Authorization: Bearer &lt;token&gt;</code> against <code className="font-mono">/api/v1</code>.
          </p>
        </div>
      )}
    </div>
  );
}
