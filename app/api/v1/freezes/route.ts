import { apiMutation, apiRead } from "@/lib/api/handler";
import { createFreeze, listFreezes } from "@/lib/services/freezes";

/** Active and upcoming freezes (`?includeLifted=true` adds the history), from the database and slipway.yaml. */
export const GET = apiRead(async ({ ctx, query }) => ({ items: await listFreezes(ctx, query), nextCursor: null }));

/** Declares a freeze on one environment, or on every environment when `environment` is omitted (stop the line). */
export const POST = apiMutation(async ({ ctx, body }) => ({ status: 201, body: await createFreeze(ctx, body) }));
