"use client";

import { LIMITS } from "@/lib/limits";
import { useEffect, useState } from "react";
import { createFreezeAction } from "@/lib/actions/freezes";
import { useAction } from "@/lib/actions/use-action";
import { formText } from "@/components/form-values";
import { FIELD_LABELS } from "@/lib/domain/freeze-labels";
import { Button } from "@/components/ui/button";
import { environmentRefLabel } from "@/lib/paths";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2";
const labelClass = "flex flex-col gap-1 text-xs font-medium text-zinc-600";

/** A datetime-local value ("2026-03-05T14:30", the browser's wall clock) as an ISO instant in UTC. */
function toUtc(local: FormDataEntryValue | null): string | undefined {
  const text = typeof local === "string" ? local.trim() : "";
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

function FieldError({ message, id }: { message?: string | undefined; id: string }) {
  return message ? (
    <span id={id} className="text-xs font-normal text-rose-700">
      {message}
    </span>
  ) : null;
}

/** The scope select's value for "every environment of a pipeline" (environment references never start with it). */
const PIPELINE_SCOPE = "pipeline:";
/** The scope select's value before anything is chosen: a freeze is never of an environment nobody picked. */
const UNCHOSEN = "unchosen:";

/**
 * Declares a freeze: one environment, every environment of one pipeline, or all of them (stop the
 * line), from now or a later time, until a time or until lifted. Times are typed on the browser's
 * clock and sent as UTC.
 */
export function FreezeForm({ environments, pipelines, defaultEnvironment }: { environments: string[]; pipelines: string[]; defaultEnvironment?: string | undefined }) {
  const { run, pending, fieldErrors, error } = useAction(createFreezeAction, {
    success: (f) => {
      // "shop / staging": environment names repeat across pipelines.
      const scope = f.environment ? (f.pipeline ? environmentRefLabel(`${f.pipeline}/${f.environment}`) : f.environment) : f.pipeline ? `Every environment of ${f.pipeline}` : "Every environment";
      return f.state === "upcoming" ? `${scope} will freeze from the start time: ${f.name}` : `${scope} frozen: ${f.name}`;
    },
  });
  const [untilLifted, setUntilLifted] = useState(true);
  // Nothing until someone picks: the first environment alphabetically (handbook / dev) is rarely the
  // one to freeze, and stopping the line must be a choice too. A filter chip preselects its environment.
  const initialScope = defaultEnvironment ?? UNCHOSEN;
  const [scope, setScope] = useState(initialScope);
  const wholePipeline = scope.startsWith(PIPELINE_SCOPE) ? scope.slice(PIPELINE_SCOPE.length) : null;
  const chosen = scope !== UNCHOSEN;
  const scopeLabel = wholePipeline ? `all of ${wholePipeline}` : environmentRefLabel(scope);
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone ?? null), []);
  const shown = Object.entries(fieldErrors).filter(([field]) => !["environment", "name", "reason", "startsAt", "endsAt"].includes(field));

  return (
    <form
      aria-label="Declare a freeze"
      className="flex flex-col gap-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const formElement = event.currentTarget;
        const form = new FormData(formElement);
        const result = await run({
          ...(wholePipeline ? { pipeline: wholePipeline } : { environment: scope || undefined }),
          name: formText(form, "name"),
          reason: formText(form, "reason"),
          startsAt: toUtc(form.get("startsAt")),
          endsAt: untilLifted ? undefined : toUtc(form.get("endsAt")),
          ...(zone ? { timezone: zone } : {}),
        });
        if (result.ok) {
          // The scope stays: the next freeze is often of the same environment (name and reason clear).
          formElement.reset();
          setUntilLifted(true);
        }
      }}
    >
      <div className="flex flex-wrap items-start gap-3">
        <label className={labelClass}>
          Environment
          <select name="environment" value={scope} onChange={(e) => setScope(e.target.value)} className={inputClass} aria-invalid={Boolean(fieldErrors.environment)} aria-describedby="freeze-environment-error">
            {!chosen && (
              <option value={UNCHOSEN} disabled>
                Choose what to freeze…
              </option>
            )}
            <optgroup label="One environment">
              {environments.map((name) => (
                <option key={name} value={name}>
                  {environmentRefLabel(name)}
                </option>
              ))}
            </optgroup>
            <optgroup label="Every environment of a pipeline">
              {pipelines.map((name) => (
                <option key={name} value={`${PIPELINE_SCOPE}${name}`}>
                  all of {name}
                </option>
              ))}
            </optgroup>
            <option value="">All environments — stop the line</option>
          </select>
          <FieldError id="freeze-environment-error" message={fieldErrors.environment} />
        </label>
        <label className={labelClass}>
          Name (required)
          <input name="name" required maxLength={80} placeholder="e.g. payments outage" className={`${inputClass} w-52`} aria-invalid={Boolean(fieldErrors.name)} aria-describedby="freeze-name-error" />
          <FieldError id="freeze-name-error" message={fieldErrors.name} />
        </label>
        <label className={`${labelClass} min-w-72 flex-1`}>
          Reason (required; shown to whoever is blocked; audited)
          <input
            name="reason"
            required
            minLength={3}
            maxLength={LIMITS.reason}
            placeholder="e.g. Payment provider outage: no changes until they confirm recovery"
            className={inputClass}
            aria-invalid={Boolean(fieldErrors.reason)}
            aria-describedby="freeze-reason-error"
          />
          <FieldError id="freeze-reason-error" message={fieldErrors.reason} />
        </label>
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <label className={labelClass}>
          From (empty: now)
          <input name="startsAt" type="datetime-local" className={inputClass} aria-invalid={Boolean(fieldErrors.startsAt)} aria-describedby="freeze-start-error" />
          <FieldError id="freeze-start-error" message={fieldErrors.startsAt} />
        </label>
        <fieldset className="flex flex-col gap-1">
          <legend className="text-xs font-medium text-zinc-600">Until</legend>
          <div className="flex h-8 items-center gap-3">
            <label className="flex items-center gap-1.5 text-sm text-zinc-700">
              <input type="radio" name="until" checked={untilLifted} onChange={() => setUntilLifted(true)} /> lifted
            </label>
            <label className="flex items-center gap-1.5 text-sm text-zinc-700">
              <input type="radio" name="until" checked={!untilLifted} onChange={() => setUntilLifted(false)} /> a time
            </label>
            {!untilLifted && <input name="endsAt" type="datetime-local" required aria-label="Until" className={inputClass} aria-invalid={Boolean(fieldErrors.endsAt)} aria-describedby="freeze-end-error" />}
          </div>
          <FieldError id="freeze-end-error" message={fieldErrors.endsAt} />
        </fieldset>
        <div className="flex flex-col gap-1">
          <span className="text-xs text-transparent select-none" aria-hidden>
            ·
          </span>
          <Button type="submit" variant={scope ? "primary" : "danger"} disabled={pending || !chosen}>
            {pending ? "Freezing…" : !chosen ? "Freeze" : scope ? `Freeze ${scopeLabel}` : "Stop the line"}
          </Button>
        </div>
      </div>
      <p className="text-xs text-zinc-500">
        Times are on your clock{zone && <> ({zone})</>} and stored in UTC.{" "}
        {!chosen ? (
          <>Choose one environment, every environment of a pipeline, or all of them.</>
        ) : wholePipeline ? (
          <>Deployments into every environment of {wholePipeline}, the first of its chain included, wait while the freeze is on; people in the override roles of its pipeline file may override it with a reason.</>
        ) : scope ? (
          <>Deployments into {scopeLabel} wait while the freeze is on; people in the override roles of the pipeline file may override it with a reason.</>
        ) : (
          <strong className="font-medium text-rose-700">Every environment stops taking deployments, dev included, until the freeze ends or is lifted.</strong>
        )}
      </p>
      {shown.length > 0 && <p className="text-xs text-rose-700">{shown.map(([field, message]) => `${FIELD_LABELS[field] ?? field}: ${message}`).join("; ")}</p>}
      {error && shown.length === 0 && Object.keys(fieldErrors).length === 0 && <p className="text-xs text-rose-700">{error}</p>}
    </form>
  );
}
