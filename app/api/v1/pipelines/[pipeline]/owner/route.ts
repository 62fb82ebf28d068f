import { apiMutation } from "@/lib/api/handler";
import { setPipelineOwner } from "@/lib/services/teams";

/** Sets the team that owns the pipeline: `{ "team": "<name>" }`, or `{ "team": null }` for none. */
export const PUT = apiMutation<{ pipeline: string }>(async ({ ctx, params, body }) => ({ status: 200, body: await setPipelineOwner(ctx, params.pipeline, body) }));
