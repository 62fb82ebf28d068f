import { releaseDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { authorizePipelineRead } from "@/lib/services/pipeline-scope";
import { getRelease } from "@/lib/services/releases";

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const release = await getRelease(ctx.db, params.id);
  await authorizePipelineRead(ctx, { type: "release", id: release.id }, { pipelineId: release.pipelineId });
  return releaseDto(release);
});
