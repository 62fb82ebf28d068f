"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { deleteConfigVariable, setConfigVariable } from "@/lib/services/config-vars";
import { liftHold } from "@/lib/services/holds";
import { requestJob } from "@/lib/services/jobs";

export const setConfigAction = defineAction(async (ctx, input: unknown) => (await setConfigVariable(ctx, input)).key, { revalidate: ["/pipelines"] });

export const deleteConfigAction = defineAction((ctx, input: unknown) => deleteConfigVariable(ctx, input), { revalidate: ["/pipelines"] });

export const runJobAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestJob(ctx, input)).id }), { revalidate: ["/pipelines"] });

export const liftHoldAction = defineAction((ctx, input: unknown) => liftHold(ctx, input), { revalidate: ["/", "/pipelines"] });
