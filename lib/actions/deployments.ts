"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { cancelDeployment, cancelInput, requestDeployment, requestDeploymentInput, requestRollback, rollbackInput } from "@/lib/services/deployments";
import { decideApproval, decideApprovalInput } from "@/lib/services/approvals";
import { overrideGate, overrideInput, tickChecklist, tickInput } from "@/lib/services/preflight";
import { confirmAutomaticRollback, confirmRollbackInput, undoAutomaticRollback, undoRollbackInput } from "@/lib/services/auto-rollback";
import { abortDeployment, abortInput } from "@/lib/services/abort";

export const requestDeploymentAction = defineAction(requestDeploymentInput, async (ctx, input) => ({ id: (await requestDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const rollbackAction = defineAction(rollbackInput, async (ctx, input) => ({ id: (await requestRollback(ctx, input)).id }), { revalidate: ["/"] });

export const cancelDeploymentAction = defineAction(cancelInput, async (ctx, input) => ({ id: (await cancelDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const decideApprovalAction = defineAction(decideApprovalInput, async (ctx, input) => ({ id: (await decideApproval(ctx, input)).id }), { revalidate: ["/", "/approvals"] });

export const tickChecklistAction = defineAction(tickInput, (ctx, input) => tickChecklist(ctx, input), { revalidate: ["/deployments"] });

export const overrideGateAction = defineAction(overrideInput, (ctx, input) => overrideGate(ctx, input), { revalidate: ["/deployments"] });

export const confirmRollbackAction = defineAction(confirmRollbackInput, (ctx, input) => confirmAutomaticRollback(ctx, input), { revalidate: ["/", "/deployments"] });

export const undoRollbackAction = defineAction(undoRollbackInput, async (ctx, input) => ({ id: (await undoAutomaticRollback(ctx, input)).id }), { revalidate: ["/", "/deployments", "/pipelines"] });

export const abortDeploymentAction = defineAction(abortInput, async (ctx, input) => ({ id: (await abortDeployment(ctx, input)).id }), { revalidate: ["/", "/deployments", "/pipelines"] });
