"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { cancelDeployment, requestDeployment, requestRollback } from "@/lib/services/deployments";

export const requestDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestDeployment(ctx, input)).id }), { revalidate: ["/"] });

export const rollbackAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestRollback(ctx, input)).id }), { revalidate: ["/"] });

export const cancelDeploymentAction = defineAction(async (ctx, input: unknown) => ({ id: (await cancelDeployment(ctx, input)).id }), { revalidate: ["/"] });
