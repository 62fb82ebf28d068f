"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { declareIncident, declareIncidentInput, resolveIncident, resolveIncidentInput } from "@/lib/services/incidents";

// Open incidents show on the board and environment pages as well: refresh from the root layout.
export const declareIncidentAction = defineAction(
  declareIncidentInput,
  async (ctx, input) => {
    const incident = await declareIncident(ctx, input);
    return { id: incident.id, title: incident.title, environment: incident.environment };
  },
  { revalidate: ["/"] },
);

export const resolveIncidentAction = defineAction(
  resolveIncidentInput,
  async (ctx, input) => {
    const incident = await resolveIncident(ctx, input);
    return { id: incident.id, title: incident.title, environment: incident.environment };
  },
  { revalidate: ["/"] },
);
