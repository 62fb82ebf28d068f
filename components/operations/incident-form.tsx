"use client";

import { declareIncidentAction } from "@/lib/actions/incidents";
import { useAction } from "@/lib/actions/use-action";
import { formChoice, formText } from "@/components/form-values";
import type { IncidentSeverity } from "@/lib/services/incidents";
import { Button } from "@/components/ui/button";
import { environmentRefLabel } from "@/lib/paths";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";
const labelClass = "flex flex-col gap-1 text-xs font-medium text-zinc-600";

function FieldError({ message, id }: { message?: string | undefined; id: string }) {
  return message ? (
    <span id={id} className="text-xs font-normal text-rose-700">
      {message}
    </span>
  ) : null;
}

/** Declares an incident on an environment; deployments into it are refused until it is resolved. */
export function IncidentForm({ environments, severities }: { environments: string[]; severities: readonly string[] }) {
  const { run, pending, fieldErrors } = useAction(declareIncidentAction, { success: (i) => `Incident declared on ${i.environment}: deployments there are refused until it is resolved` });
  return (
    <form
      aria-label="Declare an incident"
      className="flex flex-wrap items-start gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const formElement = event.currentTarget;
        const form = new FormData(formElement);
        const url = String(form.get("url") ?? "").trim();
        const result = await run({ environment: formText(form, "environment"), title: formText(form, "title"), severity: formChoice<IncidentSeverity>(form, "severity"), ...(url ? { url } : {}) });
        if (result.ok) formElement.reset();
      }}
    >
      <label className={labelClass}>
        Environment
        <select
          name="environment"
          required
          defaultValue={environments.find((r) => r === "prod" || r.endsWith("/prod")) ?? environments[0]}
          className={inputClass}
          aria-invalid={Boolean(fieldErrors.environment)}
          aria-describedby="incident-environment-error"
        >
          {environments.map((name) => (
            <option key={name} value={name}>
              {environmentRefLabel(name)}
            </option>
          ))}
        </select>
        <FieldError id="incident-environment-error" message={fieldErrors.environment} />
      </label>
      <label className={`${labelClass} min-w-64 flex-1`}>
        Title
        <input name="title" required minLength={3} maxLength={200} placeholder="e.g. Checkout returns 500s" className={inputClass} aria-invalid={Boolean(fieldErrors.title)} aria-describedby="incident-title-error" />
        <FieldError id="incident-title-error" message={fieldErrors.title} />
      </label>
      <label className={labelClass}>
        Severity
        <select name="severity" defaultValue="major" className={inputClass} aria-invalid={Boolean(fieldErrors.severity)}>
          {severities.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <FieldError id="incident-severity-error" message={fieldErrors.severity} />
      </label>
      <label className={`${labelClass} w-72`}>
        Link (optional)
        <input name="url" type="url" maxLength={2048} placeholder="https://…" className={inputClass} aria-invalid={Boolean(fieldErrors.url)} aria-describedby="incident-url-error" />
        <FieldError id="incident-url-error" message={fieldErrors.url} />
      </label>
      <div className="flex flex-col gap-1">
        <span className="text-xs text-transparent select-none" aria-hidden>
          ·
        </span>
        <Button type="submit" variant="danger" disabled={pending}>
          {pending ? "Declaring…" : "Declare incident"}
        </Button>
      </div>
    </form>
  );
}
