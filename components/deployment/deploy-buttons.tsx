"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { whoMay } from "@/lib/auth/policy";
import type { RollbackConfigPreview } from "@/lib/services/config-snapshots";
import { useAction } from "@/lib/actions/use-action";
import { ConfirmButton } from "@/components/ui/confirm";
import { SoakStatement, type SoakPlan } from "./soak-statement";
import { abortDeploymentAction, cancelDeploymentAction, requestDeploymentAction, rollbackAction } from "@/lib/actions/deployments";
import { holdEffect, type Automation } from "@/lib/domain/hold";
import type { PromotionPreview } from "@/lib/domain/promotion-preview";
import { environmentRef } from "@/lib/paths";

export interface ReleaseSummary {
  id: string;
  commit: string;
  versions: { app: string; version: string }[];
}

/** "release abc1234 (portal 1.2.0, …)"; `start`: it begins a sentence ("Release …"). */
function ReleaseLine({ release, start = false }: { release: ReleaseSummary; start?: boolean }) {
  return (
    <span>
      {start ? "Release" : "release"} <span className="font-mono">{release.commit.slice(0, 7)}</span> (
      {release.versions.map((v, i) => (
        <span key={v.app}>
          {i > 0 && ", "}
          {v.app} <span className="font-mono">{v.version}</span>
        </span>
      ))}
      )
    </span>
  );
}

/**
 * Promote a release into the next environment; on success, follow the rollout on its page. The
 * confirmation says what will happen, from `preview` (describePromotion: the target's strategy and
 * its gates at render time).
 */
