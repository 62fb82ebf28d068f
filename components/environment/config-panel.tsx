"use client";

import { LIMITS } from "@/lib/limits";
import { useState } from "react";
import { useRouter } from "next/navigation";
import type { ConfigVariableView } from "@/lib/services/config-vars";
import { useAction } from "@/lib/actions/use-action";
import { formText } from "@/components/form-values";
import { deleteConfigAction, setConfigAction } from "@/lib/actions/environments";
import { requestDeploymentAction } from "@/lib/actions/deployments";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";

function VariableForm({ environmentRef, apps, initial, onDone }: { environmentRef: string; apps: string[]; initial?: ConfigVariableView; onDone: () => void }) {
  const { run, pending, fieldErrors } = useAction(setConfigAction, { success: (key) => `${key} saved: deploy a config change to apply it` });
  return (
    <form
      className="flex flex-wrap items-end gap-2 border-t border-zinc-100 bg-zinc-50 px-4 py-3"
      aria-label={initial ? `Edit ${initial.key}` : "Add a variable"}
      onSubmit={async (event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const result = await run({
          environment: environmentRef,
          key: initial?.key ?? formText(form, "key"),
          app: (initial ? initial.app : formText(form, "app")) || undefined,
          value: formText(form, "value"),
          secret: form.get("secret") === "on",
          reason: formText(form, "reason"),
        });
        if (result.ok) onDone();
      }}
    >
      {!initial && (
        <>
          <label className="flex flex-col gap-1 text-xs text-zinc-600">
            Name
            <input name="key" required placeholder="DATABASE_POOL_SIZE" className={`${inputClass} w-56 font-mono`} aria-invalid={Boolean(fieldErrors.key)} />
          </label>
          <label className="flex flex-col gap-1 text-xs text-zinc-600">
            For
            <select name="app" className={inputClass}>
              <option value="">every app</option>
              {apps.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
        </>
      )}
      <label className="flex flex-col gap-1 text-xs text-zinc-600">
        {initial?.secret ? "New value (the current one is never shown)" : "Value"}
        <input name="value" required={!initial} defaultValue={initial && !initial.secret ? (initial.value ?? "") : ""} type={initial?.secret ? "password" : "text"} autoComplete="off" className={`${inputClass} w-64 font-mono`} />
      </label>
      <label className="flex h-8 items-center gap-1.5 text-xs text-zinc-700">
        <input type="checkbox" name="secret" defaultChecked={initial?.secret ?? false} /> secret
      </label>
      <label className="flex flex-col gap-1 text-xs text-zinc-600">
        Reason (audited)
        <input name="reason" required minLength={3} maxLength={LIMITS.reason} className={`${inputClass} w-56`} aria-invalid={Boolean(fieldErrors.reason)} />
      </label>
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save"}
      </Button>
      <Button variant="ghost" onClick={onDone}>
        Cancel
      </Button>
      {Object.values(fieldErrors).length > 0 && (
        <p className="w-full text-xs text-rose-700">
          {Object.entries(fieldErrors)
            .map(([f, m]) => `${f}: ${m}`)
            .join("; ")}
        </p>
      )}
    </form>
  );
}

/**
 * Config variables: secrets masked (their values never leave the server), every change with a
 * reason, and applying changes is an explicit config deployment.
 */
export function ConfigPanel({
  environment,
  environmentRef,
  apps,
  variables,
  canEdit,
  canDeploy,
  pendingSince,
  currentReleaseId,
}: {
  /** The plain name people see. */
  environment: string;
  /** The qualified reference the actions take ("shop/dev"). */
  environmentRef: string;
  apps: string[];
  variables: ConfigVariableView[];
  canEdit: boolean;
  canDeploy: boolean;
  pendingSince: string | null;
  currentReleaseId: string | null;
}) {
  const router = useRouter();
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useAction(deleteConfigAction, { success: "Variable removed: deploy a config change to apply it" });
  const apply = useAction(requestDeploymentAction, { success: "Config change requested" });
  return (
    <div>
      {pendingSince && currentReleaseId && (
        <div role="status" className="flex items-center justify-between gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-amber-900">
          <span>Configuration changed since the last deployment: the apps still run with the previous values.</span>
          {canDeploy && (
            <ConfirmButton
              label="Apply (deploy config)"
              variant="primary"
              confirmVariant="primary"
              title={`Apply the configuration to ${environment}?`}
              confirmLabel="Deploy config"
              askReason="optional"
              pending={apply.pending}
              onConfirm={async (reason) => {
                const result = await apply.run({ environment: environmentRef, releaseId: currentReleaseId, kind: "config", reason: reason || undefined });
                if (result.ok) router.push(`/deployments/${result.data.id}`);
                return result;
              }}
            >
              The apps restart with the new values on the release {environment} runs now; nothing else changes.
            </ConfirmButton>
          )}
        </div>
      )}
      {variables.length === 0 ? (
        <p className="px-4 py-4 text-zinc-500">No config variables. {canEdit ? "Add one below; apps receive them as environment variables." : ""}</p>
      ) : (
        <table className={tableClass} aria-label={`Config variables of ${environment}`}>
          <thead>
            <tr>
              <th className={thClass}>Name</th>
              <th className={thClass}>For</th>
              <th className={thClass}>Value</th>
              <th className={thClass}>Changed</th>
              <th className={thClass}></th>
            </tr>
          </thead>
          <tbody>
            {variables.map((v) => (
              <tr key={v.id} data-key={v.key}>
                <td className={`${tdClass} font-mono text-xs`}>{v.key}</td>
                <td className={`${tdClass} text-xs`}>{v.app ?? "every app"}</td>
                <td className={`${tdClass} max-w-xs truncate font-mono text-xs`}>
                  {v.secret ? <Badge tone="violet">secret · ••••••</Badge> : v.value}
                  {v.inheritedFrom && <span className="ml-2 font-sans text-zinc-500">from {v.inheritedFrom}</span>}
                </td>
                <td className={`${tdClass} text-xs text-zinc-500`}>
                  v{v.version} by {v.updatedBy ?? "—"}
                </td>
                <td className={`${tdClass} text-right whitespace-nowrap`}>
                  {canEdit && (
                    <span className="flex justify-end gap-1">
                      <Button size="sm" variant="ghost" onClick={() => setEditing(v.id)}>
                        Edit
                      </Button>
                      <ConfirmButton
                        label="Remove"
                        variant="ghost"
                        title={`Remove ${v.key}?`}
                        confirmLabel="Remove"
                        askReason="required"
                        pending={remove.pending}
                        onConfirm={(reason) => remove.run({ environment: environmentRef, key: v.key, app: v.app ?? undefined, reason })}
                      >
                        Apps keep the old value until the next deployment.
                      </ConfirmButton>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && editing && editing !== "new" && <VariableForm environmentRef={environmentRef} apps={apps} initial={variables.find((v) => v.id === editing)} onDone={() => setEditing(null)} />}
      {canEdit &&
        (editing === "new" ? (
          <VariableForm environmentRef={environmentRef} apps={apps} onDone={() => setEditing(null)} />
        ) : (
          <div className="border-t border-zinc-100 px-4 py-2">
            <Button size="sm" onClick={() => setEditing("new")}>
              Add variable
            </Button>
          </div>
        ))}
    </div>
  );
}
