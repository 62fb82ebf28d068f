import { apiRead } from "@/lib/api/handler";
import { pipelineDto } from "@/lib/api/pipeline-dto";
import { authorize } from "@/lib/services/authorize";
import { listPipelines } from "@/lib/services/pipeline-scope";

/** Every pipeline, by name (a handful: one page). */
export const GET = apiRead(async ({ ctx }) => {
  authorize(ctx, "pipeline.view");
  return { items: (await listPipelines(ctx.db)).map(pipelineDto), nextCursor: null };
});