export function PromoteButton({ pipeline, release, from, to, label, preview }: { pipeline: string; release: ReleaseSummary; from: string | null; to: string; label?: string; preview: PromotionPreview }) {
  const router = useRouter();
  const { run, pending } = useAction(requestDeploymentAction, { success: `Deployment to ${to} requested` });
  return (
    <ConfirmButton
      label={label ?? `Promote to ${to} →`}
      size="sm"
      variant="secondary"
      confirmVariant="primary"
      title={from ? `Promote from ${from} to ${to}?` : `Deploy to ${to}?`}
      confirmLabel={`Deploy to ${to}`}
      askReason="optional"
      pending={pending}
      testId={`promote-${to}`}
      onConfirm={async (reason) => {
        const result = await run({ environment: environmentRef(pipeline, to), releaseId: release.id, reason: reason || undefined });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
        return result;
      }}
    >
      <div className="flex flex-col gap-2" data-testid={`promote-${to}-preview`}>
        <p>
          <ReleaseLine release={release} start /> goes to <strong>{to}</strong> as it ran{from ? <> in {from}</> : null}: the same artifacts, the same digests.
        </p>
        <p>{preview.rollout}</p>
        <PreviewNotes notes={preview.notes} />
        {preview.waits.length > 0 && (
          <ul className="list-disc rounded-md bg-amber-50 py-2 pr-3 pl-7 text-amber-900 ring-1 ring-amber-200 ring-inset">
            {preview.waits.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
      </div>
    </ConfirmButton>
  );
}

/**
 * Roll an environment back. The dialog shows what restoring the release's own config version
 * changes against what runs now, and offers "keep current config" as an explicit choice; edits not
 * yet applied are applied in neither case. While a forward rollout is in progress there
 * (`inFlight`), rolling back is stopping it: the dialog says so, and what serves now stays.
 */
export function RollbackButton({
  environment,
  environmentRef: ref,
  target,
  config,
  inFlight,
  automation,
  held = false,
  further = false,
}: {
  /** The plain name people see. */
  environment: string;
  /** How releases reach it by themselves: what the hold the rollback leaves does there (lib/domain/hold.ts). */
  automation: Automation;
  /** It is on hold already (a rollback left it so): the dialog says it stays on hold. */
  held?: boolean;
  /** Offered from a rollback's own page: it goes back further still, not an undo — the label says so. */
  further?: boolean;
  /** The qualified reference the action takes ("shop/dev"). */
  environmentRef: string;
  target: ReleaseSummary | null;
  config?: RollbackConfigPreview | null;
  inFlight?: { commit: string } | null;
}) {
  const router = useRouter();
  const { run, pending } = useAction(rollbackAction, { success: inFlight ? `Rollout into ${environment} stopping` : `Rollback of ${environment} requested` });
  const [choice, setChoice] = useState<"restore" | "keep-current">("restore");
  return (
    <ConfirmButton
      // While a rollout is in progress the button stops it (nothing older is deployed): say so.
      label={inFlight ? "Stop rollout…" : further ? "Roll back further…" : "Roll back…"}
      title={inFlight ? `Stop the rollout into ${environment}?` : `Roll back ${environment}?`}
      confirmLabel={inFlight ? "Stop the rollout" : `Roll back ${environment}`}
      askReason="optional"
      pending={pending}
      disabled={!target && !inFlight}
      disabledReason={`no earlier good release in ${environment}`}
      testId={`rollback-${environment}`}
      onConfirm={async (reason) => {
        const result = await run(inFlight ? { environment: ref, reason: reason || undefined } : { environment: ref, releaseId: target?.id, reason: reason || undefined, config: config?.changes.length === 0 ? "keep-current" : choice });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
        return result;
      }}
    >
      {inFlight ? (
        <p data-testid="rollback-stops-rollout">
          Release <span className="font-mono">{inFlight.commit.slice(0, 7)}</span> is rolling out into {environment}: rolling back stops it at once and keeps what served before it. Nothing older is deployed, and {environment} is put on
          hold.
        </p>
      ) : target ? (
        <div className="flex flex-col gap-2">
          <p>
            {environment} goes back to its previous good release, <ReleaseLine release={target} />. Other environments are not touched.
          </p>
          <p className="text-zinc-600" data-testid="rollback-ungated">
            It starts now: no approval, deploy window or freeze holds a rollback (restoring must not wait). {held ? `${environment} stays on hold` : `Afterwards ${environment} is on hold`}:{" "}
            {holdEffect(environment, automation, whoMay("environment.hold.lift"))}. The audit trail records who rolled back, and the reason if you give one.
          </p>
          {config && <RollbackConfigChoice config={config} choice={choice} onChoice={setChoice} />}
        </div>
      ) : (
        <p>{environment} has no earlier good release.</p>
      )}
    </ConfirmButton>
  );
}

function RollbackConfigChoice({ config, choice, onChoice }: { config: RollbackConfigPreview; choice: "restore" | "keep-current"; onChoice: (c: "restore" | "keep-current") => void }) {
  const version = (v: number | null) => (v === null ? "not recorded" : `version ${v}`);
  return (
    <fieldset className="flex flex-col gap-1.5 rounded-md bg-zinc-50 px-3 py-2 ring-1 ring-zinc-200 ring-inset" data-testid="rollback-config">
      <legend className="sr-only">Config</legend>
      {config.restoredVersion === null ? (
        <p>The release&apos;s own config version was not recorded: it runs with the current config ({version(config.currentVersion)}).</p>
      ) : config.changes.length === 0 ? (
        // Restoring and keeping would run the same values: two choices would ask a question that has no answer.
        <p data-testid="rollback-config-same">
          Config stays as it is ({version(config.currentVersion)}): the release ran with the same values{config.restoredVersion !== config.currentVersion ? ` (${version(config.restoredVersion)})` : ""}.
        </p>
      ) : (
        <>
          <label className="flex items-start gap-2">
            <input type="radio" name="rollback-config" checked={choice === "restore"} onChange={() => onChoice("restore")} className="mt-1" />
            <span>
              <strong>Restore the config it ran with</strong> ({version(config.restoredVersion)})<span className="text-zinc-600">, which changes:</span>
            </span>
          </label>
          <ul className="ml-6 font-mono text-xs" data-testid="rollback-config-diff">
            {config.changes.map((c) => (
              <li key={`${c.app ?? ""}/${c.key}`}>
                {c.change === "added" ? "+" : c.change === "removed" ? "−" : "~"} {c.key}
                {c.app ? ` (${c.app})` : ""}
                {c.secret ? " (secret changes)" : c.change === "changed" ? `: ${c.from} → ${c.to}` : c.change === "added" ? ` = ${c.to}` : ` (was ${c.from})`}
              </li>
            ))}
          </ul>
          <label className="flex items-start gap-2">
            <input type="radio" name="rollback-config" checked={choice === "keep-current"} onChange={() => onChoice("keep-current")} className="mt-1" />
            <span>
              <strong>Keep current config</strong> ({version(config.currentVersion)}): only the release goes back.
            </span>
          </label>
        </>
      )}
      {config.pendingChanges.length > 0 && (
        <p className="text-amber-900" data-testid="rollback-config-pending">
          {config.pendingChanges.length} unapplied config edit{config.pendingChanges.length === 1 ? "" : "s"} ({config.pendingChanges.map((c) => c.key).join(", ")}) stay{config.pendingChanges.length === 1 ? "s" : ""} unapplied
          {config.restoredVersion !== null && config.changes.length > 0 ? " either way" : ""}.
        </p>
      )}
    </fieldset>
  );
}

/** Stop a rollout in progress at once; whoever may roll the environment back may do it. */
export function AbortRolloutButton({ deploymentId, environment }: { deploymentId: string; environment: string }) {
  const { run, pending } = useAction(abortDeploymentAction, { success: "Rollout stopping" });
  return (
    <ConfirmButton label="Abort rollout…" title="Abort this rollout?" confirmLabel="Abort rollout" askReason="optional" pending={pending} testId="abort-rollout" onConfirm={(reason) => run({ deploymentId, reason: reason || undefined })}>
      It stops at once — a health check it is waiting on is not waited out — and {environment} keeps what served before it. The deployment ends as failed (aborted), and {environment} is put on hold so automation does not bring it straight
      back.
    </ConfirmButton>
  );
}

export function CancelDeploymentButton({ deploymentId }: { deploymentId: string }) {
  const { run, pending } = useAction(cancelDeploymentAction, { success: "Deployment cancelled" });
  return (
    <ConfirmButton
      label="Cancel deployment…"
      title="Cancel this deployment?"
      confirmLabel="Cancel the deployment"
      dismissLabel="Keep the deployment"
      askReason="optional"
      pending={pending}
      testId="cancel-deployment"
      onConfirm={(reason) => run({ deploymentId, reason: reason || undefined })}
    >
      It has not started rolling out, so nothing on the platform changes. It stays in history as cancelled.
    </ConfirmButton>
  );
}

/** Puts the release the environment runs out again (e.g. after a rollback was reverted). */
export function RedeployButton({ environment, environmentRef: ref, releaseId }: { environment: string; environmentRef: string; releaseId: string }) {
  const router = useRouter();
  const { run, pending } = useAction(requestDeploymentAction, { success: `Redeploy of ${environment} requested` });
  return (
    <ConfirmButton
      label="Redeploy…"
      title={`Redeploy ${environment}?`}
      confirmLabel="Redeploy"
      confirmVariant="primary"
      askReason="optional"
      pending={pending}
      onConfirm={async (reason) => {
        const result = await run({ environment: ref, releaseId, kind: "redeploy", reason: reason || undefined });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
        return result;
      }}
    >
      The release {environment} runs now is started again with the same artifacts and the config version it runs with (unapplied config edits are not applied: Apply (deploy config) does that).
    </ConfirmButton>
  );
}

/**
 * A fast-track straight to the last environment. The confirmation says plainly what is bypassed
 * and what still applies, and a reason is required.
 */
export function FastTrackButton({
  pipeline,
  release,
  to,
  skipped,
  approvals,
  stronger,
  waits,
  notes,
  soak,
}: {
  pipeline: string;
  release: ReleaseSummary;
  to: string;
  skipped: string[];
  approvals: string;
  /** Whether the fast-track rule asks more than a promotion into `to` does. */
  stronger: boolean;
  /** What holds it there now and what it asks of people (describePromotion's sentences). */
  waits: string[];
  /** What to know that does not hold it (describePromotion's notes). */
  notes: string[];
  soak?: SoakPlan | null;
}) {
  const router = useRouter();
  const { run, pending } = useAction(requestDeploymentAction, { success: `Fast-track to ${to} requested` });
  return (
    <ConfirmButton
      label="Fast-track…"
      size="sm"
      variant="secondary"
      confirmVariant="danger"
      title={`Fast-track straight to ${to}?`}
      confirmLabel={`Fast-track to ${to}`}
      askReason="required"
      pending={pending}
      testId={`fast-track-${to}`}
      onConfirm={async (reason) => {
        const result = await run({ environment: environmentRef(pipeline, to), releaseId: release.id, kind: "fast-track", reason });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
        return result;
      }}
    >
      <div className="flex flex-col gap-2">
        <p>
          <ReleaseLine release={release} start /> goes to <strong>{to}</strong>
          {waits.length === 0 ? " now" : " once what is listed below allows it"}.
        </p>
        <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-amber-200 ring-inset">
          <strong>Bypassed:</strong> {skipped.length ? skipped.join(", ") : "the lower environments"} — their gates do not run and the release is not verified there.
          <br />
          <strong>Still applies:</strong> {to}&apos;s own gates,{" "}
          {approvals ? (
            <>
              with the fast-track approval rule ({approvals}
              {stronger ? ", stronger than a promotion's" : ", no stronger than a promotion's"})
            </>
          ) : (
            "with no approval asked (the fast-track rule names none)"
          )}
          , and its post-deploy jobs.
        </p>
        <PreviewNotes notes={notes} />
        {waits.length > 0 && (
          <ul className="list-disc pl-5 text-zinc-700" aria-label={`What a fast-track to ${to} waits for now`}>
            {waits.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
        {soak && (
          <p className="rounded-md bg-zinc-50 px-3 py-2 text-zinc-800 ring-1 ring-zinc-200 ring-inset">
            <strong>Soak:</strong> <SoakStatement soak={soak} />
          </p>
        )}
      </div>
    </ConfirmButton>
  );
}

/** Sentences a confirmation shows that do not hold the deployment (a hold after a rollback). */
function PreviewNotes({ notes }: { notes: string[] }) {
  if (notes.length === 0) return null;
  return (
    <ul className="list-disc rounded-md bg-zinc-50 py-2 pr-3 pl-7 text-zinc-800 ring-1 ring-zinc-200 ring-inset" data-testid="preview-notes">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}
