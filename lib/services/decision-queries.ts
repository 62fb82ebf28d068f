import "server-only";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { checklistTicks, environments, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/policy";
import type { DeploymentDetail } from "./deployment-queries";
import { checklistItemName } from "@/lib/domain/gates";
import { approvalRule } from "./gate-queries";
import { pipelineTarget } from "./pipeline-scope";
import type { ApproverRole } from "@/lib/domain/roles";
import { approverRoles } from "./approver-roles";
import type { Role } from "@/lib/domain/roles";

/** What a person may do about one waiting deployment, as the decision controls show it. */
export interface DecisionProps {
  deploymentId: string;
  /** Roles this person may decide in here (held by them, asked for by the rule, not their own request). */
  approveRoles: ApproverRole[];
  decided: { decision: string; role: string } | null;
  checklist: { items: { item: string; tickedBy: string | null }[]; canTick: boolean };
  /** Gates this person may override now (closed window, active freeze). */
  overridable: ("window" | "freeze")[];
}

/** What the signed-in person may do about a waiting deployment, worked out with the same policy the services enforce. */
export async function decisionPropsFor(db: Db, actor: Actor, deployment: DeploymentDetail): Promise<DecisionProps | null> {
  if (deployment.state !== "waiting" && deployment.state !== "queued") return null;
  const environment = (await db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
  const config = environment.settings;
  // Team and pipeline grants count only with the pipeline the deployment belongs to.
  const pipeline = await pipelineTarget(db, environment.pipelineId);
  const rule = approvalRule(deployment, config);
  // Rules and items with a `when` the release does not meet are not asked for (the stored gate outcome says which apply).
  const stored = (gate: string) => deployment.gates.find((g) => g.gate === gate)?.detail ?? null;
  const applyingRoles = (stored("approvals")?.rules as { role: string }[] | undefined)?.map((r) => r.role);
  const applyingItems = (stored("checklist")?.items as { item: string }[] | undefined)?.map((i) => i.item);
  const approveRoles = approverRoles(
    actor,
    deployment,
    pipeline,
    (rule?.rules ?? []).map((r) => r.role).filter((role) => !applyingRoles || applyingRoles.includes(role)),
  );
  const ticks = await db.select({ item: checklistTicks.item, by: users.name }).from(checklistTicks).innerJoin(users, eq(users.id, checklistTicks.userId)).where(eq(checklistTicks.deploymentId, deployment.id));
  const pendingGate = (gate: string) => deployment.gates.some((g) => g.gate === gate && g.status === "pending");
  const overrideRoles = config.overrides?.roles ?? [];
  const mine = deployment.approvals.find((a) => a.user.id === actor.id && !a.voidedAt);
  return {
    deploymentId: deployment.id,
    approveRoles,
    decided: mine ? { decision: mine.decision, role: mine.role } : null,
    checklist: {
      items: (config.gates?.checklist ?? [])
        .map(checklistItemName)
        .filter((item) => !applyingItems || applyingItems.includes(item))
        .map((item) => ({ item, tickedBy: ticks.find((t) => t.item === item)?.by ?? null })),
      canTick: can(actor, "deployment.checklist", { requestedBy: deployment.requestedBy, pipeline }),
    },
    overridable: (["window", "freeze"] as const).filter((gate) => pendingGate(gate) && can(actor, "gate.override", { overrideRoles, pipeline })),
  };
}
