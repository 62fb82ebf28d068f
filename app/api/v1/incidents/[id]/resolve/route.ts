import { apiMutation, bodyWith } from "@/lib/api/handler";
import { resolveIncident } from "@/lib/services/incidents";

/** Resolves an open incident (optional `note`): the incident gate lets deployments through again. */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => ({ status: 200, body: await resolveIncident(ctx, bodyWith(body, { incidentId: params.id })) }), { body: "optional" });
