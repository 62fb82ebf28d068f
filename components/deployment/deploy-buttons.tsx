"use client";

import { useRouter } from "next/navigation";
import { useAction } from "@/lib/actions/use-action";
import { ConfirmButton } from "@/components/ui/confirm";
import { cancelDeploymentAction, requestDeploymentAction, rollbackAction } from "@/app/(portal)/deployments/actions";
import type { PromotionPreview } from "@/lib/domain/promotion-preview";

export interface ReleaseSummary {
  id: string;
  commit: string;
  versions: { app: string; version: string }[];
}

function ReleaseLine({ release }: { release: ReleaseSummary }) {
  return (
    <span>
      release <span className="font-mono">{release.commit.slice(0, 7)}</span> (
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
export function PromoteButton({ release, from, to, label, preview }: { release: ReleaseSummary; from: string | null; to: string; label?: string; preview: PromotionPreview }) {
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
        const result = await run({ environment: to, releaseId: release.id, reason: reason || undefined });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
      }}
    >
      <div className="flex flex-col gap-2" data-testid={`promote-${to}-preview`}>
        <p>
          <ReleaseLine release={release} /> goes to <strong>{to}</strong> as it ran{from ? <> in {from}</> : null}: the same artifacts, the same digests.
        </p>
        <p>{preview.rollout}</p>
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

export function RollbackButton({ environment, target }: { environment: string; target: ReleaseSummary | null }) {
  const router = useRouter();
  const { run, pending } = useAction(rollbackAction, { success: `Rollback of ${environment} requested` });
  return (
    <ConfirmButton
      label="Roll back…"
      title={`Roll back ${environment}?`}
      confirmLabel={`Roll back ${environment}`}
      askReason="optional"
      pending={pending}
      disabled={!target}
      testId={`rollback-${environment}`}
      onConfirm={async (reason) => {
        const result = await run({ environment, releaseId: target?.id, reason: reason || undefined });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
      }}
    >
      {target ? (
        <p>
          {environment} goes back to its previous good release, <ReleaseLine release={target} />. Other environments are not touched.
        </p>
      ) : (
        <p>{environment} has no earlier good release.</p>
      )}
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
export function RedeployButton({ environment, releaseId }: { environment: string; releaseId: string }) {
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
        const result = await run({ environment, releaseId, kind: "redeploy", reason: reason || undefined });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
      }}
    >
      The release {environment} runs now is started again with the same artifacts and the current configuration.
    </ConfirmButton>
  );
}

/**
 * A fast-track straight to the last environment. The confirmation says plainly what is bypassed
 * and what still applies, and a reason is required.
 */
export function FastTrackButton({ release, to, skipped, approvals }: { release: ReleaseSummary; to: string; skipped: string[]; approvals: string }) {
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
        const result = await run({ environment: to, releaseId: release.id, kind: "fast-track", reason });
        if (result.ok) router.push(`/deployments/${result.data.id}`);
      }}
    >
      <div className="flex flex-col gap-2">
        <p>
          <ReleaseLine release={release} /> goes to <strong>{to}</strong> now.
        </p>
        <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-amber-200 ring-inset">
          <strong>Bypassed:</strong> {skipped.length ? skipped.join(", ") : "the lower environments"} — their gates do not run and the release is not verified there.
          <br />
          <strong>Still applies:</strong> {to}&apos;s own gates, with the stronger approval rule for fast-tracks ({approvals}), and its post-deploy jobs.
        </p>
      </div>
    </ConfirmButton>
  );
}
