"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { deleteConfigVariable, setConfigVariable } from "@/lib/services/config-vars";
import { liftHold } from "@/lib/services/holds";
import { requestJob } from "@/lib/services/jobs";

export const setConfigAction = defineAction(async (ctx, input: unknown) => (await setConfigVariable(ctx, input)).key, { revalidate: ["/environments"] });

export const deleteConfigAction = defineAction((ctx, input: unknown) => deleteConfigVariable(ctx, input), { revalidate: ["/environments"] });

export const runJobAction = defineAction(async (ctx, input: unknown) => ({ id: (await requestJob(ctx, input)).id }), { revalidate: ["/environments"] });

export const liftHoldAction = defineAction((ctx, input: unknown) => liftHold(ctx, input), { revalidate: ["/", "/environments"] });
