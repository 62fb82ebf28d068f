import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getPipeline } from "@/lib/services/pipeline-queries";

export const GET = apiRead(async ({ ctx }) => {
  authorize(ctx, "pipeline.view");
  const pipeline = await getPipeline(ctx.db);
  return { name: pipeline.name, loadedAt: pipeline.loadedAt.toISOString(), configHash: pipeline.configHash, config: pipeline.config };
});
