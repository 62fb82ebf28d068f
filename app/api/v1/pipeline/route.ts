import { apiRead } from "@/lib/api/handler";
import { pipelineDto } from "@/lib/api/pipeline-dto";
import { authorize } from "@/lib/services/authorize";
import { solePipeline } from "@/lib/services/pipeline-scope";

/** Deprecated: the only pipeline; 409 `ambiguous` listing them when there are several (use /pipelines/{pipeline}). */
export const GET = apiRead(async ({ ctx }) => {
  const pipeline = await solePipeline(ctx.db);
  authorize(ctx, "pipeline.view", { type: "pipeline", id: pipeline.id, pipeline: { id: pipeline.id, teamId: pipeline.teamId } });
  return pipelineDto(pipeline);
});
