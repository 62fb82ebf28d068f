import { apiRead } from "@/lib/api/handler";
import { pipelineDto } from "@/lib/api/pipeline-dto";
import { authorize } from "@/lib/services/authorize";
import { listPipelines } from "@/lib/services/pipeline-scope";

/** Every pipeline, by name (a handful: one page); for a token restricted to one pipeline, that one. */
export const GET = apiRead(async ({ ctx }) => {
  authorize(ctx, "pipeline.view");
  const restriction = ctx.actor.pipelineRestriction;
  return { items: (await listPipelines(ctx.db)).filter((p) => !restriction || p.id === restriction).map(pipelineDto), nextCursor: null };
});
