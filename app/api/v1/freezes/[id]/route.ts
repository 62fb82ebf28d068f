import { apiMutation, apiRead, bodyWith } from "@/lib/api/handler";
import { getFreeze, liftFreeze } from "@/lib/services/freezes";

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => getFreeze(ctx, params.id));

/** Lifts the freeze (with a reason): deployments it held back may start again. */
export const DELETE = apiMutation<{ id: string }>(async ({ ctx, body, params }) => ({ status: 200, body: await liftFreeze(ctx, bodyWith(body, { freezeId: params.id })) }));
