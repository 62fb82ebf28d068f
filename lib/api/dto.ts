import { deploymentActivity } from "@/lib/domain/deployment-activity";
import type { z } from "zod";
import type { BuildView } from "@/lib/services/builds";
import type { EnvironmentAppView, EnvironmentView } from "@/lib/services/environments";
import { hasCommitOrder } from "@/lib/domain/commit-order";
import type { ReleaseDetail, ReleaseListItem, ReleaseView } from "@/lib/services/releases";
import type { InheritedAddress } from "@/lib/services/review-clone";
import type { DeploymentDetail, DeploymentListItem } from "@/lib/services/deployment-queries";
import type { buildSchema, deploymentSchema, environmentAppSchema, environmentSchema, releaseSchema } from "./schemas";

/** Maps service results to the REST contract's shapes (API.md). */
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function buildDto(b: BuildView): z.input<typeof buildSchema> {
  return {
    id: b.id,
    app: b.appName,
    version: b.version,
    commit: b.commit,
    branch: b.branch,
    digest: b.digest,
    artifact: b.artifact,
    ciUrl: b.ciUrl,
    tests: b.tests,
    changedFiles: b.changedFiles,
    labels: b.labels,
    createdAt: iso(b.createdAt),
  };
}

function commitOrderDto(r: Pick<ReleaseView, "commit" | "committedAt" | "parentCommits" | "buildNumber">) {
  return { known: hasCommitOrder(r), committedAt: isoOrNull(r.committedAt), parents: r.parentCommits, buildNumber: r.buildNumber };
}

export function releaseDto(r: ReleaseView | ReleaseDetail): z.input<typeof releaseSchema> {
  return {
    id: r.id,
    commit: r.commit,
    branch: r.branch,
    createdAt: iso(r.createdAt),
    createdBy: r.createdByEmail,
    commitOrder: commitOrderDto(r),
    builds: r.builds.map((b) => ({ id: b.build.id, app: b.app, version: b.build.version, digest: b.build.digest, commit: b.build.commit })),
    ...("runs" in r
      ? {
          runs: r.runs.map((run) => ({ ...run, createdAt: iso(run.createdAt), finishedAt: isoOrNull(run.finishedAt) })),
          runningIn: r.runningIn,
        }
      : {}),
  };
}

export function releaseListItemDto(r: ReleaseListItem): z.input<typeof releaseSchema> {
  return {
    id: r.id,
    commit: r.commit,
    branch: r.branch,
    createdAt: iso(r.createdAt),
    createdBy: r.createdByEmail,
    commitOrder: commitOrderDto(r),
    builds: r.builds.map((b) => ({ id: b.buildId, app: b.app, version: b.version, digest: b.digest, commit: r.commit })),
  };
}

/**
 * One app's cell in an environment (nothing deployed: nulls and health "unknown"). `inherited`: the
 * app is one a partial review environment's source serves for it — its address there, and that
 * environment's name as `servedBy`.
 */
export function environmentAppDto(app: string, cell: EnvironmentAppView | null | undefined, inherited?: InheritedAddress): z.input<typeof environmentAppSchema> {
  if (inherited && !cell?.releaseId) {
    return { ...environmentAppDto(app, cell), url: inherited.url, servedBy: inherited.from };
  }
  return {
    app,
    releaseId: cell?.releaseId ?? null,
    version: cell?.version ?? null,
    commit: cell?.commit ?? null,
    digest: cell?.digest ?? null,
    url: cell?.url ?? null,
    deployedAt: isoOrNull(cell?.deployedAt ?? null),
    deployedBy: cell?.deployedBy?.email ?? null,
    health: { status: cell?.health.status ?? "unknown", observedAt: isoOrNull(cell?.health.observedAt ?? null), stale: cell?.health.stale ?? true },
    servedBy: null,
  };
}

/** An environment as the API returns it; `inherited`: the apps its source serves for it (a partial review environment; see inheritedAddressesOf). */
export function environmentDto(e: EnvironmentView, appOrder: readonly string[], inherited: readonly InheritedAddress[] = []): z.input<typeof environmentSchema> {
  const servedBy = new Map(inherited.map((a) => [a.app, a]));
  const rollingOut = e.active.find((d) => d.state === "running" || d.state === "verifying");
  const ref = (d: EnvironmentView["active"][number]) => ({ ...d, createdAt: iso(d.createdAt) });
  return {
    name: e.name,
    kind: e.kind,
    state: e.state,
    position: e.position,
    branch: e.branch,
    source: e.source,
    owner: e.owner?.email ?? null,
    expiresAt: isoOrNull(e.expiresAt),
    verdict: e.verdict,
    hold: e.hold ? { at: iso(e.hold.at), reason: e.hold.reason } : null,
    apps: appOrder.map((app) => environmentAppDto(app, e.apps[app], servedBy.get(app))),
    activeDeployment: rollingOut ? ref(rollingOut) : e.active[0] ? ref(e.active[0]) : null,
    pendingDeployments: e.active.map(ref),
  };
}

export function deploymentListItemDto(d: DeploymentListItem): z.input<typeof deploymentSchema> {
  return {
    id: d.id,
    pipeline: d.pipeline,
    environment: d.environment,
    releaseId: d.releaseId,
    kind: d.kind,
    state: d.state,
    strategy: d.strategy,
    previousReleaseId: d.previousReleaseId,
    requestedBy: d.requestedBy.email,
    reason: d.reason,
    failureReason: d.failureReason,
    createdAt: iso(d.createdAt),
    startedAt: isoOrNull(d.startedAt),
    finishedAt: isoOrNull(d.finishedAt),
  };
}

export function deploymentDto(d: DeploymentDetail): z.input<typeof deploymentSchema> {
  return {
    id: d.id,
    pipeline: d.environment.pipeline.name,
    environment: d.environment.name,
    releaseId: d.releaseId,
    kind: d.kind,
    state: d.state,
    strategy: d.strategy,
    configSnapshotId: d.configSnapshotId,
    previousReleaseId: d.previousReleaseId,
    requestedBy: d.requestedByUser.email,
    reason: d.reason,
    failureReason: d.failureReason,
    detail: d.detail as Record<string, unknown>,
    createdAt: iso(d.createdAt),
    startedAt: isoOrNull(d.startedAt),
    finishedAt: isoOrNull(d.finishedAt),
    steps: d.steps.map((s) => ({ name: s.name, app: s.app, state: s.state, attempts: s.attempts, startedAt: isoOrNull(s.startedAt), finishedAt: isoOrNull(s.finishedAt), log: s.log })),
    activity: deploymentActivity(d.state, d.steps),
    gates: d.gates.map((g) => ({ gate: g.gate, status: g.status, reason: g.reason, detail: g.detail, ...(g.detail?.unobserved ? { unverified: true } : {}) })),
    blockers: d.state === "waiting" || d.state === "queued" ? d.gates.filter((g) => g.status !== "pass" && g.status !== "waived").map((g) => g.reason) : [],
    approvals: d.approvals.map((a) => ({ by: a.user.email, byName: a.user.name, role: a.role, decision: a.decision, comment: a.comment, at: iso(a.createdAt), voided: a.voidedAt !== null })),
  };
}
