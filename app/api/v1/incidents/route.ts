import { apiMutation, apiRead } from "@/lib/api/handler";
import { declareIncident, listIncidents } from "@/lib/services/incidents";

/** Open incidents first, then resolved ones, newest first; filter by `environment` and `state`. */
export const GET = apiRead(async ({ ctx, query }) => ({ items: await listIncidents(ctx, query), nextCursor: null }));

/** Declares an incident: deployments into its environment are refused until it is resolved. */
export const POST = apiMutation(async ({ ctx, body }) => ({ status: 201, body: await declareIncident(ctx, body) }));
