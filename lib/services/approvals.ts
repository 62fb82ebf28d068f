import { LIMITS } from "@/lib/limits";
import { and, asc, desc, eq, inArray, isNull, sql, type Placeholder } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { approvals, deployments, environments, pipelines, teams, type Approval, type Deployment, type Environment } from "@/db/schema";
import { APPROVER_ROLES, roleName, withArticle, type Role } from "@/lib/auth/roles";
import { GATE_KINDS } from "@/db/schema/enums";
import type { Actor } from "@/lib/auth/actor";
import { newId } from "@/lib/ids";
import { announce, deploymentData } from "./announce";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError } from "./errors";
import { applyingApprovalRule } from "./release-changes";
import { approvalRule } from "./gate-queries";
import { id } from "./schemas";
import { parseInput } from "./validation";
import { PENDING_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";
import { pipelineTarget } from "./pipeline-scope";
import { preparedRead } from "@/db/queries/prepared";
import { userWithMembershipsRead, type UserWithMemberships } from "./users";
import { approverRoles } from "./approver-roles";
import type { PipelineOption } from "./pipeline-pages";
import type { TeamOption } from "./portfolio";

export const decideApprovalInput = z
  .strictObject({
    deploymentId: id,
    decision: z.enum(["approve", "reject"]),
    role: z.enum(APPROVER_ROLES, { error: `expected one of ${APPROVER_ROLES.join(", ")}` }).meta({ description: "The role you decide in (one you hold, and one the rule asks for)" }),
    comment: z
      .string()
      .trim()
      .max(LIMITS.approvalComment, { error: `at most ${LIMITS.approvalComment} characters` })
      .optional(),
  })
  .meta({ id: "Approval" });

async function lockDeployment(tx: Db, deploymentId: string): Promise<{ deployment: Deployment; environment: Environment }> {
  const [deployment] = await tx.select().from(deployments).where(eq(deployments.id, deploymentId)).for("update");
  if (!deployment) throw new NotFoundError(`No deployment with id ${deploymentId}.`);
  const environment = (await tx.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
  return { deployment, environment };
}

/**
 * A person's decision on a deployment, in one role. Nobody decides on their own request; one
 * person has one live decision (approving again is refused, switching to a rejection replaces the
 * approval); it binds to this deployment's release and environment and expires per slipway.yaml.
 *
 * @returns the approval row recorded (a rejection replaces this person's earlier approval)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `already_decided`, `not_waiting`; 422 `approval_not_needed`, `no_approvals_needed`, `role_not_required`
 */
export async function decideApproval(ctx: ServiceContext, input: unknown): Promise<Approval> {
  authorizeKind(ctx, "deployment.approve", "deployment");
  const data = parseInput(decideApprovalInput, input);
  authorizeKind(ctx, "deployment.approve", "deployment", { role: data.role });
  const approval = await ctx.db.transaction(async (tx) => {
    const { deployment, environment } = await lockDeployment(tx, data.deploymentId);
    authorize(ctx, "deployment.approve", { type: "deployment", id: deployment.id, requestedBy: deployment.requestedBy, role: data.role, pipeline: await pipelineTarget(tx, environment.pipelineId) });
    if (deployment.state !== "waiting" && deployment.state !== "queued") {
      throw new ConflictError(`This deployment is ${deployment.state}: decisions are taken while it waits.`, "not_waiting");
    }
    const applying = await applyingApprovalRule(tx, deployment, environment);
    if (!applying) throw new RuleError(`${environment.name} needs no approvals for this deployment.`, "no_approvals_needed");
    const { rule, notNeeded } = applying;
    const wanted = rule.rules.map((r) => r.role);
    const skipped = notNeeded.find((n) => n.role === data.role);
    if (data.decision === "approve" && skipped) {
      throw new RuleError(`${environment.name} asks for ${withArticle(roleName(data.role))} approval only for risky changes, and this release is not one: ${skipped.why}.`, "approval_not_needed", { role: "not needed for this release" });
    }
    if (data.decision === "approve" && wanted.length === 0) {
      throw new RuleError(`${environment.name} needs no approval for this release: it is not a risky change here.`, "approval_not_needed", { role: "no approval is needed for this release" });
    }
    if (data.decision === "approve" && !wanted.includes(data.role)) {
      throw new RuleError(`${environment.name} needs ${wanted.map(roleName).join(" and ")} approvals here; an approval as ${roleName(data.role)} does not count.`, "role_not_required", { role: `expected one of ${wanted.join(", ")}` });
    }
    const [previous] = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.deploymentId, deployment.id), eq(approvals.userId, ctx.actor.id), isNull(approvals.voidedAt)));
    const now = ctx.clock.now();
    if (previous) {
      if (previous.decision === data.decision) throw new ConflictError(`You already ${data.decision === "approve" ? "approved" : "rejected"} this deployment (as ${roleName(previous.role)}).`, "already_decided");
      await tx
        .update(approvals)
        .set({ voidedAt: now, voidReason: `replaced by a ${data.decision}` })
        .where(eq(approvals.id, previous.id));
    }
    const row: Approval = {
      id: newId("apr"),
      deploymentId: deployment.id,
      environmentId: deployment.environmentId,
      releaseId: deployment.releaseId,
      userId: ctx.actor.id,
      role: data.role,
      decision: data.decision,
      comment: data.comment ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + rule.expiresAfter),
      voidedAt: null,
      voidReason: null,
    };
    await tx.insert(approvals).values(row);
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: data.decision === "approve" ? "deployment.approve" : "deployment.reject",
      targetType: "deployment",
      targetId: deployment.id,
      reason: data.comment,
      data: { environment: environment.name, releaseId: deployment.releaseId, role: data.role, replaced: previous?.id ?? null },
    });
    const base = await deploymentData(tx, deployment.id);
    const approver = { name: ctx.actor.name, email: ctx.actor.email };
    await announce(
      tx,
      ctx.clock,
      data.decision === "approve"
        ? { event: "approval.given", data: { ...base, approver, role: data.role, ...(data.comment ? { comment: data.comment } : {}) } }
        : { event: "approval.rejected", data: { ...base, approver, role: data.role, ...(data.comment ? { comment: data.comment } : {}) } },
    );
    return row;
  });
  ctx.onWorkQueued?.();
  return approval;
}

