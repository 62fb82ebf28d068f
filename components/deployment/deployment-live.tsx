"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { z } from "zod";
import type { deploymentSchema } from "@/lib/api/schemas";
import type { DeploymentState } from "@/db/schema/enums";
import { DeploymentStateBadge } from "@/components/status";
import { Badge, Dot, type Tone } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { roleName } from "@/lib/domain/roles";
import { Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { formatElapsed } from "@/lib/domain/duration";
import { formatClock, formatSpan } from "@/lib/domain/gates/format";
import { ACTIVE_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";
import { GatesPanel } from "./gates-panel";
import { SoakStatement, type SoakPlan } from "./soak-statement";

/** Slipway's own users (automation, system) have addresses nobody can write to. */
const isSystemEmail = (email: string) => email.endsWith("@slipway.invalid");

export type DeploymentDto = z.input<typeof deploymentSchema>;
type Step = NonNullable<DeploymentDto["steps"]>[number];

const ACTIVE: readonly DeploymentState[] = ACTIVE_DEPLOYMENT_STATES;
const STEP_TONE: Record<string, Tone> = { pending: "neutral", running: "blue", succeeded: "green", failed: "red", skipped: "neutral", cancelled: "neutral" };

/**
 * The clock for durations and "3 min ago", ticking every 500 ms while `active`. The first render
 * uses `renderedAt` (the server's clock, ISO) on the server and in the browser alike, so hydration
 * sees the same text (React error #418 otherwise); the browser's clock takes over after mount.
 */
export function useNow(active: boolean, renderedAt: string): Date {
  const [now, setNow] = useState(() => new Date(renderedAt));
  useEffect(() => {
    setNow(new Date());
    if (!active) return;
    const timer = setInterval(() => setNow(new Date()), 500);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function duration(from: string | null | undefined, to: string | null | undefined, now: Date): string {
  if (!from) return "";
  return formatElapsed((to ? new Date(to) : now).getTime() - new Date(from).getTime());
}

export function StepRow({ step, now }: { step: Step; now: Date }) {
  return (
    <li className="border-b border-zinc-100 last:border-0" data-step={step.name} data-state={step.state}>
      <details open={step.state === "running" || step.state === "failed"} className="group">
        <summary className="flex cursor-pointer list-none items-center gap-2 px-4 py-2 hover:bg-zinc-50 sm:gap-3">
          <Dot tone={STEP_TONE[step.state] ?? "neutral"} pulse={step.state === "running"} />
          {/* Names wrap rather than truncate: "Retire previous portal" and "… admin" must stay apart on a phone. */}
          <span className="min-w-0 flex-1 font-medium break-words">{step.name}</span>
          {step.attempts > 1 && <Badge tone="amber">attempt {step.attempts}</Badge>}
          <span className="shrink-0 text-right text-xs text-zinc-500 sm:w-20">{step.state}</span>
          <span className="shrink-0 text-right font-mono text-xs text-zinc-500 sm:w-24">{duration(step.startedAt, step.finishedAt, now)}</span>
        </summary>
        {step.log ? (
          <pre className="mx-4 mb-3 max-h-64 overflow-auto rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs whitespace-pre-wrap text-zinc-100">{step.log}</pre>
        ) : (
          <p className="mx-4 mb-3 text-xs text-zinc-500">{step.state === "pending" ? "Not started yet." : "No output."}</p>
        )}
      </details>
    </li>
  );
}

/** Who decided what, in which role (voided decisions shown struck through). */
function Approvals({ deployment, now }: { deployment: DeploymentDto; now: Date }) {
  const approvals = deployment.approvals ?? [];
  if (!approvals.length) return null;
  return (
    <Panel title="Decisions" bodyClassName="flex flex-col gap-1.5 px-4 py-3">
      {approvals.map((a, i) => (
        <p key={i} className={a.voided ? "text-zinc-400 line-through" : undefined}>
          <Badge tone={a.decision === "approve" ? "green" : "red"}>{a.decision === "approve" ? "approved" : "rejected"}</Badge> by <span title={a.by}>{a.byName}</span> as {roleName(a.role)}{" "}
          <span className="text-xs text-zinc-500">
            <RelativeTime at={a.at} now={now} />
          </span>
          {a.comment && <span className="text-zinc-700">: “{a.comment}”</span>}
        </p>
      ))}
    </Panel>
  );
}

interface RolloutDetail {
  skipped?: string[];
  /** Where and from when the soak is measured, pinned at request (lib/services/soak-plan.ts). */
  soak?: SoakPlan;
  /** Someone asked to stop this rollout (lib/services/abort.ts). */
  abort?: { by: string; reason: string | null; at: string };
  migrations?: Record<string, { run: boolean; reason: string }>;
  closedMs?: number;
  warmUntil?: string;
  warnings?: string[];
  note?: string;
}

/** What the rollout decided and measured: migrations, time closed, the warm previous release, warnings. */
function RolloutFacts({ deployment, now }: { deployment: DeploymentDto; now: Date }) {
  const detail = (deployment.detail ?? {}) as RolloutDetail;
  const migrations = Object.entries(detail.migrations ?? {});
  if (!migrations.length && detail.closedMs === undefined && !detail.warmUntil && !detail.warnings?.length && !detail.note && !detail.skipped?.length && !detail.soak && !detail.abort) return null;
  return (
    <Panel title="Rollout" bodyClassName="flex flex-col gap-1.5 px-4 py-3">
      {detail.skipped?.length ? (
        <p>
          <Badge tone="amber">fast-track</Badge> Skipped {detail.skipped.join(", ")}: their own gates did not apply to this release.
        </p>
      ) : null}
      {detail.abort ? (
        <p data-testid="abort-note">
          <Badge tone="red">aborted</Badge> {detail.abort.by} stopped this rollout{detail.abort.reason ? `: ${detail.abort.reason}` : ""}. What served before it is kept.
        </p>
      ) : null}
      {detail.soak ? (
        <p>
          <Badge tone="neutral">soak</Badge> <SoakStatement soak={detail.soak} />
        </p>
      ) : null}
      {migrations.map(([app, decision]) => (
        <p key={app}>
          <Badge tone={decision.run ? "blue" : "neutral"}>{decision.run ? "migrations ran" : "migrations skipped"}</Badge> <span className="font-medium">{app}</span>: {decision.reason}
        </p>
      ))}
      {detail.closedMs !== undefined && (
        <p>
          <Badge tone="amber">closed</Badge> The environment was closed for maintenance for <strong>{(detail.closedMs / 1000).toFixed(1)} s</strong>.
        </p>
      )}
      {detail.warmUntil && (
        <p>
          <Badge tone="green">warm</Badge> <WarmUntil until={detail.warmUntil} now={now} />
        </p>
      )}
      {detail.note && <p className="text-zinc-600">{detail.note}</p>}
      {detail.warnings?.map((w) => (
        <p key={w} className="text-amber-800">
          <Badge tone="amber">warning</Badge> {w}
        </p>
      ))}
    </Panel>
  );
}

/**
 * "The previous release stays warm for an instant rollback for another 30 min (until 14:32 UTC)."
 * One sentence with one full stop: the relative part is worded here, not by Intl (whose short
 * style ends in "min.").
 */
export function WarmUntil({ until, now }: { until: string; now: Date }) {
  const at = new Date(until);
  const left = at.getTime() - now.getTime();
  const clock = `${formatClock(at, "UTC")} UTC`;
  return left > 0 ? (
    <span data-testid="warm-until">
      The previous release stays warm for an instant rollback for another {formatSpan(left)} (until {clock}).
    </span>
  ) : (
    <span data-testid="warm-until">The previous release was kept warm for an instant rollback until {clock}.</span>
  );
}

/**
 * A deployment as it happens: state, progress, every step with its timing and log. Polls the API
 * every second while the deployment is active, then stops.
 */
export function DeploymentLive({
  initial,
  renderedAt,
  actions,
  decisions,
  requestedByName,
}: {
  initial: DeploymentDto;
  /** Who asked, by name as lists show people (the DTO carries the email, shown in a tooltip). */
  requestedByName?: string;
  /** The server's clock when it rendered the page (ISO), for a first paint that hydrates cleanly. */
  renderedAt: string;
  actions?: React.ReactNode;
  decisions?: React.ReactNode;
}) {
  const { data: deployment, isError } = useQuery({
    queryKey: ["deployment", initial.id],
    queryFn: async (): Promise<DeploymentDto> => {
      const response = await fetch(`/api/v1/deployments/${initial.id}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
    initialData: initial,
    refetchInterval: (query) => (ACTIVE.includes((query.state.data ?? initial).state) ? 1000 : false),
  });
  const active = ACTIVE.includes(deployment.state);
  const now = useNow(active, renderedAt);
  // The actions and decision controls come from the server for the state it rendered: once the
  // state moves on (a rollout finishes, a wait ends), re-read the page so they follow it.
  const router = useRouter();
  useEffect(() => {
    if (deployment.state !== initial.state) router.refresh();
  }, [deployment.state, initial.state, router]);
  const steps = deployment.steps ?? [];
  const done = steps.filter((s) => s.state === "succeeded" || s.state === "skipped").length;
  const percent = steps.length ? Math.round((done / steps.length) * 100) : 0;

  return (
    <div className="flex flex-col gap-6">
      <Panel bodyClassName="flex flex-col gap-3 px-4 py-3">
        <div className="flex flex-wrap items-center gap-3">
          <span data-testid="deployment-state" data-state={deployment.state} aria-live="polite">
            <DeploymentStateBadge state={deployment.state} activity={deployment.activity} />
          </span>
          <span className="text-zinc-600">
            {deployment.state === "queued" && "Waiting for the environment: another rollout is in progress, or the controller picks it up in a moment."}
            {deployment.state === "waiting" && "Waiting on its gates."}
            {(deployment.state === "running" || deployment.state === "verifying") && deployment.activity && deployment.activity !== "verifying" && <>Rolling out: {deployment.activity}.</>}
            {deployment.state === "running" && !deployment.activity && "Rolling out."}
            {deployment.state === "verifying" && (!deployment.activity || deployment.activity === "verifying") && "Verifying the new release: health and version of every instance."}
            {deployment.state === "succeeded" && <>Done in {duration(deployment.startedAt, deployment.finishedAt, now)}.</>}
            {deployment.state === "failed" && "Failed; the environment was put back as it was."}
            {deployment.state === "cancelled" && "Cancelled before it started rolling out."}
            {deployment.state === "superseded" && "Superseded by a newer deployment before it started."}
            {deployment.state === "rolled-back" && "Succeeded, and was later rolled back."}
          </span>
          {isError && <Badge tone="amber">live updates paused: retrying</Badge>}
          <div className="ml-auto flex gap-2">{actions}</div>
        </div>
        {steps.length > 0 && (
          <div className="flex items-center gap-3" aria-label="Progress">
            <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-100" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100}>
              <div className={cn("h-full rounded-full transition-all", deployment.state === "failed" ? "bg-rose-500" : "bg-emerald-500")} style={{ width: `${percent}%` }} />
            </div>
            <span className="text-xs text-zinc-500">
              {done} of {steps.length} steps{active && deployment.startedAt ? ` · ${duration(deployment.startedAt, null, now)}` : ""}
            </span>
          </div>
        )}
        {deployment.failureReason && (
          <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900">
            {deployment.failureReason}
          </p>
        )}
      </Panel>
      <GatesPanel deployment={deployment} controls={decisions} />
      <Approvals deployment={deployment} now={now} />
      <RolloutFacts deployment={deployment} now={now} />
      <Panel title="Steps">
        {steps.length === 0 ? (
          <p className="px-4 py-6 text-zinc-500">The steps are planned when the rollout starts.</p>
        ) : (
          <ol aria-label="Deployment steps">
            {steps.map((step) => (
              <StepRow key={step.name} step={step} now={now} />
            ))}
          </ol>
        )}
      </Panel>
      <p className="text-xs text-zinc-500">
        Requested <RelativeTime at={deployment.createdAt} now={now} /> by {isSystemEmail(deployment.requestedBy) ? "Slipway's automation" : <span title={deployment.requestedBy}>{requestedByName ?? deployment.requestedBy}</span>}
        {deployment.reason ? <>: “{deployment.reason}”</> : "."}{" "}
        <Link className="text-sky-700 hover:underline" href={`/deployments?${new URLSearchParams({ pipeline: deployment.pipeline, environment: deployment.environment })}`}>
          History of {deployment.environment}
        </Link>
      </p>
    </div>
  );
}
