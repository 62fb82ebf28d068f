"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { cancelDeployment, requestDeployment, requestRollback } from "@/lib/services/deployments";
import { decide } from "@/lib/services/approvals";
import { overrideGate, tickChecklist } from "@/lib/services/preflight";

export const requestDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const rollbackAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestRollback(ctx, input)).id }), { revalidate: ["/"] });

export const cancelDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await cancelDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const decideAction = defineAction(async (ctx, input: unknown) => ({ id: (await decide(ctx, input)).id }), { revalidate: ["/", "/approvals"] });

export const tickChecklistAction = defineAction((ctx, input: unknown) => tickChecklist(ctx, input), { revalidate: ["/deployments"] });

export const overrideGateAction = defineAction((ctx, input: unknown) => overrideGate(ctx, input), { revalidate: ["/deployments"] });