export interface PendingDecision {
  deployment: Deployment;
  environment: string;
  /** The roles this person could decide in here (held by them, asked for by the rule). */
  roles: Role[];
  decided: Approval | null;
}

// The pipeline's team comes with each row: grants scoped to a team or pipeline need it, and a
// look-up per pipeline would cost a statement each on every page (the header shows this count).
const waitingFields = { deployment: deployments, environment: environments, pipeline: { id: pipelines.id, teamId: pipelines.teamId }, decided: approvals };
const waiting = inArray(deployments.state, [...PENDING_DEPLOYMENT_STATES]);
// The newest first when a person somehow holds two live decisions on one deployment.
const waitingOrder = [asc(deployments.createdAt), asc(deployments.id), desc(approvals.createdAt)];
/** This person's live (not voided) decision on the waiting deployment, joined to its row. */
const myLiveDecisionOf = (userId: string | Placeholder) => and(eq(approvals.deploymentId, deployments.id), eq(approvals.userId, userId), isNull(approvals.voidedAt));

/** The approvals inbox: waiting deployments this person may decide on (not their own), oldest first. */
export async function pendingDecisions(db: Db, actor: Actor): Promise<PendingDecision[]> {
  const rows = await db
    .select(waitingFields)
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .leftJoin(approvals, myLiveDecisionOf(actor.id))
    .where(waiting)
    .orderBy(...waitingOrder);
  return pendingDecisionsAmong(db, actor, rows);
}

/** A deployment waiting for decisions, with what deciding on it needs. */
export type WaitingRow = { deployment: Deployment; environment: Environment; pipeline: { id: string; teamId: string | null }; decided: Approval | null };

/**
 * What the portal reads on every page, in one statement: the signed-in person with their role
 * memberships (`me`, null when no such person), every pipeline (id and name, in name order: the
 * switcher, and the pipeline filters of history, audit and metrics) and every team (in name order:
 * the team filters), and the deployments waiting for decisions, each with `userId`'s live decision.
 * pendingDecisionsAmong() turns the waiting rows into this person's pending decisions. Prepared
 * (db/queries/prepared.ts): built once, not on every page.
 */
export async function loadPortalHeader(db: Db, userId: string): Promise<{ me: UserWithMemberships | null; pipelines: PipelineOption[]; teams: TeamOption[]; waiting: WaitingRow[] }> {
  const rows = await portalHeaderStatement(db, { userId });
  const found = rows.flatMap(({ deployment, environment, pipeline, decided }) => (deployment && environment && pipeline?.id ? [{ deployment, environment, pipeline: { id: pipeline.id, teamId: pipeline.teamId }, decided }] : []));
  return { me: meRead.read(rows[0]?.me ?? null), pipelines: rows[0]?.pipelines ?? [], teams: rows[0]?.teams ?? [], waiting: found };
}

