import { apiMutation, apiRead } from "@/lib/api/handler";
import { pipelineDto } from "@/lib/api/pipeline-dto";
import { authorize } from "@/lib/services/authorize";
import { resolvePipeline } from "@/lib/services/pipeline-scope";
import { putPipeline } from "@/lib/services/pipelines";

export const GET = apiRead<{ pipeline: string }>(async ({ ctx, params }) => {
  const pipeline = await resolvePipeline(ctx.db, params.pipeline);
  authorize(ctx, "pipeline.view", { type: "pipeline", id: pipeline.id, pipeline: { id: pipeline.id, teamId: pipeline.teamId } });
  return pipelineDto(pipeline);
});

/** Registers (201) or updates (200) the pipeline from the YAML text of its file; 422 lists every problem. */
export const PUT = apiMutation<{ pipeline: string }>(
  async ({ ctx, params, body }) => {
    const { pipeline, created, summary } = await putPipeline(ctx, params.pipeline, body as string);
    return {
      status: created ? 201 : 200,
      body: { ...pipelineDto(pipeline), changed: summary.changed, addedApps: summary.addedApps, retiredApps: summary.retiredApps, addedEnvironments: summary.addedEnvironments, retiredEnvironments: summary.retiredEnvironments },
    };
  },
  { body: "yaml" },
);
