"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { cancelDeployment, requestDeployment, requestRollback } from "@/lib/services/deployments";
import { decideApproval } from "@/lib/services/approvals";
import { overrideGate, tickChecklist } from "@/lib/services/preflight";
import { confirmAutomaticRollback, undoAutomaticRollback } from "@/lib/services/auto-rollback";
import { abortDeployment } from "@/lib/services/abort";

export const requestDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const rollbackAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestRollback(ctx, input)).id }), { revalidate: ["/"] });

export const cancelDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await cancelDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const decideApprovalAction = defineAction(async (ctx, input: unknown) => ({ id: (await decideApproval(ctx, input)).id }), { revalidate: ["/", "/approvals"] });

export const tickChecklistAction = defineAction((ctx, input: unknown) => tickChecklist(ctx, input), { revalidate: ["/deployments"] });

export const overrideGateAction = defineAction((ctx, input: unknown) => overrideGate(ctx, input), { revalidate: ["/deployments"] });

export const confirmRollbackAction = defineAction((ctx, input: unknown) => confirmAutomaticRollback(ctx, input), { revalidate: ["/", "/deployments"] });

export const undoRollbackAction = defineAction(async (ctx, input: unknown) => ({ id: (await undoAutomaticRollback(ctx, input)).id }), { revalidate: ["/", "/deployments", "/pipelines"] });

export const abortDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await abortDeployment(ctx, input)).id }), { revalidate: ["/", "/deployments", "/pipelines"] });
