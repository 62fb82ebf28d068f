"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { whoMay } from "@/lib/auth/policy";
import { confirmRollbackAction, undoRollbackAction } from "@/lib/actions/deployments";
import { useAction } from "@/lib/actions/use-action";
import type { AutomaticRollbackDetail } from "@/lib/services/auto-rollback";
import { Badge } from "@/components/ui/badge";
import { absoluteTime } from "@/components/ui/time";
import { ConfirmButton } from "@/components/ui/confirm";
import { Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";

const percent = (ratio: number | null) => (ratio === null ? "—" : `${(ratio * 100).toFixed(ratio < 0.01 ? 2 : 1)}%`);
const times = (burn: number | null) => (burn === null ? "—" : `${burn.toFixed(1)}×`);
const span = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/**
 * Why Slipway rolled an environment back by itself — both burn-rate rules with their windows, the
 * one that fired highlighted — and on-call's decision: confirm it, or undo it with a reason.
 */
export function AutomaticRollback({ deploymentId, environment, detail, canDecide }: { deploymentId: string; environment: string; detail: AutomaticRollbackDetail; canDecide: boolean }) {
  const router = useRouter();
  const confirm = useAction(confirmRollbackAction, { success: "Rollback confirmed: the environment stays held until you lift the hold" });
  const undo = useAction(undoRollbackAction, { success: "Undone: the release is coming back" });
  const decided = detail.confirmation;
  return (
    <Panel
      title={
        <span className="flex items-center gap-2">
          Slipway rolled {environment} back by itself
          <Badge tone="amber">automatic</Badge>
        </span>
      }
      actions={
        decided ? undefined : canDecide ? (
          <span className="flex gap-2">
            <ConfirmButton
              label="Confirm rollback"
              title="Confirm the automatic rollback?"
              confirmLabel="Confirm"
              confirmVariant="primary"
              askReason="optional"
              pending={confirm.pending}
              testId="confirm-rollback"
              onConfirm={async (comment) => {
                const result = await confirm.run({ deploymentId, comment: comment || undefined });
                if (result.ok) router.refresh();
                return result;
              }}
            >
              <p>
                The rollback stays and {environment} stays on hold until {whoMay("environment.hold.lift")} lifts it. Your confirmation is recorded in history and the audit trail.
              </p>
            </ConfirmButton>
            <ConfirmButton
              label="Undo…"
              title="Undo the automatic rollback?"
              confirmLabel="Bring the release back"
              confirmVariant="danger"
              askReason="required"
              pending={undo.pending}
              testId="undo-rollback"
              onConfirm={async (reason) => {
                const result = await undo.run({ deploymentId, reason });
                if (result.ok) router.push(`/deployments/${result.data.id}`);
                return result;
              }}
            >
              <p>The release that burned the error budget comes back to {environment} (instantly if it is still warm), and the hold goes. Only do this when the errors were not the release&apos;s fault — say why.</p>
            </ConfirmButton>
          </span>
        ) : (
          <span className="text-xs text-zinc-500">On-call (who can roll back) confirms or undoes it.</span>
        )
      }
      bodyClassName="flex flex-col gap-3 px-4 py-3"
    >
      <p className="text-zinc-700">
        The error budget of a {detail.availability}% objective burned faster than the <strong>{detail.rule}</strong> rule allows ({detail.threshold}× in both of its windows) after{" "}
        <Link href={`/deployments/${detail.deploymentId}`} className="underline">
          the deployment
        </Link>
        : {detail.errors} of {detail.requests} requests failed in the short window
        {detail.metricsProvider === "prometheus" ? " (figures from Prometheus)" : detail.metricsProvider === "platform" ? " (figures from the apps' own /metrics)" : ""}.
      </p>
      <table className={tableClass} aria-label="Burn-rate windows">
        <thead>
          <tr>
            <th className={thClass}>Rule</th>
            <th className={thClass}>Long window</th>
            <th className={thClass}>Short window</th>
            <th className={thClass}>Threshold</th>
            <th className={thClass}>Fired</th>
          </tr>
        </thead>
        <tbody>
          {detail.windows.map((w) => (
            <tr key={w.name} className={w.firing ? "bg-amber-50" : undefined}>
              <td className={`${tdClass} font-medium`}>{w.name}</td>
              <td className={`${tdClass} font-mono text-xs`}>
                {span(w.long.ms)}: {percent(w.long.ratio)} failed · {times(w.long.burn)}
              </td>
              <td className={`${tdClass} font-mono text-xs`}>
                {span(w.short.ms)}: {percent(w.short.ratio)} failed · {times(w.short.burn)}
              </td>
              <td className={`${tdClass} font-mono text-xs`}>{w.threshold}×</td>
              <td className={tdClass}>{w.firing ? <Badge tone="red">yes</Badge> : <span className="text-xs text-zinc-500">no</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {decided && (
        <p className="text-zinc-700" data-testid="rollback-decision">
          {decided.decision === "confirmed" ? <Badge tone="green">confirmed</Badge> : <Badge tone="amber">undone</Badge>} by {decided.byName} on <time dateTime={decided.at}>{absoluteTime(new Date(decided.at))}</time>
          {decided.comment && <>: “{decided.comment}”</>}
          {decided.redeploymentId && (
            <>
              {" "}
              —{" "}
              <Link href={`/deployments/${decided.redeploymentId}`} className="underline">
                the release&apos;s return
              </Link>
            </>
          )}
        </p>
      )}
    </Panel>
  );
}
