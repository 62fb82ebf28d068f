"use client";

import Link from "next/link";
import { StepRow, useNow, type DeploymentDto } from "@/components/deployment/deployment-live";
import { DeploymentStateBadge } from "@/components/status";
import { Panel } from "@/components/ui/layout";
import { ACTIVE_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

const ACTIVE: readonly string[] = ACTIVE_DEPLOYMENT_STATES;

/**
 * A review environment's rollout in progress (its provisioning, or a new release of its branch),
 * step by step. The page re-renders every 2 s while it is busy, which brings the new steps here.
 */
export function RolloutProgress({ deployment, provisioning, renderedAt }: { deployment: DeploymentDto; provisioning: boolean; renderedAt: string }) {
  const now = useNow(ACTIVE.includes(deployment.state), renderedAt);
  const steps = deployment.steps ?? [];
  const done = steps.filter((s) => s.state === "succeeded" || s.state === "skipped").length;
  return (
    <Panel
      title={
        <span className="flex items-center gap-2">
          {provisioning ? "Provisioning" : "Deploying a new release"}
          <span data-testid="rollout-state" data-state={deployment.state} aria-live="polite">
            <DeploymentStateBadge state={deployment.state} activity={deployment.activity} />
          </span>
          {steps.length > 0 && (
            <span className="text-xs font-normal text-zinc-500">
              {done} of {steps.length} steps
            </span>
          )}
        </span>
      }
      actions={
        <Link href={`/deployments/${deployment.id}`} className="text-xs text-sky-700 hover:underline">
          Follow the rollout →
        </Link>
      }
    >
      {steps.length === 0 ? (
        <p className="px-4 py-3 text-zinc-500">{deployment.state === "waiting" ? `Waiting: ${deployment.blockers?.[0] ?? "on its gates"}.` : "The controller plans its steps in a moment."}</p>
      ) : (
        <ol aria-label={provisioning ? "Provisioning steps" : "Rollout steps"}>
          {steps.map((step) => (
            <StepRow key={step.name} step={step} now={now} />
          ))}
        </ol>
      )}
      {deployment.failureReason && (
        <p role="alert" className="mx-4 mb-3 rounded-md bg-rose-50 px-3 py-2 text-rose-900">
          {deployment.failureReason}
        </p>
      )}
    </Panel>
  );
}
