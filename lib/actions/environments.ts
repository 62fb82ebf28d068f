"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { deleteConfigInput, deleteConfigVariable, setConfigInput, setConfigVariable } from "@/lib/services/config-vars";
import { liftHold, liftHoldInput } from "@/lib/services/holds";
import { requestJob, runJobInput } from "@/lib/services/jobs";

export const setConfigAction = defineAction(setConfigInput, async (ctx, input) => (await setConfigVariable(ctx, input)).key, { revalidate: ["/pipelines"] });

export const deleteConfigAction = defineAction(deleteConfigInput, (ctx, input) => deleteConfigVariable(ctx, input), { revalidate: ["/pipelines"] });

export const runJobAction = defineAction(runJobInput, async (ctx, input) => ({ id: (await requestJob(ctx, input)).id }), { revalidate: ["/pipelines"] });

export const liftHoldAction = defineAction(liftHoldInput, (ctx, input) => liftHold(ctx, input), { revalidate: ["/", "/pipelines"] });
