import type { Actor } from "@/lib/auth/actor";
import { can, type PipelineRef } from "@/lib/auth/policy";
import type { Role } from "@/lib/domain/roles";

/**
 * The roles `actor` may decide in on one deployment: asked for by the approval rules that apply
 * (`ruleRoles`, in rule order, each once), held by the person with the deployment's pipeline in
 * scope, and never on their own request (the policy refuses that). The decision controls, the
 * approvals inbox and `decide` all ask this one function, so what a page offers is what the
 * service accepts. Empty when the person may decide in none.
 */
export function approverRoles<R extends Role>(actor: Actor, deployment: { requestedBy: string }, pipeline: PipelineRef, ruleRoles: readonly R[]): R[] {
  return [...new Set(ruleRoles)].filter((role) => can(actor, "deployment.approve", { requestedBy: deployment.requestedBy, role, pipeline }));
}