const meRead = userWithMembershipsRead(sql.placeholder("userId"));
const portalHeaderStatement = preparedRead("portal_header", (db, name) => {
  const header = db
    .select({
      pipelines: sql<PipelineOption[] | null>`json_agg(json_build_object('id', ${pipelines.id}, 'name', ${pipelines.name}) order by ${pipelines.name})`.as("pipeline_options"),
      teams: sql<TeamOption[] | null>`(select json_agg(json_build_object('id', t.id, 'name', t.name, 'displayName', t.display_name) order by t.name) from ${teams} t)`.as("team_options"),
      me: sql<unknown>`${meRead.sql}`.as("me"),
    })
    .from(pipelines)
    .as("header");
  // One row even when nothing waits: the names come from the header, the waiting deployments are left-joined to it.
  return db
    .select({ pipelines: header.pipelines, teams: header.teams, me: header.me, ...waitingFields })
    .from(header)
    .leftJoin(deployments, waiting)
    .leftJoin(environments, eq(environments.id, deployments.environmentId))
    .leftJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .leftJoin(approvals, myLiveDecisionOf(sql.placeholder("userId")))
    .orderBy(...waitingOrder)
    .prepare(name);
});

/**
 * The waiting deployments (oldest first, with this person's newest live decision) this person may
 * decide on. Whether any of the rule's roles is theirs is checked before the risk conditions
 * (`when`), which read the release's changes: a person who could not decide costs no statement.
 */
export async function pendingDecisionsAmong(db: Db, actor: Actor, waitingRows: readonly WaitingRow[]): Promise<PendingDecision[]> {
  const result: PendingDecision[] = [];
  const seen = new Set<string>();
  for (const { deployment, environment, pipeline, decided } of waitingRows) {
    if (seen.has(deployment.id)) continue;
    seen.add(deployment.id);
    // Conditions only ever drop roles from the rule: none of its roles mine, nothing to read.
    const configured = approvalRule(deployment, environment.settings);
    if (
      !configured ||
      approverRoles(
        actor,
        deployment,
        pipeline,
        configured.rules.map((r) => r.role),
      ).length === 0
    )
      continue;
    const applying = await applyingApprovalRule(db, deployment, environment);
    if (!applying || applying.rule.rules.length === 0) continue;
    const rule = applying.rule;
    const roles = approverRoles(
      actor,
      deployment,
      pipeline,
      rule.rules.map((r) => r.role),
    );
    if (!roles.length) continue;
    result.push({ deployment, environment: environment.name, roles, decided });
  }
  return result;
}

/** One of my own deployments that has not started: where to, and what it waits on. */
export interface MyRequest {
  id: string;
  environment: string;
  kind: Deployment["kind"];
  state: Deployment["state"];
  releaseId: string;
  releaseCommit: string;
  createdAt: Date;
  /** One sentence per unmet gate (the first thing to do first); empty while queued behind another rollout. */
  waitingOn: string[];
}

/**
 * "My requests" on the approvals page: the waiting or queued deployments this person asked for,
 * oldest first, each with the reasons of its unmet gates (in gate order).
 */
export async function myRequests(db: Db, actor: Actor): Promise<MyRequest[]> {
  const rows = await db.query.deployments.findMany({
    where: and(eq(deployments.requestedBy, actor.id), inArray(deployments.state, [...PENDING_DEPLOYMENT_STATES])),
    orderBy: [asc(deployments.createdAt), asc(deployments.id)],
    columns: { id: true, kind: true, state: true, releaseId: true, createdAt: true },
    with: {
      environment: { columns: { name: true } },
      release: { columns: { commit: true } },
      gates: { columns: { gate: true, status: true, reason: true } },
    },
  });
  return rows.map((d) => ({
    id: d.id,
    environment: d.environment.name,
    kind: d.kind,
    state: d.state,
    releaseId: d.releaseId,
    releaseCommit: d.release.commit,
    createdAt: d.createdAt,
    waitingOn: [...d.gates]
      .sort((a, b) => GATE_KINDS.indexOf(a.gate) - GATE_KINDS.indexOf(b.gate))
      .filter((g) => g.status !== "pass" && g.status !== "waived")
      .map((g) => g.reason),
  }));
}
